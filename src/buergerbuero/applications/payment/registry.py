"""Payment provider plugins by key. Which ones may be configured is set in settings.PAYMENT_PROVIDERS."""

from collections.abc import Callable

from django.conf import settings
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _

from buergerbuero.applications.payment.base import PaymentAccount, PaymentProvider
from buergerbuero.core.errors import NotFound

_registry: dict[str, type[PaymentProvider]] = {}


def register(key: str) -> Callable[[type[PaymentProvider]], type[PaymentProvider]]:
    def decorator(cls: type[PaymentProvider]) -> type[PaymentProvider]:
        if key in _registry and _registry[key] is not cls:
            raise ValueError(f"payment provider {key!r} registered twice")
        cls.key = key
        _registry[key] = cls
        return cls

    return decorator


def _load() -> None:
    for path in getattr(settings, "PAYMENT_PROVIDERS", []):
        import_string(path)


def choices() -> list[tuple[str, str]]:
    _load()
    return [(key, str(cls.label)) for key, cls in sorted(_registry.items())]


def get(key: str, account: PaymentAccount) -> PaymentProvider:
    _load()
    if key not in _registry:
        raise NotFound(_("Dieses Bezahlverfahren gibt es hier nicht."), field="provider")
    return _registry[key](account)
