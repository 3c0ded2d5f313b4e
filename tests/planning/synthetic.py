"""A synthetic city generated from known parameters, for the planner's backtest.

Not the engine: an independent, request-by-request book of one small office on its real calendar
(`capacity.selectors.day_plans`: opening rules, Thursday service evening, NRW holidays, a closure), with
10-minute slots on each counter. Every weekday booking requests arrive (Poisson with a day-level gamma
shock); each takes the first run of free slots long enough for its service within the booking horizon (a
share waits for an evening slot first), otherwise it waits and tries first on the next day. A share of the
bookings is cancelled two days before the visit and its slots become free again. Every evening the lead
time is measured as the KPI does it: days until the first day with room for the reference service.

What the database then holds is what a real office would hold: appointments (made on the day they were
made, cancelled ones with their status and the moment of the cancellation) and one KPI snapshot per day. The
backtest calibrates on it without knowing these parameters.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from buergerbuero.booking.models import Appointment, AppointmentService
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.capacity.models import Closure
from buergerbuero.catalog.models import Service
from buergerbuero.insights.models import KPISnapshot
from tests import factories


@dataclass(frozen=True)
class Parameters:
    id_card_per_weekday: float = 10.0
    certificate_per_weekday: float = 4.0
    id_card_minutes: int = 20
    certificate_minutes: int = 10
    day_dispersion: float = 0.1
    evening_preference: float = 0.1
    cancellation_rate: float = 0.1
    cancel_notice_days: int = 2
    history_days: int = 380  # generated before the backtest day (calibration reads the last 365)
    closure: tuple[int, int] = (-21, -8)  # days relative to the backtest day: a closure that leaves a backlog
    seed: int = 7


def build(*, at: dt.date, weeks: int, params: Parameters = Parameters()):
    """An office with one counter (Mon–Fri 8–12, Thu 16–19:30) and a generated history around `at`."""
    rng = random.Random(params.seed)
    id_card = factories.service(slug="personalausweis", minutes=params.id_card_minutes)
    certificate = factories.service(
        slug="meldebescheinigung", minutes=params.certificate_minutes, leika="99115003000000"
    )
    office = factories.office(slug="synthetic", counters=1, services=[id_card, certificate])
    office.reference_service = id_card
    office.save(update_fields=["reference_service"])
    Closure.objects.create(
        office=office,
        start_date=at + dt.timedelta(days=params.closure[0]),
        end_date=at + dt.timedelta(days=params.closure[1]),
        reason="Umbau",
    )
    tz = ZoneInfo(office.timezone)
    slot = office.slot_minutes
    horizon = office.horizon_days
    first = at - dt.timedelta(days=params.history_days)
    last_arrival = at + dt.timedelta(weeks=weeks)
    plans = capacity_selectors.day_plans(office, first, last_arrival + dt.timedelta(days=horizon + 1))
    # free[day][window] = list of free flags per slot; windows keep (counter, start minute, evening)
    windows = [[(w.lane, w.start, w.start >= 16 * 60) for w in plan.windows] for plan in plans]
    free = [[[True] * ((w.end - w.start) // slot) for w in plan.windows] for plan in plans]
    room = [sum(len(x) for x in day) for day in free]  # free slots per day: full days are skipped at once
    counters = {c.pk: c for c in office.counters.all()}
    releases: dict[int, list[tuple[int, int, int, int]]] = {}
    appointments: list[tuple[Appointment, Service]] = []
    snapshots = []
    waiting: list[tuple[object, bool]] = []

    def place(today: int, service, evening_only: bool) -> tuple[int, int, int] | None:
        need = service.handling_minutes // slot
        for d in range(today + 1, min(today + 1 + horizon, len(plans))):
            if room[d] < need:
                continue
            for w, flags in enumerate(free[d]):
                if evening_only and not windows[d][w][2]:
                    continue
                run = 0
                for s, ok in enumerate(flags):
                    run = run + 1 if ok else 0
                    if run == need:
                        return d, w, s - need + 1
        return None

    def lead(today: int, need: int) -> int | None:
        for d in range(today + 1, min(today + 1 + horizon, len(plans))):
            if room[d] >= need and any(
                any(all(flags[s : s + need]) for s in range(len(flags) - need + 1)) for flags in free[d]
            ):
                return d - today
        return None

    for today, plan in enumerate(plans):
        if plan.day > last_arrival:
            break
        for d, w, s, need in releases.pop(today, []):
            free[d][w][s : s + need] = [True] * need
            room[d] += need
        arrivals = []
        if plan.day.weekday() < 5:
            shape = 1.0 / params.day_dispersion**2
            shock = rng.gammavariate(shape, 1.0 / shape)
            for service, rate in ((id_card, params.id_card_per_weekday), (certificate, params.certificate_per_weekday)):
                for _ in range(_poisson(rng, rate * shock)):
                    arrivals.append((service, rng.random() < params.evening_preference))
            rng.shuffle(arrivals)
        requests, waiting = waiting + arrivals, []  # who waits books first
        for service, evening in requests:
            spot = (place(today, service, True) if evening else None) or place(today, service, False)
            if spot is None:
                waiting.append((service, evening))
                continue
            d, w, s = spot
            need = service.handling_minutes // slot
            free[d][w][s : s + need] = [False] * need
            room[d] -= need
            cancelled = rng.random() < params.cancellation_rate
            cancelled_at = None
            if cancelled:
                release = max(today + 1, d - params.cancel_notice_days)
                releases.setdefault(release, []).append((d, w, s, need))
                cancelled_at = dt.datetime.combine(plans[release].day, dt.time(7), tzinfo=tz)
            lane, start_minute, _evening = windows[d][w]
            begin = plans[d].midnight + dt.timedelta(minutes=start_minute + s * slot)
            created = dt.datetime.combine(plan.day, dt.time(9), tzinfo=tz) + dt.timedelta(minutes=rng.randrange(540))
            if plan.day >= at:
                continue  # booked after the backtest day: the calibration never sees it, the lead time did
            appointments.append(
                (
                    Appointment(
                        code=f"S{len(appointments):06d}",
                        token_hash="x",
                        office=office,
                        counter=counters[lane],
                        start=begin,
                        end=begin + dt.timedelta(minutes=service.handling_minutes),
                        claim_end=begin + dt.timedelta(minutes=service.handling_minutes),
                        channel="web",
                        status="cancelled" if cancelled else "confirmed",
                        cancelled_at=cancelled_at,
                        created_at=created,
                        confirmed_at=created,
                    ),
                    service,
                )
            )
        if plan.day >= at:
            days = lead(today, id_card.handling_minutes // slot)
            hour = dt.datetime.combine(plan.day, dt.time(18), tzinfo=tz)
            snapshots.append(
                KPISnapshot(
                    office=office,
                    service=id_card,
                    hour=hour,
                    taken_at=hour,
                    lead_time_days=days,
                    earliest_start=None if days is None else plans[today + days].midnight,
                    horizon_days=horizon,
                )
            )
    Appointment.objects.bulk_create([a for a, _s in appointments], batch_size=2000)
    AppointmentService.objects.bulk_create(
        [AppointmentService(appointment=a, service=s, minutes=s.handling_minutes) for a, s in appointments],
        batch_size=2000,
    )
    KPISnapshot.objects.bulk_create(snapshots)
    return office


def _poisson(rng: random.Random, lam: float) -> int:
    # Knuth's method: fine for the small rates of a small office
    limit, k, p = pow(2.718281828459045, -lam), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1
