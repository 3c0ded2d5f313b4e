"""`{% load antibot %}{% antibot_field form %}` — the anti-bot proof inside a booking or waitlist form."""

import json

from django import template
from django.conf import settings
from django.templatetags.static import static
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buergerbuero.booking import antibot
from buergerbuero.core.templatetags.frontend import asset_built

register = template.Library()

WIDGET_ASSET = "altcha/altcha.min.js"  # copied from npm `altcha` by scripts/build-frontend
WIDGET_OFF = {"off", "none"}


def widget_url() -> str:
    """Where the ALTCHA widget is served: ALTCHA_WIDGET_URL, or by default the built static file if it exists."""
    configured = settings.ALTCHA_WIDGET_URL.strip()
    if configured.lower() in WIDGET_OFF:
        return ""
    if configured:
        return configured
    return static(WIDGET_ASSET) if asset_built(WIDGET_ASSET) else ""


def widget_strings() -> dict[str, str]:
    """Every text of the widget from our catalogue (German, English), so the page never mixes languages.

    The code-challenge texts belong to ALTCHA Sentinel's image/audio fallback, which this server never asks
    for; they are translated anyway so that no key falls back to the widget's built-in English.
    """
    return {
        "label": _("Sicherheitsprüfung"),
        "verifying": _("Sicherheitsprüfung läuft …"),
        "verified": _("Sicherheitsprüfung abgeschlossen"),
        "verificationRequired": _("Sicherheitsprüfung erforderlich"),
        "waitAlert": _("Die Sicherheitsprüfung läuft noch. Bitte einen Moment Geduld."),
        "error": _("Die Sicherheitsprüfung ist fehlgeschlagen. Bitte versuchen Sie es erneut."),
        "expired": _("Die Sicherheitsprüfung ist abgelaufen. Bitte versuchen Sie es erneut."),
        "loading": _("Wird geladen …"),
        "reload": _("Neu laden"),
        "verify": _("Prüfen"),
        "cancel": _("Abbrechen"),
        "enterCode": _("Code eingeben"),
        "enterCodeAria": _("Geben Sie den Code ein, den Sie hören. Mit der Leertaste spielen Sie ihn ab."),
        "enterCodeFromImage": _("Bitte geben Sie den Code aus dem Bild ein."),
        "getAudioChallenge": _("Code vorlesen lassen"),
        "ariaLinkLabel": "ALTCHA",
        "footer": "",
    }


def _reusable_ticket(form) -> str:
    """After a failed submit, keep the delay ticket the citizen already waited for (it was not spent)."""
    data = getattr(form, "data", None) or {}
    posted = data.get(antibot.FIELD, "") if hasattr(data, "get") else ""
    if not posted.startswith(antibot.DELAY_PREFIX):
        return ""
    try:
        antibot.verify(posted)
    except antibot.AntibotError as exc:
        return posted if exc.code == "antibot_too_early" else ""
    return posted


@register.inclusion_tag("booking/_altcha.html")
def antibot_field(form=None):
    errors = form.errors.get(antibot.FIELD, []) if form is not None else []
    ticket = ""
    if antibot.nojs_enabled():
        ticket = _reusable_ticket(form) or antibot.create_delay_ticket()
    url = widget_url()
    return {
        "field": antibot.FIELD,
        "challenge_url": reverse("api:antibot_challenge"),
        "widget_url": url,
        "language": get_language() or settings.LANGUAGE_CODE,
        "strings": json.dumps(widget_strings(), ensure_ascii=False) if url else "",
        "ticket": ticket,
        "delay": settings.ANTIBOT_NOJS_DELAY_SECONDS,
        "errors": errors,
    }
