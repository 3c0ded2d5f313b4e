"""Demo history of the lead-time KPI: a year of daily snapshots, as the booking process measured them.

The demo's bookings are left by a booking process (`booking/demo_history.py`) that runs day by day on the
office's calendar; every evening it asks what the hourly snapshot asks – the first day with room for the
reference service online, for one person – and that value is stored here (source "backfill": not taken by the
live engine at the time, but the same question on the same book). So the trend and the bookings tell one story,
and the planner's backtest compares its prediction with what the book really showed. docs/kpis.md explains it.
The snapshot of the current hour comes from the live engine.
"""

import datetime as dt

from django.utils import timezone

from buergerbuero.core.demo import DemoCity
from buergerbuero.insights import selectors, services
from buergerbuero.insights.models import KPISnapshot

HISTORY_DAYS = 365
EARLIER_BOOKINGS_DAYS = 60  # the trend starts a little before the year, as the bookings of the history do


def store_history(*, office, service, samples) -> int:
    """Daily snapshots (source "backfill") from the process's samples (`demo_history.Sample`); idempotent per hour."""
    rows = [
        KPISnapshot(
            office=office,
            service=service,
            hour=services.snapshot_hour(sample.taken_at),
            taken_at=sample.taken_at,
            lead_time_days=sample.lead_days,
            earliest_start=sample.earliest,
            horizon_days=office.horizon_days,
            source=KPISnapshot.Source.BACKFILL,
        )
        for sample in samples
    ]
    KPISnapshot.objects.bulk_create(rows, batch_size=1000, ignore_conflicts=True)
    return len(rows)


def load(city: DemoCity) -> None:
    office = city.objects["office"]
    services.set_target(office=office, min_days=14, max_days=28)
    service = selectors.reference_service(office)
    first = city.today - dt.timedelta(days=HISTORY_DAYS + EARLIER_BOOKINGS_DAYS)
    samples = city.objects.get("lead_time_samples", {})
    store_history(office=office, service=service, samples=[s for day, s in sorted(samples.items()) if day >= first])
    services.take_snapshots(now=timezone.now(), offices=[office])
