from django.apps import AppConfig


class CapacityConfig(AppConfig):
    name = "buergerbuero.capacity"
    label = "capacity"
