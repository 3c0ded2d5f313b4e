"""The floor's state now: settings, counters and sessions, check-in and walk-ins, the ranked queue, ticket status,
the call display and the day close."""

from __future__ import annotations

import datetime as dt
import re
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.capacity import rules
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.catalog.models import Counter, Office, OfficeService, Service
from buergerbuero.core.errors import DomainError, NotFound
from buergerbuero.queue import policy
from buergerbuero.queue.models import CounterSession, FloorSettings, Ticket, Visit, WalkInQuota

HANDLING_WEEKS = 4
DISPLAY_ROWS = 8
CODE_RE = re.compile(r"([A-HJ-NP-Z2-9]{4})-?([A-HJ-NP-Z2-9]{4})")


# --- settings, people, permissions ---------------------------------------------------------------


def floor_settings(office: Office) -> FloorSettings:
    """The office's floor rules (defaults if nobody configured them yet)."""
    return FloorSettings.objects.filter(office=office).first() or FloorSettings(office=office)


def display_version(office_id: int) -> int:
    """A number that changes whenever the call display must change. One indexed row: cheap to poll."""
    value = FloorSettings.objects.filter(office_id=office_id).values_list("display_version", flat=True).first()
    return value or 0


def local_today(office: Office, now: dt.datetime) -> dt.date:
    return now.astimezone(ZoneInfo(office.timezone)).date()


def counter_of(office: Office, number: int) -> Counter:
    counter = Counter.objects.filter(office=office, number=number).first()
    if counter is None:
        raise NotFound(_("Diesen Schalter gibt es hier nicht."), field="counter")
    return counter


def counters(office: Office) -> QuerySet[Counter]:
    return Counter.objects.filter(office=office).order_by("number")


def current_session(user) -> CounterSession | None:
    return CounterSession.objects.select_related("counter", "office").filter(clerk=user, ended_at__isnull=True).first()


def current_visit(user) -> Visit | None:
    """The customer in front of the clerk (called or being served)."""
    return (
        Visit.objects.select_related("ticket", "service", "counter")
        .filter(clerk=user, status__in=Visit.AT_CLERK)
        .first()
    )


def parked_visits(user) -> QuerySet[Visit]:
    return Visit.objects.select_related("ticket", "service").filter(clerk=user, status=Visit.Status.PARKED)


def clerks_present(office: Office) -> int:
    return CounterSession.objects.filter(office=office, ended_at__isnull=True).count()


def visit_by_id(visit_id: int) -> Visit:
    visit = Visit.objects.select_related("ticket", "office", "service", "counter").filter(pk=visit_id).first()
    if visit is None:
        raise NotFound(_("Diese Vorsprache gibt es nicht."), field="visit")
    return visit


def ticket_by_public_id(public_id) -> Ticket:
    ticket = Ticket.objects.select_related("office").filter(public_id=public_id).first()
    if ticket is None:
        raise NotFound(_("Diese Wartenummer gibt es nicht."), field="ticket")
    return ticket


# --- check-in and walk-in ------------------------------------------------------------------------


def normalise_code(raw: str) -> str:
    """A booking code from what was typed or scanned (a bare code or a link that contains it)."""
    match = CODE_RE.search((raw or "").upper().replace(" ", ""))
    if match is None:
        raise DomainError(_("Bitte geben Sie Ihren Buchungscode ein, z. B. ABCD-EFGH."), field="code")
    return f"{match.group(1)}-{match.group(2)}"


def appointment_today(office: Office, code: str, day: dt.date):
    """Today's confirmed appointment with this code at this office, or None."""
    return booking_live.staff_day(office, day).filter(code=code).first()


def appointments_to_check_in(office: Office, now: dt.datetime) -> list:
    """Today's confirmed appointments without a ticket yet, for the reception desk (ordered by time)."""
    day = local_today(office, now)
    rows = booking_live.staff_day(office, day).filter(ticket__isnull=True)
    return sorted(rows, key=lambda a: a.start)


def walk_in_services(office: Office) -> QuerySet[Service]:
    return Service.objects.filter(office_services__office=office, office_services__active=True).order_by("name_de")


@dataclass(frozen=True)
class WalkInStatus:
    open_now: bool  # inside a walk-in window (opening rule kind walk_in) right now
    minutes_left: int  # staffed walk-in counter-minutes from now until the windows close
    minutes_queued: int  # expected minutes of walk-ins still waiting
    quotas: dict[int, tuple[int | None, int]]  # service id -> (daily quota or None, tickets used today)
    label: str = ""

    def quota_left(self, service_id: int) -> int | None:
        quota, used = self.quotas.get(service_id, (None, 0))
        return None if quota is None else max(0, quota - used)

    def can_take(self, service_id: int, minutes: float) -> bool:
        left = self.quota_left(service_id)
        return self.open_now and (left is None or left > 0) and self.minutes_queued + minutes <= self.minutes_left


def walk_in_status(office: Office, now: dt.datetime) -> WalkInStatus:
    """Walk-in capacity from the capacity rules (kind walk_in) and today's use of the quotas."""
    day = local_today(office, now)
    plan = capacity_selectors.day_plans(office, day, day, kind=rules.WALK_IN)[0]
    minute = int((now - plan.midnight).total_seconds() // 60)
    minutes_left = sum(max(0, w.end - max(w.start, minute)) for w in plan.windows)
    open_now = any(w.start <= minute < w.end for w in plan.windows)
    label = next((text for start, end, text in plan.labels if start <= minute < end), "")
    used = dict(
        Visit.objects.filter(
            office=office, day=day, kind=Ticket.Kind.WALK_IN, previous__isnull=True, ticket__late=False
        )
        .values("service")
        .annotate(n=Count("id"))
        .values_list("service", "n")
    )
    quotas: dict[int, tuple[int | None, int]] = {sid: (None, n) for sid, n in used.items()}
    for q in WalkInQuota.objects.filter(office=office):
        quotas[q.service_id] = (q.daily_quota, used.get(q.service_id, 0))
    estimates = expected_minutes(office, now=now)
    queued = Visit.objects.filter(office=office, day=day, kind=Ticket.Kind.WALK_IN, status=Visit.Status.WAITING)
    minutes_queued = round(sum(estimates.get(s, 15) for s in queued.values_list("service_id", flat=True)))
    return WalkInStatus(open_now, minutes_left, minutes_queued, quotas, label)


def next_appointment(office: Office, service: Service, now: dt.datetime):
    """The earliest free web appointment for one person, from the booking engine (None if none)."""
    try:
        query = booking_live.booking_query(office=office, service_slugs=[service.slug], now=now)
    except DomainError:
        return None
    return booking_live.earliest(query, now=now)


# --- queue state -----------------------------------------------------------------------------------


def waiting(office: Office, day: dt.date) -> QuerySet[Visit]:
    """The day's waiting visits (a ticket left over from an earlier day is never called again)."""
    return (
        Visit.objects.select_related("ticket", "service", "target_counter")
        .filter(office=office, day=day, status=Visit.Status.WAITING)
        .order_by("queued_at")
    )


def candidate(visit: Visit) -> policy.Candidate:
    return policy.Candidate(
        id=visit.pk,
        service_id=visit.service_id,
        queued_at=visit.queued_at,
        due_at=visit.due_at,
        priority=visit.priority,
        target_counter=visit.target_counter_id,
    )


def candidates(office: Office, day: dt.date) -> list[policy.Candidate]:
    rows = Visit.objects.filter(office=office, day=day, status=Visit.Status.WAITING).values_list(
        "id", "service_id", "queued_at", "due_at", "priority", "target_counter_id"
    )
    return [policy.Candidate(*row) for row in rows]


def ranked_waiting(office: Office, now: dt.datetime) -> list[Visit]:
    """Waiting visits in the order the policy would call them (for reception and clerks)."""
    visits = {v.pk: v for v in waiting(office, local_today(office, now))}
    settings = floor_settings(office)
    order = policy.ranking([candidate(v) for v in visits.values()], now=now, due_minutes=settings.due_minutes)
    return [visits[c.id] for c in order]


def expected_minutes(office: Office, *, now: dt.datetime, weeks: int = HANDLING_WEEKS) -> dict[int, float]:
    """Expected handling minutes per service id: measured over the last weeks, else the catalogue time."""
    defaults = {
        row.service_id: float(row.effective_minutes)
        for row in OfficeService.objects.select_related("service").filter(office=office)
    }
    since = now - dt.timedelta(weeks=weeks)
    samples: dict[int, list[float]] = defaultdict(list)
    rows = Visit.objects.filter(
        office=office,
        outcome=Visit.Outcome.DONE,
        ended_at__gte=since,
        ended_at__lte=now,
        started_at__isnull=False,
    ).values_list("service_id", "started_at", "ended_at")
    for service_id, started, ended in rows:
        if started is not None and ended is not None:  # as filtered
            samples[service_id].append((ended - started).total_seconds() / 60)
    return policy.handling_minutes(samples, defaults)


def remaining_at_counters(office: Office, minutes: dict[int, float], now: dt.datetime) -> float:
    """Expected minutes of work still left with the customers at the counters right now."""
    rows = Visit.objects.filter(office=office, day=local_today(office, now), status__in=Visit.AT_CLERK).values_list(
        "service_id", "started_at", "called_at"
    )
    left = 0.0
    for service_id, started, called in rows:
        began = started or called  # a visit at the clerk has been called
        if began is None:
            continue
        spent = (now - began).total_seconds() / 60
        left += max(0.0, minutes.get(service_id, 15.0) - spent)
    return left


@dataclass(frozen=True)
class TicketState:
    ticket: Ticket
    status: str  # waiting / called / serving / parked / closed
    position: int | None  # 1 = next; None when not waiting
    wait_minutes: int | None  # None = no estimate (no clerk present or not waiting)
    counter: int | None  # counter number once called


def ticket_state(ticket: Ticket, *, now: dt.datetime | None = None) -> TicketState:
    """Where a ticket stands: position in the queue and estimated wait (for the phone view and kiosk)."""
    now = now or timezone.now()
    office = ticket.office
    leg = ticket.visits.select_related("counter").order_by("-id").first()
    if leg is None or leg.status != Visit.Status.WAITING:
        return TicketState(
            ticket,
            leg.status if leg else Visit.Status.CLOSED,
            None,
            None,
            leg.counter.number if leg and leg.counter else None,
        )
    order = ranked_waiting(office, now)
    index = next((i for i, v in enumerate(order) if v.pk == leg.pk), len(order))
    minutes = expected_minutes(office, now=now)
    clerks = clerks_present(office)
    wait = policy.estimated_wait_minutes(
        [v.service_id for v in order[:index]],
        minutes,
        clerks=clerks,
        in_service_remaining=remaining_at_counters(office, minutes, now),
    )
    if leg.due_at and wait >= 0:
        wait = max(wait, int((leg.due_at - now).total_seconds() // 60))
    return TicketState(ticket, leg.status, index + 1, wait if wait >= 0 else None, None)


@dataclass(frozen=True)
class DisplayRow:
    label: str
    counter: int
    called_at: dt.datetime


def display_rows(office_id: int, day: dt.date, *, limit: int = DISPLAY_ROWS) -> list[DisplayRow]:
    """The day's last called ticket numbers with their counter – never a name."""
    rows = (
        Visit.objects.filter(office_id=office_id, day=day, last_called_at__isnull=False, counter__isnull=False)
        .exclude(outcome=Visit.Outcome.NO_SHOW)
        .order_by("-last_called_at", "-id")
        .values_list("ticket__label", "counter__number", "last_called_at")[: limit * 2]
    )
    out, seen = [], set()
    for label, counter, called_at in rows:
        if label in seen or called_at is None:  # (never None: filtered)
            continue
        seen.add(label)
        out.append(DisplayRow(label, counter, called_at))
    return out[:limit]


def display_payload(office_id: int, day: dt.date) -> dict:
    return {
        "version": display_version(office_id),
        "day": day.isoformat(),
        "calls": [
            {"ticket": r.label, "counter": r.counter, "called_at": r.called_at.isoformat()}
            for r in display_rows(office_id, day)
        ],
    }


# --- the day close ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DayCloseSummary:
    """For the reception desk: how the last day was closed, and whether the nightly day close ran at all."""

    last_day: dt.date | None  # the last day before today with visits
    closed: int  # of its visits closed as end of day …
    never_called: int  # … of them never called
    still_open: int  # visits of days before today still open: the day close has not run


def day_close_summary(office: Office, today: dt.date) -> DayCloseSummary:
    before = Visit.objects.filter(office=office, day__lt=today)
    still_open = before.filter(status__in=Visit.OPEN).count()
    last_day = before.order_by("-day").values_list("day", flat=True).first()
    counts = {"closed": 0, "never_called": 0}  # no visits before today
    if last_day is not None:
        counts = before.filter(day=last_day, outcome=Visit.Outcome.END_OF_DAY).aggregate(
            closed=Count("id"), never_called=Count("id", filter=Q(called_at__isnull=True))
        )
    return DayCloseSummary(last_day, counts["closed"], counts["never_called"], still_open)
