"""Dates that arrive as ISO text (stored JSON results of the planner) shown the way the page's language writes
them: never "2026-11-25" on a staff page."""

import datetime as dt

from django import template
from django.utils.formats import date_format

register = template.Library()


@register.filter
def iso_date(value):
    """'2026-11-25' (or a date) → the short date of the current language; anything else unchanged."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return value


@register.filter
def iso_month(value):
    """'2026-11' → 'November 2026' (in the current language); anything else unchanged."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(f"{value}-01")
        except ValueError:
            return value
    if isinstance(value, dt.date):
        return date_format(value, "YEAR_MONTH_FORMAT")
    return value
