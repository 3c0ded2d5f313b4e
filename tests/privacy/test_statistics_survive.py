"""The KPIs, the committee report and the planner's calibration give the same numbers before and after the
retention job anonymised a year of bookings: it removes who came, never that, when and for what."""

import dataclasses
import datetime as dt

import numpy as np
from django.utils import timezone

from buergerbuero.booking.models import Appointment
from buergerbuero.insights import report
from buergerbuero.insights.metrics import Period
from buergerbuero.planning import calibration
from buergerbuero.privacy import services
from buergerbuero.privacy.retention import Kind
from tests.planning.conftest import planning_office  # noqa: F401 – a year of bookings of one office


def _numbers(office, now):
    today = timezone.localdate(now)
    built = report.build(office=office, period=Period(today - dt.timedelta(days=89), today), now=now)
    model = calibration.office_model(office, start=today, days=30)
    return {
        "report_rows": [dataclasses.astuple(row) for row in built.rows],
        "report_charts": [(s.key, s.chart.x, [c.values for c in s.chart.columns]) for s in built.sections],
        "highlights": built.highlights,
        "facts": calibration.office_facts(model),
        "services": [(s.slug, s.per_week, s.booked_minutes) for s in model.services],
        "initial_booked": np.asarray(model.initial_booked).tolist(),
    }


def test_kpis_report_and_planner_give_the_same_numbers_after_anonymisation(planning_office):  # noqa: F811
    for n, appointment in enumerate(Appointment.objects.all()):
        Appointment.objects.filter(pk=appointment.pk).update(
            name=f"Person {n}", email=f"p{n}@example.org", phone="0234 123456"
        )
    now = timezone.now()
    before = _numbers(planning_office, now)

    anonymised = services.apply_retention(now=now)[Kind.APPOINTMENTS]
    assert anonymised > 500  # most of the year is older than 30 days
    assert Appointment.objects.filter(email="").count() == anonymised

    assert _numbers(planning_office, now) == before
