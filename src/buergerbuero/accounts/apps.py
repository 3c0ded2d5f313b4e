from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "buergerbuero.accounts"
    label = "accounts"

    def ready(self) -> None:
        from buergerbuero.accounts import sso  # noqa: F401  (registers the check of the single sign-on settings)
