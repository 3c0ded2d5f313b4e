from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core.errors import DomainError
from buergerbuero.queue import services


class Command(BaseCommand):
    help = (
        "Close every visit of past days that is still open (waiting, called, being served, parked) as "
        "'end of day' and end counter sessions left open. Call nightly after midnight, e.g. '30 0 * * *'; "
        "running it twice changes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("--office", help="slug of one office (default: all offices)")

    def handle(self, *args, office: str | None = None, **options):
        offices = None
        if office:
            try:
                offices = [catalog_selectors.office_by_slug(office)]
            except DomainError:
                raise CommandError(f"office: Standort „{office}“ gibt es nicht.") from None
        for close in services.close_past_days(now=timezone.now(), offices=offices):
            self.stdout.write(
                f"{close.office.slug}: {close.visits} visits before {close.today:%Y-%m-%d} closed as end of day "
                f"({close.waiting} never called, {close.called} called, {close.serving} being served, "
                f"{close.parked} parked); {close.sessions} counter sessions ended."
            )
