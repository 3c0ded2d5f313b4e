"""Benchmark: the manager dashboard and the committee PDF on a year of demo data (real HTTP stack, test client).

Run: .venv/bin/python -m bench.insights_dashboard
Baseline in the same run: one citizen's lead-time query (the availability engine over the booked-out horizon);
GET /healthz is printed too (request overhead only).
"""

import datetime as dt

from bench.insights_common import setup_demo, timed


def main() -> None:
    setup_demo()
    from django.test import Client
    from django.utils import timezone

    from buergerbuero.booking import selectors as booking_selectors
    from buergerbuero.booking.models import Appointment
    from buergerbuero.catalog.models import Office
    from buergerbuero.insights.models import KPISnapshot

    client = Client()
    assert client.login(username="leitung", password="demo-leitung")
    today = timezone.localdate()
    year = {"date_from": (today - dt.timedelta(days=364)).isoformat(), "date_to": today.isoformat()}
    quarter = {"date_from": (today - dt.timedelta(days=90)).isoformat(), "date_to": today.isoformat()}

    def get(url, params=None):
        response = client.get(url, params or {})
        assert response.status_code == 200, (url, response.status_code)

    office = Office.objects.get()
    now = timezone.now()
    healthz = timed(lambda: get("/healthz"))
    baseline = timed(lambda: booking_selectors.lead_time_days(office, office.reference_service, now=now))
    dashboard = timed(lambda: get("/insights/castrop-rauxel/", year))
    report = timed(lambda: get("/insights/castrop-rauxel/bericht/", quarter))
    pdf = timed(lambda: get("/insights/castrop-rauxel/bericht.pdf", quarter))
    print(f"data: {Appointment.objects.count()} appointments, {KPISnapshot.objects.count()} snapshots")
    print(f"overhead  GET /healthz:                         {healthz:8.1f} ms")
    print(f"baseline  one lead-time query (engine):         {baseline:8.1f} ms")
    print(f"dashboard 365 days, 9 KPIs, 9 SVG charts:       {dashboard:8.1f} ms  ({dashboard / baseline:.1f}×)")
    print(f"report    HTML, 91 days + previous 91 days:     {report:8.1f} ms  ({report / baseline:.1f}×)")
    print(f"report    PDF, 91 days + previous 91 days:      {pdf:8.1f} ms  ({pdf / baseline:.1f}×)")


if __name__ == "__main__":
    main()
