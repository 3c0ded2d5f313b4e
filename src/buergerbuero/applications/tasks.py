"""What the outbox does with the applications app's rows (docs/adr/0003-outbox-and-leases.md)."""

from django.utils.translation import gettext_lazy as _

from buergerbuero.applications import mails
from buergerbuero.background import registry

registry.message(mails.OUTBOX_KIND, label=_("E-Mail zum Online-Antrag"))(mails.for_outbox)
