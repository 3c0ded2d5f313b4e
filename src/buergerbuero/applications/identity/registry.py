"""Identity provider plugins by key. Which ones are active is set in settings.IDENTITY_PROVIDERS."""

from django.utils.translation import gettext_lazy as _

from buergerbuero.applications.identity.base import IdentityProvider
from buergerbuero.core.errors import NotFound
from buergerbuero.core.plugins import PluginRegistry

PROVIDERS: PluginRegistry[type[IdentityProvider]] = PluginRegistry("IDENTITY_PROVIDERS", kind="identity provider")
register = PROVIDERS.register


def get(key: str) -> IdentityProvider:
    """An active provider only: a registered one that the setting does not name is not offered."""
    cls = PROVIDERS.find(key, configured_only=True)
    if cls is None:
        raise NotFound(_("Dieses Anmeldeverfahren gibt es hier nicht."), field="provider")
    return cls()


def active() -> list[IdentityProvider]:
    return [cls() for cls in PROVIDERS.configured()]
