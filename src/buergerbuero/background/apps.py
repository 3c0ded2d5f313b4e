from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class BackgroundConfig(AppConfig):
    name = "buergerbuero.background"
    verbose_name = _("Hintergrundarbeit")

    def ready(self) -> None:
        # Each app's tasks.py registers its outbox handlers (mails, deferred work) with the registry.
        autodiscover_modules("tasks")
