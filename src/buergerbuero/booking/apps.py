from django.apps import AppConfig


class BookingConfig(AppConfig):
    name = "buergerbuero.booking"
    label = "booking"
