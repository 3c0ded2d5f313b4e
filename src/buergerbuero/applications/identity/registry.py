"""Identity provider plugins by key. Which ones are active is set in settings.IDENTITY_PROVIDERS."""

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from buergerbuero.applications.identity.base import IdentityProvider
from buergerbuero.core.errors import NotFound

_registry: dict[str, type[IdentityProvider]] = {}


def register(key: str) -> Callable[[type[IdentityProvider]], type[IdentityProvider]]:
    def decorator(cls: type[IdentityProvider]) -> type[IdentityProvider]:
        if key in _registry and _registry[key] is not cls:
            raise ValueError(f"identity provider {key!r} registered twice")
        cls.key = key
        _registry[key] = cls
        return cls

    return decorator


def _load() -> None:
    for path in getattr(settings, "IDENTITY_PROVIDERS", []):
        import_string(path)


def get(key: str) -> IdentityProvider:
    _load()
    if key not in _registry or not any(p.endswith(f".{_registry[key].__name__}") for p in settings.IDENTITY_PROVIDERS):
        raise NotFound(_("Dieses Anmeldeverfahren gibt es hier nicht."), field="provider")
    return _registry[key]()


def active() -> list[IdentityProvider]:
    _load()
    return [import_string(path)() for path in settings.IDENTITY_PROVIDERS]
