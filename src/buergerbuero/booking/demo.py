"""A deterministic year of history and the future bookings of the demo city.

The future is booked out so that the first free ID-card appointment lies about 6.5–7 weeks ahead, as in
Castrop-Rauxel in November 2019 after the closure between the years; the history shows the lead time
rising around last year's closure and recovering in spring. The same seed gives the same city every time.
"""

import datetime as dt
import random
import secrets
from typing import Any

from django.utils import timezone

from buergerbuero.booking import services as booking_services
from buergerbuero.booking.availability import channel_slice
from buergerbuero.booking.models import Appointment, AppointmentService, Claim, WaitlistEntry, WaitlistWindow
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.core.demo import DemoCity, insert_rows
from buergerbuero.core.tokens import hash_token

HISTORY_DAYS = 365
FULLY_BOOKED_DAYS = 46  # the first free web time lies right after this: ~6.5 weeks
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
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def historic_lead_days(day: dt.date, today: dt.date, rng: random.Random) -> int:
    """Lead time citizens met when they booked for `day`: high around last year's closure, ~3 weeks in spring."""
    closure = dt.date(today.year - 1, 12, 24)
    distance = (day - closure).days
    if -45 <= distance <= 35:
        base = 47 - abs(distance) * 0.35 if distance < 0 else 47 - distance * 0.7
    elif distance > 35:
        # Recovery into spring and summer, then the climb towards this year's closure.
        to_now = (today - day).days
        base = 22 + max(0, 70 - to_now) * 0.33
    else:
        base = 30
    return max(3, round(base + rng.uniform(-3, 3)))


def load(city: DemoCity) -> None:
    rng = random.Random(city.seed)
    office = city.objects["office"]
    services = city.objects["services"]
    now = timezone.now()
    first = city.today - dt.timedelta(days=HISTORY_DAYS)
    last = city.today + dt.timedelta(days=office.horizon_days)
    shares = capacity_selectors.channel_shares(office)
    slot = office.slot_minutes
    weighted = [slug for slug, weight in MIX.items() for _ in range(weight)]
    short = [slug for slug in MIX if services[slug].handling_minutes <= slot]
    codes: set[str] = set()

    def new_code() -> str:
        while True:
            raw = "".join(rng.choice(CODE_ALPHABET) for _ in range(8))
            code = f"{raw[:4]}-{raw[4:]}"
            if code not in codes:
                codes.add(code)
                return code

    appointments: list[dict[str, Any]] = []
    items: list[tuple[str, int]] = []  # (service slug, minutes) of each appointment
    for plan in capacity_selectors.day_plans(office, first, last):
        offset = (plan.day - city.today).days
        if offset < 0:
            fill = 0.88
        elif offset < FULLY_BOOKED_DAYS:
            fill = 1.0
        else:
            fill = max(0.25, 0.8 - (offset - FULLY_BOOKED_DAYS) * 0.06)
        windows_by_span: dict[tuple[int, int], list] = {}
        for window in plan.windows:
            windows_by_span.setdefault((window.start, window.end), []).append(window)
        for (start, end), windows in windows_by_span.items():
            windows.sort(key=lambda w: w.order)
            for index, window in enumerate(windows):
                channel = _channel_of(index, len(windows), shares)
                t = start
                while t < end:
                    if rng.random() > fill:
                        t += slot * rng.choice([2, 3])  # a gap someone could book
                        continue
                    slug = rng.choice(weighted)
                    persons = (
                        2 if slug in {"personalausweis", "reisepass", "wohnsitz-anmelden"} and rng.random() < 0.1 else 1
                    )
                    minutes = services[slug].handling_minutes * persons
                    if t + minutes > end:
                        slug, persons, minutes = rng.choice(short), 1, slot
                        if t + minutes > end:
                            break
                    begin = plan.midnight + dt.timedelta(minutes=t)
                    lead = historic_lead_days(plan.day, city.today, rng) if offset < 0 else FULLY_BOOKED_DAYS + 1
                    created = min(begin - dt.timedelta(days=lead, hours=rng.randint(1, 9)), now)
                    first_name, last_name = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
                    appointments.append(
                        {
                            "code": new_code(),
                            "token_hash": hash_token(f"demo-{len(appointments)}"),
                            "office_id": office.pk,
                            "counter_id": window.lane,
                            "start": begin,
                            "end": begin + dt.timedelta(minutes=minutes),
                            "claim_end": begin + dt.timedelta(minutes=-(-minutes // slot) * slot),
                            "persons": persons,
                            "channel": channel,
                            "status": Appointment.Status.CONFIRMED,
                            "name": f"{first_name} {last_name}",
                            "email": f"{first_name}.{last_name}.{len(appointments)}@example.org".lower(),
                            "created_at": created,
                            "confirmed_at": created,
                            # Demo history sends nothing: its reminders count as sent, so the scheduler of
                            # `make run` does not bury the newcomer's own mail under ~90 reminders.
                            "reminded_sequence": 0,
                        }
                    )
                    items.append((slug, minutes // persons))
                    t += -(-minutes // slot) * slot
    # Plain rows, not model instances: the same rows the booking services write, ~10× faster to insert.
    ids = insert_rows(Appointment, appointments)
    insert_rows(
        AppointmentService,
        (
            {"appointment_id": pk, "service_id": services[slug].pk, "minutes": m}
            for pk, (slug, m) in zip(ids, items, strict=True)
        ),
    )
    step = dt.timedelta(minutes=slot)
    insert_rows(
        Claim,
        (
            {"appointment_id": pk, "counter_id": a["counter_id"], "unit_start": a["start"] + i * step}
            for pk, a in zip(ids, appointments, strict=True)
            for i in range(round((a["claim_end"] - a["start"]) / step))
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


def _channel_of(index: int, lanes: int, shares: tuple[tuple[str, int], ...]) -> str:
    for channel in ("web", "partner", "phone", "counter"):
        low, high = channel_slice(lanes, shares, channel)
        if low <= index < high:
            return channel
    return "counter"
