import datetime as dt
import hashlib
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.contrib.auth import get_user_model

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.booking.models import Appointment, AppointmentService
from buergerbuero.capacity.models import OpeningRule, RosterEntry
from buergerbuero.catalog.models import Counter, OfficeService
from tests import factories

BERLIN = ZoneInfo("Europe/Berlin")
T = dt.time


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, T(hour, minute), tzinfo=BERLIN)


_codes = iter(range(10**6))


def appointment(office, service, start: dt.datetime, *, minutes=None, counter=None, code=None) -> Appointment:
    """A confirmed appointment row (as the booking app leaves it), for the floor to check in."""
    minutes = minutes or service.handling_minutes
    n = next(_codes)
    letters = "ABCDEFGHJKLMNPQRSTUVWXYZ"
    code = code or "TEST-" + "".join(letters[(n // 24**i) % 24] for i in range(4))
    a = Appointment.objects.create(
        code=code,
        token_hash=hashlib.sha256(code.encode()).hexdigest(),
        office=office,
        counter=counter or Counter.objects.filter(office=office).order_by("number")[0],
        start=start,
        end=start + dt.timedelta(minutes=minutes),
        claim_end=start + dt.timedelta(minutes=minutes),
        channel="web",
        status=Appointment.Status.CONFIRMED,
        name="Erika Mustermann",
        email=f"erika{n}@example.org",
        created_at=start - dt.timedelta(days=20),
        confirmed_at=start - dt.timedelta(days=20),
    )
    AppointmentService.objects.create(appointment=a, service=service, minutes=minutes)
    return a


def staff(username: str, office, role=StaffMembership.Role.CLERK, skills=()):
    # No password (hashing is slow): tests log in with force_login or use an API token.
    user = get_user_model().objects.create_user(username, f"{username}@example.org", None)
    member = StaffMembership.objects.create(user=user, organisation=office.organisation, role=role)
    member.skills.set(skills)
    return user


@pytest.fixture
def day():
    return factories.next_weekday(2)  # a Wednesday next week


@pytest.fixture
def floor(db, id_card):
    """An office open Mon–Fri 8–12 with 2 counters, walk-in hours Wed 8–12, ID card and registration."""
    registration = factories.service(slug="wohnsitz-anmelden", minutes=10, leika="99115005000000")
    office = factories.office(services=[id_card, registration], evening=False)
    OpeningRule.objects.create(
        office=office,
        kind=OpeningRule.Kind.WALK_IN,
        weekdays="2",
        start_time=T(8),
        end_time=T(12),
        label="Offene Sprechstunde",
    )
    return office


def open_now_rules(office):
    """Walk-in hours and staff around the clock, so pages and the API can be driven with the real clock."""
    OpeningRule.objects.filter(office=office, kind="walk_in").delete()
    OpeningRule.objects.create(office=office, kind="walk_in", weekdays="0123456", start_time=T(0), end_time=T(23, 59))
    for counter in Counter.objects.filter(office=office):
        RosterEntry.objects.filter(counter=counter).delete()
        RosterEntry.objects.create(counter=counter, weekdays="0123456", start_time=T(0), end_time=T(23, 59))
    return office


@pytest.fixture
def open_now(floor):
    """The floor open around the clock, and the clock of this process at today's local noon (still running).

    Pages and the API read the real clock; near midnight "40 minutes ago" or "in 5 minutes" would fall on
    another office day than "today", so the tests that drive them run at midday, whatever hour the suite runs."""
    today = dt.datetime.now(BERLIN).date()
    with time_machine.travel(at(today, 12), tick=True):
        yield open_now_rules(floor)


@pytest.fixture
def registration(floor):
    return OfficeService.objects.get(office=floor, service__slug="wohnsitz-anmelden").service


@pytest.fixture
def counters(floor):
    return list(Counter.objects.filter(office=floor).order_by("number"))


@pytest.fixture
def anna(floor):
    return staff("anna", floor)


@pytest.fixture
def ben(floor):
    return staff("ben", floor)


@pytest.fixture
def empfang(floor):
    return staff("empfang", floor, role=StaffMembership.Role.RECEPTION)


@pytest.fixture
def other_org_clerk(db):
    org = Organisation.objects.create(name="Andere Stadt")
    user = get_user_model().objects.create_user("fremd", "f@example.org", None)
    StaffMembership.objects.create(user=user, organisation=org, role=StaffMembership.Role.CLERK)
    return user
