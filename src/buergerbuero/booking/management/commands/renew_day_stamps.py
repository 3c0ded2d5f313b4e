import datetime as dt

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from buergerbuero.booking import services
from buergerbuero.catalog import selectors as catalog_selectors


class Command(BaseCommand):
    help = (
        "Renew the day stamps of a range of days, so availability reads their bookings again. Needed after "
        "appointments were written or changed without the booking services (SQL console, an import): cached "
        "days are kept until their stamp changes (docs/adr/0001-day-cache.md)."
    )

    def add_arguments(self, parser):
        parser.add_argument("--office", action="append", default=[], help="office slug (repeatable; default: all)")
        parser.add_argument("--from", dest="first", type=dt.date.fromisoformat, help="first day (default: today)")
        parser.add_argument("--to", dest="last", type=dt.date.fromisoformat, help="last day (default: +1 year)")

    def handle(self, *args, office, first, last, **options):
        offices = catalog_selectors.offices_by_slug(office) if office else list(catalog_selectors.offices())
        if office and len(offices) != len(set(office)):
            missing = sorted(set(office) - {o.slug for o in offices})
            raise CommandError(f"unknown office(s): {', '.join(missing)}")
        first = first or timezone.localdate()
        last = last or first + dt.timedelta(days=366)
        if last < first:
            raise CommandError("--to lies before --from")
        renewed = services.renew_day_stamps(offices=offices, first=first, last=last)
        self.stdout.write(f"{renewed} day stamp(s) renewed ({len(offices)} office(s), {first} to {last})")
