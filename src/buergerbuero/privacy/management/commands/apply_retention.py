"""Apply the retention policy now (the scheduler does it every 15 minutes); --dry-run only counts."""

from django.core.management.base import BaseCommand
from django.utils import timezone

from buergerbuero.privacy import services
from buergerbuero.privacy.retention import Kind

LABELS = {
    Kind.APPOINTMENTS: "Termine anonymisiert",
    Kind.CALLBACK_TICKETS: "Rückruf-Tickets anonymisiert",
    Kind.CALLS: "Anrufe ohne Rufnummer",
    Kind.WAITLIST: "Wartelisten-Einträge gelöscht",
    Kind.APPLICATIONS: "Online-Anträge bereinigt",
    Kind.MESSAGES: "Versandeinträge gelöscht",
    Kind.MAIL_FILES: "Dateien der E-Mail-Ablage gelöscht",
    Kind.IDENTITY: "eID-Identitäten gelöscht",
    Kind.SESSIONS: "abgelaufene Sitzungen gelöscht",
    Kind.AUDIT: "Zugriffsprotokoll-Einträge gelöscht",
}


class Command(BaseCommand):
    help = "Löscht oder anonymisiert personenbezogene Daten, deren Aufbewahrungsfrist abgelaufen ist."

    def add_arguments(self, parser):
        parser.add_argument("--dry-run", action="store_true", help="Nur zählen, nichts ändern.")
        parser.add_argument("--batch-size", type=int, default=services.BATCH_SIZE)

    def handle(self, *args, dry_run=False, batch_size=services.BATCH_SIZE, **options):
        counts = services.apply_retention(now=timezone.now(), dry_run=dry_run, batch_size=batch_size)
        if dry_run:
            self.stdout.write("Probelauf – es wurde nichts geändert. Fällig wären:")
        for kind in Kind:
            self.stdout.write(f"{kind.value:<18} {counts.get(kind, 0):>8}  {LABELS[kind]}")
