"""The demo floor: a year of measured visits from the booked history, walk-ins, and today's setup.

Every past confirmed appointment becomes a ticket and a visit with realistic arrival (mostly a few
minutes early, some late – those are re-queued as walk-ins), waiting and handling times and about
8 % no-shows; the walk-in hours (opening rules of kind walk_in) get walk-in tickets. Deterministic
(seeded) and written with bulk_create, so a year loads in seconds.
"""

import datetime as dt
import random
from typing import TYPE_CHECKING, Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.capacity import rules
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.core.demo import DemoCity, insert_rows
from buergerbuero.queue.models import CounterSession, DailyTicketCounter, FloorSettings, Ticket, Visit, WalkInQuota

if TYPE_CHECKING:
    from buergerbuero.booking.models import Appointment
    from buergerbuero.catalog.models import Service

HISTORY_DAYS = 365
NO_SHOW = 0.08
LATE = 0.04
QUOTAS = {"personalausweis": 8, "reisepass": 4, "wohnsitz-anmelden": 10, "meldebescheinigung": 15, "fundsache": 10}
WALK_IN_MIX = ["meldebescheinigung"] * 4 + ["wohnsitz-anmelden"] * 3 + ["beglaubigung"] * 3 + ["fundsache"] * 2


def _minutes(m: float) -> dt.timedelta:
    return dt.timedelta(seconds=round(m * 60))


def load(city: DemoCity) -> None:
    office = city.objects["office"]
    services = city.objects["services"]
    rng = random.Random(city.seed * 31 + 4)
    settings = FloorSettings.objects.create(office=office)
    for slug, quota in ((slug, q) for slug, q in QUOTAS.items() if slug in services):
        WalkInQuota.objects.create(office=office, service=services[slug], daily_quota=quota)
    mix = [slug for slug in WALK_IN_MIX if slug in services] or sorted(services)
    clerk = get_user_model().objects.filter(username="sachbearbeitung").first()
    now = timezone.now()
    first = city.today - dt.timedelta(days=HISTORY_DAYS)
    walk_in_plans = {
        p.day: p for p in capacity_selectors.day_plans(office, first, city.today, kind=rules.WALK_IN) if p.windows
    }
    tickets: list[dict[str, Any]] = []  # ticket rows (field → value), inserted at once
    legs: list[dict] = []  # visit fields without the ticket, in ticket order
    day_counters = []
    # One read of the whole year (was one query per day with prefetched items: most of `load_demo`'s time).
    appointments = booking_live.staff_days(office, first, city.today)
    by_pk = {s.pk: s for s in services.values()}
    day = first
    while day <= city.today:
        # (arrival, kind, service, appointment, late, counter)
        events: list[tuple[dt.datetime, str, Service, Appointment | None, bool, int]] = []
        for a in appointments.get(day, []):
            if a.start > now - dt.timedelta(minutes=45):
                continue  # today's future: left for the live floor
            service = by_pk[a.first_service_id]
            late = rng.random() < LATE
            arrival = a.start + _minutes(rng.uniform(16, 40) if late else -rng.triangular(0, 25, 6))
            events.append((arrival, "walk_in" if late else "appointment", service, a, late, a.counter_id))
        plan = walk_in_plans.get(day)
        if plan is not None:
            lanes = [w.lane for w in plan.windows]
            for w in plan.windows[:1]:
                for _ in range(round((w.end - w.start) * len(lanes) / 15 * rng.uniform(0.6, 1.0))):
                    arrival = plan.midnight + _minutes(rng.uniform(w.start - 10, w.end - 20))
                    if arrival > now - dt.timedelta(minutes=45):
                        continue
                    events.append((arrival, "walk_in", services[rng.choice(mix)], None, False, rng.choice(lanes)))
        events.sort(key=lambda e: e[0])
        for number, (arrival, kind, service, appointment, late, counter) in enumerate(events, start=1):
            tickets.append(
                {
                    "office_id": office.pk,
                    "day": day,
                    "number": number,
                    "label": f"{settings.ticket_prefix}-{number:03d}",
                    "kind": kind,
                    "appointment_id": appointment.pk if appointment else None,
                    "late": late,
                    "arrived_at": arrival,
                    "checked_in_at": arrival,
                    "channel": "kiosk",
                }
            )
            due = appointment.start if appointment is not None and kind == "appointment" else None
            if due:
                called = max(arrival, due) + _minutes(rng.expovariate(1 / 4))
            else:
                called = arrival + _minutes(rng.gammavariate(2.0, 10.0))
            no_show = rng.random() < NO_SHOW
            persons = appointment.persons if appointment else 1
            handling = service.handling_minutes * persons * rng.lognormvariate(-0.08, 0.3)
            started = called + _minutes(rng.uniform(0.5, 2))
            legs.append(
                {
                    "office": office,
                    "day": day,
                    "kind": kind,
                    "service": service,
                    "due_at": due,
                    "queued_at": arrival,
                    "status": Visit.Status.CLOSED,
                    "outcome": Visit.Outcome.NO_SHOW if no_show else Visit.Outcome.DONE,
                    "called_at": called,
                    "last_called_at": called + _minutes(2 if no_show else 0),
                    "recalls": 2 if no_show else 0,
                    "started_at": None if no_show else started,
                    "ended_at": called + _minutes(3) if no_show else started + _minutes(max(2.0, handling)),
                    "counter_id": counter,
                    "clerk": clerk,
                }
            )
        if events:
            day_counters.append(DailyTicketCounter(office=office, day=day, last_number=len(events)))
        day += dt.timedelta(days=1)
    # Plain rows, not model instances: a year of tickets and visits in seconds (docs/benchmarks.md "First run").
    ticket_ids = insert_rows(Ticket, tickets)
    visit_ids = insert_rows(Visit, ({"ticket_id": t, **fields} for t, fields in zip(ticket_ids, legs, strict=True)))
    insert_rows(
        Visit.services_done.through,
        (
            {"visit_id": v, "service_id": fields["service"].pk}
            for v, fields in zip(visit_ids, legs, strict=True)
            if fields["outcome"] == Visit.Outcome.DONE
        ),
    )
    DailyTicketCounter.objects.bulk_create(day_counters)
    _today(city, office, clerk, now, rng, settings)
    city.objects["visits"] = len(visit_ids)


def _today(city, office, clerk, now, rng, settings) -> None:
    """Today's live floor: the demo clerk at counter 1, and who has checked in for the next half hour."""
    if clerk is not None:
        counter = city.objects["counters"][0]
        CounterSession.objects.create(office=office, counter=counter, clerk=clerk, started_at=now)
    counter = DailyTicketCounter.objects.filter(office=office, day=city.today).first()
    number = counter.last_number if counter else 0
    waiting = [
        a
        for a in booking_live.staff_day(office, city.today)
        if now - dt.timedelta(minutes=45) < a.start <= now + dt.timedelta(minutes=settings.early_minutes)
    ]
    for a in waiting[:6]:
        number += 1
        arrival = min(now, a.start) - _minutes(rng.uniform(1, 10))
        ticket = Ticket.objects.create(
            office=office,
            day=city.today,
            number=number,
            label=f"{settings.ticket_prefix}-{number:03d}",
            kind=Ticket.Kind.APPOINTMENT,
            appointment=a,
            arrived_at=arrival,
            checked_in_at=arrival,
        )
        Visit.objects.create(
            ticket=ticket,
            office=office,
            day=city.today,
            kind=ticket.kind,
            service=a.items.all()[0].service,
            due_at=a.start,
            queued_at=arrival,
        )
    if number:
        DailyTicketCounter.objects.update_or_create(office=office, day=city.today, defaults={"last_number": number})
