"""The booking channels: who books an appointment and whose share of the staffed counters a lane belongs to.

A shared word of the domain, not a table of one app: capacity splits the counters by it (`ChannelShare`),
booking stamps it on every appointment, accounts decides by it who may book through which door, callcenter
and insights read it. It lives in core, the one app every other app may import, so none of them has to reach
into another app's models for it.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Channel(models.TextChoices):
    """Who books: each channel may book only its share of the staffed counters."""

    WEB = "web", _("Online (Bürger)")
    PARTNER = "partner", _("Partner-Callcenter")
    PHONE = "phone", _("Telefon (eigenes Personal)")
    COUNTER = "counter", _("Vor Ort / Sachbearbeitung")
