"""Which built front-end assets exist (KERN UX and htmx come from scripts/build-frontend, or are absent)."""

from functools import cache

from django import template
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

register = template.Library()


@cache
def _exists(path: str) -> bool:
    if finders.find(path):
        return True
    try:
        return staticfiles_storage.exists(path)
    except Exception:  # storage without a local directory
        return False


@register.simple_tag
def frontend_asset(path: str) -> bool:
    """True if the static file was built, so templates can fall back to plain CSS / no htmx."""
    return _exists(path)
