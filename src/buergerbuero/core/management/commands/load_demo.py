import time

from django.core.management.base import BaseCommand
from django.db import connection, transaction
from django.utils import timezone

from buergerbuero.catalog.models import Office
from buergerbuero.core.demo import DemoCity, loaders


class Command(BaseCommand):
    help = "Load the demo city (Castrop-Rauxel) with a year of history and future bookings."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="Do nothing when offices exist already.")
        parser.add_argument(
            "--seed", type=int, default=DemoCity.seed, help="Another draw of the same city (the planner's backtest)."
        )

    def handle(self, *args, if_empty=False, seed=DemoCity.seed, **options):
        if if_empty and Office.objects.exists():
            self.stdout.write("Demo data already loaded – kept as it is.")
            return
        city = DemoCity(today=timezone.localdate(), seed=seed)
        started = time.perf_counter()
        with transaction.atomic():
            for label, load in loaders():
                # Progress: one line per app, finished with its time (the booking history takes longest).
                self.stdout.write(f"  {label} …", ending="")
                self.stdout.flush()
                step = time.perf_counter()
                load(city)
                self.stdout.write(f" {time.perf_counter() - step:.1f} s")
        # Fresh statistics after a bulk load: without them SQLite's planner may pick a poor index.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
        self.stdout.write(self.style.SUCCESS(f"Demo city loaded in {time.perf_counter() - started:.0f} s."))
