import datetime as dt
import hashlib
import itertools
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.booking.models import Appointment, AppointmentService

BERLIN = ZoneInfo("Europe/Berlin")
_codes = itertools.count(1)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=BERLIN)


def book(office, service, start, *, minutes=20, created=None, channel="web", counter=None, status="confirmed"):
    """A confirmed appointment row as the booking service would leave it (claims are not needed for reads)."""
    n = next(_codes)
    counter = counter or office.counters.order_by("number").first()
    end = start + dt.timedelta(minutes=minutes)
    appointment = Appointment.objects.create(
        code=f"TEST-{n:04d}",
        token_hash=hashlib.sha256(str(n).encode()).hexdigest(),
        office=office,
        counter=counter,
        start=start,
        end=end,
        claim_end=end,
        channel=channel,
        status=status,
        blocks_until=None if status == "confirmed" else start,
        created_at=created or start - dt.timedelta(days=10),
    )
    AppointmentService.objects.create(appointment=appointment, service=service, minutes=minutes)
    return appointment


@pytest.fixture
def manager(db, small_office):
    user = User.objects.create_user("chefin", password="pw-chefin-123", is_staff=True)  # LOGIN_URL is the admin login
    StaffMembership.objects.create(user=user, organisation=small_office.organisation, role=StaffMembership.Role.MANAGER)
    return user


@pytest.fixture
def clerk(db, small_office):
    user = User.objects.create_user("clerk", password="pw-clerk-123")
    StaffMembership.objects.create(user=user, organisation=small_office.organisation, role=StaffMembership.Role.CLERK)
    return user


@pytest.fixture
def foreign_manager(db):
    user = User.objects.create_user("fremd", password="pw-fremd-123")
    StaffMembership.objects.create(
        user=user, organisation=Organisation.objects.create(name="Stadt Anders"), role=StaffMembership.Role.MANAGER
    )
    return user
