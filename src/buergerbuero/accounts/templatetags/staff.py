"""The staff layout's navigation: the same tiles as the start page (accounts.tiles)."""

from django import template

from buergerbuero.accounts import selectors, tiles

register = template.Library()


@register.simple_tag(takes_context=True)
def staff_links(context) -> list:
    request = context.get("request")
    user = getattr(request, "user", None)
    cache = getattr(request, "_staff_links", None)
    if cache is None:
        cache = tiles.links_for(user)
        if request is not None:
            request._staff_links = cache
    return cache


@register.simple_tag(takes_context=True)
def staff_member(context):
    request = context.get("request")
    return selectors.membership(getattr(request, "user", None))
