"""The demo city's bookings: a year of history and the booked-out weeks ahead, left by a booking process.

`booking/demo_history.py` runs requests day by day on the office's calendar as it was (`capacity/demo.py`): the
vacancies of last autumn let the first free ID-card appointment online climb to about six weeks, the closure
between the years pushed it higher, the extra afternoons of spring brought it down to about three weeks, and the
vacancies since the summer let it climb again – on the load day it lies about 6.5–7 weeks ahead, as in
Castrop-Rauxel in November 2019. The same seed gives the same city every time.
"""

import datetime as dt
import random
import secrets
from typing import Any

from django.utils import timezone

from buergerbuero.booking import demo_history
from buergerbuero.booking import services as booking_services
from buergerbuero.booking.models import Appointment, AppointmentService, Claim, WaitlistEntry, WaitlistWindow
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.core.demo import DemoCity, insert_rows
from buergerbuero.core.tokens import hash_token

HISTORY_DAYS = 365
# Bookings made this far back are kept: a year before the planner's default backtest day (ten weeks ago), so its
# calibration sees a whole year. The process itself starts earlier (`WARM_UP_FROM`), with an empty book.
KEPT_DAYS = HISTORY_DAYS + 75
WARM_UP_FROM = (7, 10)  # month, day of last year: the book starts empty there, in the vacancies of last autumn
COUPLES = frozenset({"personalausweis", "reisepass", "wohnsitz-anmelden"})  # booked for two persons one time in ten
MIX = {
    "personalausweis": 30,
    "reisepass": 12,
    "wohnsitz-anmelden": 18,
    "wohnsitz-abmelden": 4,
    "meldebescheinigung": 8,
    "fuehrungszeugnis": 6,
    "beglaubigung": 6,
    "verlust-personalausweis": 3,
    "vorlaeufiger-reisepass": 3,
    "fundsache": 2,
    "bewohnerparkausweis": 4,
    "melderegisterauskunft": 2,
    "auskunftssperre": 2,
}
FIRST_NAMES = [
    "Anna",
    "Ben",
    "Clara",
    "Deniz",
    "Elif",
    "Finn",
    "Greta",
    "Hakan",
    "Ida",
    "Jonas",
    "Karin",
    "Lukas",
    "Mia",
    "Noah",
    "Olga",
    "Paul",
    "Rana",
    "Sven",
    "Tanja",
    "Uwe",
    "Vera",
    "Yusuf",
    "Zoe",
]
LAST_NAMES = [
    "Müller",
    "Schmidt",
    "Schneider",
    "Fischer",
    "Weber",
    "Meyer",
    "Wagner",
    "Becker",
    "Schulz",
    "Hoffmann",
    "Koch",
    "Richter",
    "Klein",
    "Wolf",
    "Schröder",
    "Neumann",
    "Schwarz",
    "Kaya",
    "Nowak",
]


def load(city: DemoCity) -> None:
    office = city.objects["office"]
    services = city.objects["services"]
    now = timezone.now()
    start = dt.date(city.today.year - 1, *WARM_UP_FROM)
    last = city.today + dt.timedelta(days=office.horizon_days + 1)
    plans = capacity_selectors.day_plans(office, start, last)
    ref = office.reference_service
    bookings, samples = demo_history.simulate(
        plans,
        shares=capacity_selectors.channel_shares(office),
        mix={slug: (weight, services[slug].handling_minutes) for slug, weight in MIX.items()},
        couples=COUPLES,
        reference_minutes=ref.handling_minutes if ref else 20,
        holidays=frozenset(capacity_selectors.public_holidays(office.land, start, last)),
        slot=office.slot_minutes,
        horizon=office.horizon_days,
        release=office.release_time,
        now=now,
        seed=city.seed,
    )
    city.objects["lead_time_samples"] = samples
    kept_from = now - dt.timedelta(days=KEPT_DAYS)
    bookings = [b for b in bookings if b.created_at >= kept_from]
    rng = random.Random(city.seed)
    slot = office.slot_minutes
    codes: set[str] = set()

    def new_code() -> str:
        while True:
            raw = "".join(rng.choice(booking_services.CODE_ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            if code not in codes:
                codes.add(code)
                return code

    appointments: list[dict[str, Any]] = []
    for b in bookings:
        first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        appointments.append(
            {
                "code": new_code(),
                "token_hash": hash_token(f"demo-{len(appointments)}"),
                "office_id": office.pk,
                "counter_id": b.lane,
                "start": b.start,
                "end": b.start + dt.timedelta(minutes=b.minutes),
                "claim_end": b.start + dt.timedelta(minutes=b.units * slot),
                "persons": b.persons,
                "channel": b.channel,
                "status": Appointment.Status.CANCELLED if b.cancelled_at else Appointment.Status.CONFIRMED,
                "name": f"{first_name} {last_name}",
                "email": f"{first_name}.{last_name}.{len(appointments)}@example.org".lower(),
                "created_at": b.created_at,
                "confirmed_at": b.created_at,
                "cancelled_at": b.cancelled_at,
                # Demo history sends nothing: its reminders count as sent, so the scheduler of
                # `make run` does not bury the newcomer's own mail under ~90 reminders.
                "reminded_sequence": 0,
            }
        )
    # Plain rows, not model instances: the same rows the booking services write, ~10× faster to insert.
    ids = insert_rows(Appointment, appointments)
    insert_rows(
        AppointmentService,
        (
            {"appointment_id": pk, "service_id": services[b.slug].pk, "minutes": b.minutes // b.persons}
            for pk, b in zip(ids, bookings, strict=True)
        ),
    )
    step = dt.timedelta(minutes=slot)
    insert_rows(
        Claim,
        (
            {"appointment_id": pk, "counter_id": b.lane, "unit_start": b.start + i * step}
            for pk, b in zip(ids, bookings, strict=True)
            if b.cancelled_at is None
            for i in range(b.units)
        ),
    )
    booking_services.touch_days(office, [a["start"] for a in appointments])
    city.objects["appointments"] = len(appointments)
    load_waitlist(city)


def load_waitlist(city: DemoCity) -> None:
    """A few people waiting for an earlier time inside the booked-out weeks (they wait; nothing is free there)."""
    office, services = city.objects["office"], city.objects["services"]
    now = timezone.now()
    wishes = [
        ("personalausweis", "lena.schmidt@example.org", 3, (dt.time(16), dt.time(20))),  # Thursday evenings
        ("reisepass", "murat.yilmaz@example.org", None, (dt.time(0), dt.time(12))),  # mornings
        ("wohnsitz-anmelden", "anna.nowak@example.org", None, None),  # any time
    ]
    for minutes, (slug, email, weekday, window) in enumerate(wishes):
        entry = WaitlistEntry.objects.create(
            token_hash=hash_token(secrets.token_urlsafe(24)),
            date_from=city.today + dt.timedelta(days=7),
            date_to=city.today + dt.timedelta(days=35),
            email=email,
            created_at=now - dt.timedelta(days=3, minutes=-minutes),
            queued_at=now - dt.timedelta(days=3, minutes=-minutes),
        )
        entry.offices.set([office])
        entry.services.set([services[slug]])
        if window:
            WaitlistWindow.objects.create(entry=entry, weekday=weekday, start_time=window[0], end_time=window[1])
