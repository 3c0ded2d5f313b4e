from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "buergerbuero.core"
    label = "core"
