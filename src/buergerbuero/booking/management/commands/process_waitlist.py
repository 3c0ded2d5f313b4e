from django.core.management.base import BaseCommand

from buergerbuero.booking.waitlist import services as waitlist


class Command(BaseCommand):
    help = "Offer freed times to the waitlist (FIFO) and let unanswered offers lapse. Run every few minutes."

    def handle(self, *args, **options):
        offers = waitlist.process_all()
        self.stdout.write(f"{offers} offer(s) made")
