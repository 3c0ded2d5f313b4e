"""Benchmark: one hourly snapshot of every office × service on the demo city (a year of bookings).

Run: .venv/bin/python -m bench.insights_snapshot
Baseline in the same run: one citizen's "earliest free appointment" query for the reference service.
"""

from bench.insights_common import setup_demo, timed


def main() -> None:
    setup_demo()
    from django.utils import timezone

    from buergerbuero.booking.selectors import live as booking_live
    from buergerbuero.catalog.models import Office
    from buergerbuero.insights import services
    from buergerbuero.insights.models import KPISnapshot

    office = Office.objects.get()
    reference = office.reference_service
    assert reference is not None  # the seeded office has one
    now = timezone.now()
    measured = services.take_snapshots(now=now)
    baseline = timed(lambda: booking_live.lead_time_days(office, reference, now=now))
    snapshot = timed(lambda: services.take_snapshots(now=now))
    rows = KPISnapshot.objects.count()
    print(f"snapshot rows in DB: {rows}; office × service pairs measured per run: {measured}")
    print(f"baseline  one lead-time query (reference service): {baseline:8.1f} ms")
    print(f"snapshot  all offices × services (idempotent):      {snapshot:8.1f} ms")
    print(f"ratio snapshot / one query: {snapshot / baseline:.1f}× (for {measured} services)")


if __name__ == "__main__":
    main()
