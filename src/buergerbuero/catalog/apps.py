from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "buergerbuero.catalog"
    label = "catalog"
