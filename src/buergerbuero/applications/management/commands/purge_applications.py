"""Delete personal data and files of applications past their retention (run daily by the scheduler)."""

from django.core.management.base import BaseCommand

from buergerbuero.applications import services


class Command(BaseCommand):
    help = "Löscht personenbezogene Daten und Lichtbilder von Anträgen, deren Aufbewahrungsfrist abgelaufen ist."

    def handle(self, *args, **options):
        count = services.purge_due()
        self.stdout.write(f"{count} Anträge bereinigt.")
