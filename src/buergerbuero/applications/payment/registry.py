"""Payment provider plugins by key. Which ones may be configured is set in settings.PAYMENT_PROVIDERS."""

from django.utils.translation import gettext_lazy as _

from buergerbuero.applications.payment.base import PaymentAccount, PaymentProvider
from buergerbuero.core.errors import NotFound
from buergerbuero.core.plugins import PluginRegistry

PROVIDERS: PluginRegistry[type[PaymentProvider]] = PluginRegistry("PAYMENT_PROVIDERS", kind="payment provider")
register = PROVIDERS.register


def choices() -> list[tuple[str, str]]:
    return [(key, str(cls.label)) for key, cls in sorted(PROVIDERS.registered().items())]


def get(key: str, account: PaymentAccount) -> PaymentProvider:
    cls = PROVIDERS.find(key)
    if cls is None:
        raise NotFound(_("Dieses Bezahlverfahren gibt es hier nicht."), field="provider")
    return cls(account)
