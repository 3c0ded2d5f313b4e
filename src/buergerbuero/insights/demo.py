"""Demo history of the lead-time KPI: a year of daily snapshots, derived from the demo city's bookings.

Why derived and not replayed: the demo bookings leave ~12 % of every past day unbooked (gaps that in reality
walk-ins or late bookers filled), so replaying the availability engine on the bookings known at a past moment
would find one of those gaps tomorrow and show a lead time of about one day all year. The bookings *made* on
a day, however, record what people were offered that day: the median of their days-to-visit is the lead time
of that day. docs/kpis.md explains the choice. The snapshot of the current hour comes from the live engine.
"""

import datetime as dt
from zoneinfo import ZoneInfo

from django.utils import timezone

from buergerbuero.core.demo import DemoCity
from buergerbuero.insights import metrics, selectors, services
from buergerbuero.insights.metrics import Period
from buergerbuero.insights.models import KPISnapshot

HISTORY_DAYS = 365
EARLIER_BOOKINGS_DAYS = 60  # the first visits of the history were booked up to ~7 weeks before it started
MIN_BOOKINGS = 3  # a day with fewer bookings made says too little about that day's lead time
SNAPSHOT_CLOCK = dt.time(8, 0)  # one backfilled sample per day, at opening time


def backfill(*, office, service, period: Period) -> int:
    """Daily snapshots (source "backfill") from the bookings made on each day; idempotent per hour."""
    tz = ZoneInfo(office.timezone)
    made = selectors.bookings_made(office, service, period)
    rows = []
    for day, leads in sorted(made.items()):
        if len(leads) < MIN_BOOKINGS:
            continue
        hour = services.snapshot_hour(dt.datetime.combine(day, SNAPSHOT_CLOCK, tzinfo=tz))
        rows.append(
            KPISnapshot(
                office=office,
                service=service,
                hour=hour,
                taken_at=hour,
                lead_time_days=metrics.percentile(leads, 50),
                horizon_days=office.horizon_days,
                source=KPISnapshot.Source.BACKFILL,
            )
        )
    KPISnapshot.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def load(city: DemoCity) -> None:
    office = city.objects["office"]
    services.set_target(office=office, min_days=14, max_days=28)
    service = selectors.reference_service(office)
    yesterday = city.today - dt.timedelta(days=1)
    backfill(
        office=office,
        service=service,
        period=Period(city.today - dt.timedelta(days=HISTORY_DAYS + EARLIER_BOOKINGS_DAYS), yesterday),
    )
    services.take_snapshots(now=timezone.now(), offices=[office])
