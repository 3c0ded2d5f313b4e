"""`{% load antibot %}{% antibot_field form %}` — the anti-bot proof inside a booking or waitlist form."""

from django import template
from django.conf import settings
from django.urls import reverse

from buergerbuero.booking import antibot

register = template.Library()


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
    return {
        "field": antibot.FIELD,
        "challenge_url": reverse("api:antibot_challenge"),
        "widget_url": settings.ALTCHA_WIDGET_URL,
        "ticket": ticket,
        "delay": settings.ANTIBOT_NOJS_DELAY_SECONDS,
        "errors": errors,
    }
