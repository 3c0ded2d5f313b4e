"""Benchmark: the manager dashboard and the committee PDF on a year of demo data (real HTTP stack, test client).

Run: .venv/bin/python -m bench.insights_dashboard
Baseline in the same run: one citizen's lead-time query (the availability engine over the booked-out horizon);
GET /healthz is printed too (request overhead only). The SQL queries of one request are counted as well: unlike
the times they do not depend on the machine.
"""

import datetime as dt

from bench.insights_common import setup_demo, timed


def main() -> None:
    setup_demo()
    from django.test import Client
    from django.utils import timezone

    from buergerbuero.booking.models import Appointment
    from buergerbuero.booking.selectors import live as booking_live
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

    def queries(url, params):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as captured:
            get(url, params)
        return len(captured)

    office = Office.objects.get()
    reference = office.reference_service
    assert reference is not None  # the seeded office has one
    now = timezone.now()
    healthz = timed(lambda: get("/healthz"))
    baseline = timed(lambda: booking_live.lead_time_days(office, reference, now=now))
    dashboard = timed(lambda: get("/insights/castrop-rauxel/", year))
    report = timed(lambda: get("/insights/castrop-rauxel/bericht/", quarter))
    pdf = timed(lambda: get("/insights/castrop-rauxel/bericht.pdf", quarter))
    print(f"data: {Appointment.objects.count()} appointments, {KPISnapshot.objects.count()} snapshots")
    print(f"overhead  GET /healthz:                         {healthz:8.1f} ms")
    print(f"baseline  one lead-time query (engine):         {baseline:8.1f} ms")
    n_dashboard = queries("/insights/castrop-rauxel/", year)
    n_report = queries("/insights/castrop-rauxel/bericht/", quarter)
    n_pdf = queries("/insights/castrop-rauxel/bericht.pdf", quarter)
    print(
        f"dashboard 365 days, 11 KPIs, 11 SVG charts:     {dashboard:8.1f} ms  ({dashboard / baseline:.1f}×)  {n_dashboard} queries"
    )
    print(
        f"report    HTML, 91 days + previous 91 days:     {report:8.1f} ms  ({report / baseline:.1f}×)  {n_report} queries"
    )
    print(f"report    PDF, 91 days + previous 91 days:      {pdf:8.1f} ms  ({pdf / baseline:.1f}×)  {n_pdf} queries")


if __name__ == "__main__":
    main()
