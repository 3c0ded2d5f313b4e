"""The planner's no-show rate: measured on the office floor when there are enough appointments, else 7 %."""

import datetime as dt
import io
from zoneinfo import ZoneInfo

import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from buergerbuero.accounts.models import StaffMembership
from buergerbuero.booking.models import Appointment, AppointmentService
from buergerbuero.catalog.models import Counter, Service
from buergerbuero.planning import calibration, report, services
from buergerbuero.planning.models import PlanRun
from buergerbuero.queue.models import Ticket, Visit
from tests import factories

from .conftest import _user

BERLIN = ZoneInfo("Europe/Berlin")


def weekdays_before(today: dt.date, n: int) -> list[dt.date]:
    days: list[dt.date] = []
    day = today
    while len(days) < n:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return sorted(days)


@pytest.fixture
def floor_office(db):
    """20 weekdays before today with 10 booked ID-card appointments each (200): on 10 days the first holder never
    checked in, on the other 10 the second was called and not there; everybody else was served."""
    id_card = Service.objects.filter(slug="personalausweis").first() or factories.service()  # shared with others
    office = factories.office(slug="floor-office", services=[id_card])
    office.reference_service = id_card
    office.save(update_fields=["reference_service"])
    counter = Counter.objects.get(office=office, number=1)
    today = timezone.localdate()
    office.days = weekdays_before(today, 20)
    appointments = []
    for d, day in enumerate(office.days):
        for k in range(10):
            start = dt.datetime.combine(day, dt.time(9), tzinfo=BERLIN) + dt.timedelta(minutes=20 * k)
            appointments.append(
                Appointment(
                    code=f"F{d:02d}{k}",
                    token_hash="x",
                    office=office,
                    counter=counter,
                    start=start,
                    end=start + dt.timedelta(minutes=20),
                    claim_end=start + dt.timedelta(minutes=20),
                    channel="web",
                    status="confirmed",
                    created_at=start - dt.timedelta(days=30),
                    confirmed_at=start - dt.timedelta(days=30),
                )
            )
    Appointment.objects.bulk_create(appointments)
    AppointmentService.objects.bulk_create(
        [AppointmentService(appointment=a, service=id_card, minutes=20) for a in appointments]
    )
    for i, a in enumerate(appointments):
        d, k = divmod(i, 10)
        if d % 2 == 0 and k == 0:
            continue  # never checked in
        arrived = a.start - dt.timedelta(minutes=5)
        ticket = Ticket.objects.create(
            office=office,
            day=office.days[d],
            number=k + 1,
            label=f"T-{k + 1:03d}",
            kind="appointment",
            appointment=a,
            arrived_at=arrived,
            checked_in_at=arrived,
        )
        no_show = d % 2 == 1 and k == 1
        Visit.objects.create(
            ticket=ticket,
            office=office,
            day=office.days[d],
            kind="appointment",
            service=id_card,
            due_at=a.start,
            queued_at=arrived,
            status="closed",
            outcome="no_show" if no_show else "done",
            called_at=a.start,
            started_at=None if no_show else a.start,
            ended_at=a.start + dt.timedelta(minutes=3 if no_show else 18),
        )
    office.today = today
    return office


def test_the_measured_rate_is_used_when_enough_appointments_exist(floor_office):
    today = floor_office.today
    basis = calibration.no_show_basis(floor_office, start=today)
    assert (basis.measured, basis.appointments, basis.missed, basis.rate) == (True, 200, 20, 0.1)
    assert (basis.first, basis.last) == (today - dt.timedelta(weeks=12), today - dt.timedelta(days=1))
    model = calibration.office_model(floor_office, start=today, days=30)
    assert model.no_show_rate == 0.1
    text = report.no_show_text(calibration.no_show_source(basis))
    assert text == (
        f"No-Show-Quote: 10 % – gemessen: 20 von 200 Terminen vom {basis.first:%d.%m.%Y} bis {basis.last:%d.%m.%Y} "
        "nicht wahrgenommen (nicht eingecheckt oder nach dem Aufruf nicht erschienen)."
    )
    # a scenario that sets its own rate says so, and still shows what was measured
    assert report.no_show_text(calibration.no_show_source(basis, 0.05)).startswith(
        "No-Show-Quote: 5 % – Vorgabe des Szenarios (gemessen: 10 %; 20 von 200 Terminen"
    )


def test_below_the_minimum_the_default_is_used_and_labelled_as_an_assumption(floor_office):
    # one appointment that was never checked in is cancelled: 199 appointments are too few
    Appointment.objects.filter(code="F000").update(status="cancelled")
    basis = calibration.no_show_basis(floor_office, start=floor_office.today)
    assert (basis.measured, basis.appointments, basis.missed, basis.rate) == (False, 199, 19, 0.07)
    assert calibration.office_model(floor_office, start=floor_office.today, days=30).no_show_rate == 0.07
    assert report.no_show_text(calibration.no_show_source(basis)) == (
        f"No-Show-Quote: Annahme: 7 % (zu wenig Messwerte: 199 Termine an Tagen mit Wartenummern vom "
        f"{basis.first:%d.%m.%Y} bis {basis.last:%d.%m.%Y}, mindestens 200 nötig)."
    )
    assert report.no_show_text(calibration.no_show_source(basis, 0.05)).startswith(
        "No-Show-Quote: 5 % – Vorgabe des Szenarios (zu wenig Messwerte: 199 Termine"
    )


def test_without_a_floor_in_use_the_planner_assumes_the_default(planning_office):
    """The planning office has a year of bookings but no tickets: a missing check-in proves nothing there."""
    basis = calibration.no_show_basis(planning_office, start=planning_office.today)
    assert (basis.measured, basis.appointments, basis.rate) == (False, 0, 0.07)


def test_the_run_page_and_the_cli_show_where_the_rate_comes_from(
    client, planning_office, floor_office, manager, tmp_path, django_capture_on_commit_callbacks
):
    floor_manager = _user("floor-leitung", StaffMembership.Role.MANAGER, floor_office.organisation)
    definition = {"run": {"months": 1, "replications": 10}}
    for office, user, expected in (
        (floor_office, floor_manager, "No-Show-Quote: 10 % – gemessen: 20 von 200 Terminen"),
        (planning_office, manager, "No-Show-Quote: Annahme: 7 % (zu wenig Messwerte: 0 Termine"),
    ):
        scenario = services.save_scenario(office=office, name="Heute", definition=definition, user=user)
        with django_capture_on_commit_callbacks(execute=True):
            run = services.start_run(scenario=scenario, user=user)
        run.refresh_from_db()
        assert run.status == PlanRun.Status.DONE
        assert run.result["no_show"]["source"] == ("measured" if office is floor_office else "default")
        client.force_login(user)
        assert expected in client.get(reverse("planning:run", args=[run.pk])).content.decode()
        assert expected in client.get(reverse("planning:index")).content.decode()

    path = tmp_path / "floor.toml"
    path.write_text('name = "CLI"\noffice = "floor-office"\n[run]\nmonths = 1\nreplications = 10\n', encoding="utf-8")
    out = io.StringIO()
    call_command("plan", str(path), stdout=out)
    assert "No-Show-Quote: 10 % – gemessen: 20 von 200 Terminen" in out.getvalue()

    english = client.get(reverse("planning:run", args=[run.pk]), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No-show rate: assumption: 7 % (too few measurements: 0 appointments on days with ticket numbers" in english
