from django.core.management.base import BaseCommand
from django.utils import timezone

from buergerbuero.insights import services


class Command(BaseCommand):
    help = "Measure the lead time of every office and service now (call hourly; running twice in an hour is safe)."

    def handle(self, *args, **options):
        rows = services.take_snapshots(now=timezone.now())
        self.stdout.write(f"{rows} lead-time snapshots stored.")
