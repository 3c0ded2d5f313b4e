from django.apps import AppConfig


class AccountsConfig(AppConfig):
    name = "buergerbuero.accounts"
    label = "accounts"
