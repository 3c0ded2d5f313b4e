"""Which built front-end assets exist (KERN UX and htmx come from scripts/build-frontend, or are absent)."""

from functools import cache

from django import template
from django.contrib.staticfiles import finders
from django.contrib.staticfiles.storage import staticfiles_storage

register = template.Library()


@cache
def asset_built(path: str) -> bool:
    """Whether scripts/build-frontend produced this static file (cached: the build does not change at run time)."""
    if finders.find(path):
        return True
    try:
        return staticfiles_storage.exists(path)
    except Exception:  # storage without a local directory
        return False


@register.simple_tag
def frontend_asset(path: str) -> bool:
    """True if the static file was built, so templates can fall back to plain CSS / no htmx."""
    return asset_built(path)
