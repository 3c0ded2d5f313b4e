from django.conf import settings
from django.core.management.base import BaseCommand

from buergerbuero.booking import services


class Command(BaseCommand):
    help = "Queue reminder e-mails for appointments starting soon (idempotent: run it as often as you like)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--hours",
            type=int,
            default=settings.BOOKING_REMINDER_HOURS,
            help="remind appointments starting within this many hours (default: BOOKING_REMINDER_HOURS)",
        )

    def handle(self, *args, hours, verbosity, **options):
        count = services.enqueue_due_reminders(hours=hours)
        if verbosity:
            self.stdout.write(f"{count} Erinnerung(en) eingereiht.")
