import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone

from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.booking.models import Appointment, AppointmentService
from buergerbuero.catalog.models import Counter
from tests import factories


@pytest.fixture
def planning_office(db):
    """A small office with an ID-card history: 4 bookings a weekday over the last year, some booked ahead."""
    id_card = factories.service()
    certificate = factories.service(slug="meldebescheinigung", minutes=10, leika="99115003000000")
    office = factories.office(slug="plan-office", counters=2, services=[id_card, certificate])
    counter = Counter.objects.get(office=office, number=1)
    # Weekdays are the office's (Europe/Berlin), as calibration counts them: each booking is made at local noon,
    # so the fixture describes the same history whatever the hour (UTC or local) the suite runs at.
    tz = ZoneInfo(office.timezone)
    today = timezone.localdate(timezone=tz)
    rows = []
    for back in range(1, 366):
        day = today - dt.timedelta(days=back)
        if day.weekday() >= 5:
            continue
        created = dt.datetime.combine(day, dt.time(12), tzinfo=tz)
        for k in range(4):
            service = id_card if k < 3 else certificate
            start = created + dt.timedelta(days=20, minutes=30 * k)
            rows.append(
                (
                    Appointment(
                        code=f"H{back:03d}{k}",
                        token_hash="x",
                        office=office,
                        counter=counter,
                        start=start,
                        end=start + dt.timedelta(minutes=service.handling_minutes),
                        claim_end=start + dt.timedelta(minutes=service.handling_minutes),
                        channel="web",
                        status="confirmed",
                        created_at=created,
                        confirmed_at=created,
                    ),
                    service,
                )
            )
    Appointment.objects.bulk_create([a for a, _s in rows])
    AppointmentService.objects.bulk_create(
        [AppointmentService(appointment=a, service=s, minutes=s.handling_minutes) for a, s in rows]
    )
    office.reference_service = id_card
    office.save(update_fields=["reference_service"])
    office.today = today
    return office


def _user(username, role=None, organisation=None, superuser=False):
    user = get_user_model().objects.create_user(username=username, password="pw-" + username, is_superuser=superuser)
    if role:
        StaffMembership.objects.create(user=user, organisation=organisation, role=role)
    return user


@pytest.fixture
def manager(planning_office):
    return _user("leitung", StaffMembership.Role.MANAGER, planning_office.organisation)


@pytest.fixture
def clerk(planning_office):
    return _user("sachbearbeitung", StaffMembership.Role.CLERK, planning_office.organisation)


@pytest.fixture
def other_manager(db):
    org = Organisation.objects.create(name="Andere Stadt")
    return _user("fremd", StaffMembership.Role.MANAGER, org)
