"""Reads of the insights app: snapshots, bookings, capacity and events as plain data for the KPI arithmetic."""

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Max, Q
from django.utils import timezone

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.booking.selectors import stats as booking_stats
from buergerbuero.callcenter import selectors as callcenter_selectors
from buergerbuero.callcenter.models import Call
from buergerbuero.capacity import rules
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.catalog.models import Office, Service
from buergerbuero.insights import metrics
from buergerbuero.insights.metrics import Period
from buergerbuero.insights.models import (
    DEFAULT_TARGET_MAX_DAYS,
    DEFAULT_TARGET_MIN_DAYS,
    Event,
    KPISnapshot,
    OfficeTarget,
)
from buergerbuero.queue.selectors import live as queue_live


def _bounds(office: Office, period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = ZoneInfo(office.timezone)
    start = dt.datetime.combine(period.first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(period.last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    return start, end


def target_band(office: Office) -> tuple[int, int]:
    row = OfficeTarget.objects.filter(office=office).values_list("min_days", "max_days").first()
    return row or (DEFAULT_TARGET_MIN_DAYS, DEFAULT_TARGET_MAX_DAYS)


def reference_service(office: Office) -> Service | None:
    """The office's reference service, or (if none is set) its first online-bookable service."""
    if office.reference_service_id:
        return office.reference_service
    return catalog_selectors.services(office=office, online_only=True).first()


def latest_snapshots(*, office: Office | None = None, engine_only: bool = False) -> list[KPISnapshot]:
    """The newest snapshot of every office × service (two queries: the newest hours, then those rows)."""
    rows = KPISnapshot.objects.all()
    if engine_only:
        rows = rows.filter(source=KPISnapshot.Source.ENGINE)
    if office is not None:
        rows = rows.filter(office=office)
    newest = rows.values("office_id", "service_id").annotate(newest=Max("hour")).order_by()
    wanted = Q(pk__in=[])
    for row in newest:
        wanted |= Q(office_id=row["office_id"], service_id=row["service_id"], hour=row["newest"])
    return list(rows.filter(wanted).select_related("office", "service").order_by("office__name", "service__name_de"))


SNAPSHOT_FRESH = dt.timedelta(hours=1)


def current_lead_time(office: Office, service: Service, *, now: dt.datetime) -> tuple[int | None, dt.datetime]:
    """(lead time, when measured): the snapshot of the last hour if there is one, else the engine asked now."""
    row = (
        KPISnapshot.objects.filter(
            office=office, service=service, source=KPISnapshot.Source.ENGINE, taken_at__gte=now - SNAPSHOT_FRESH
        )
        .order_by("-taken_at")
        .values_list("lead_time_days", "taken_at")
        .first()
    )
    if row is not None:
        return row
    return booking_live.lead_time_days(office, service, now=now), now


def lead_time_samples(office: Office, service: Service, period: Period) -> list[tuple[dt.date, int | None]]:
    """(local day, lead time) of every snapshot in the period."""
    tz = ZoneInfo(office.timezone)
    start, end = _bounds(office, period)
    rows = KPISnapshot.objects.filter(office=office, service=service, hour__gte=start, hour__lt=end).values_list(
        "hour", "lead_time_days"
    )
    return [(hour.astimezone(tz).date(), value) for hour, value in rows]


def daily_lead_times(office: Office, service: Service, period: Period) -> dict[dt.date, int | None]:
    return metrics.daily_lead_times(lead_time_samples(office, service, period))


def appointment_rows(office: Office, period: Period) -> list[metrics.AppointmentRow]:
    """Confirmed appointments that were booked or took place in the period, as plain rows (one query).

    Realised lead time, booked minutes and demand by channel all derive from these rows, so a dashboard
    reads the year of appointments once.
    """
    start, end = _bounds(office, period)
    rows = booking_stats.confirmed_rows(office, start=start, end=end)
    return [metrics.AppointmentRow(*row) for row in rows]


def day_plans(office: Office, period: Period) -> list[rules.DayPlan]:
    return capacity_selectors.day_plans(office, period.first, period.last)


def channel_shares(office: Office) -> tuple[tuple[str, int], ...]:
    return capacity_selectors.channel_shares(office)


def events(office: Office, period: Period) -> list[tuple[dt.date, str, str]]:
    """Events for the trend: closures and dated rule/roster changes (from capacity) plus recorded events.

    Returns (day, kind, German title), sorted by day.
    """
    calendar = capacity_selectors.office_calendar(office, period.first, period.last)
    out: set[tuple[dt.date, str, str]] = set()
    for closure in calendar.closures:
        if closure.start in period:
            out.add((closure.start, Event.Kind.CLOSURE, f"Schließung: {closure.reason}"))
    for rule in calendar.rules:
        valid_from = rule.recurrence.valid_from
        if valid_from and valid_from in period:
            title = f"{rule.label} eingeführt" if rule.label else "Öffnungszeiten geändert"
            out.add((valid_from, Event.Kind.OPENING, title))
    roster_changes: dict[dt.date, set[int]] = {}
    for entry in calendar.roster:
        for day in (entry.recurrence.valid_from, entry.recurrence.valid_to):
            if day and day in period:
                roster_changes.setdefault(day, set()).add(entry.order)
    for day, counters in roster_changes.items():
        out.add((day, Event.Kind.ROSTER, f"Dienstplan geändert ({len(counters)} Schalter)"))
    for row in Event.objects.filter(office=office, day__gte=period.first, day__lte=period.last):
        out.add((row.day, row.kind, row.title))
    return sorted(out)


def offices_for(user):
    """Offices a manager may see on the dashboard."""
    return [o for o in catalog_selectors.offices() if account_selectors.may_see_office_insights(user, o)]


def bookings_made(office: Office, service: Service, period: Period) -> dict[dt.date, list[int]]:
    """Per local booking day: the lead times (days to the visit) of confirmed bookings that include `service`."""
    tz = ZoneInfo(office.timezone)
    start, end = _bounds(office, period)
    rows = booking_stats.confirmed_bookings_of(office, service, created_from=start, created_to=end)
    out: dict[dt.date, list[int]] = {}
    for booked, visit in rows:
        out.setdefault(booked.astimezone(tz).date(), []).append(metrics.realised_lead_days(booked, visit, tz))
    return out


@dataclass(frozen=True)
class WaitingRoom:
    """The office floor right now, for the dashboard (all numbers from the queue app)."""

    waiting: int  # visits waiting to be called today
    walk_ins: int  # of them without appointment (incl. late arrivals)
    clerks: int  # clerks logged in at a counter
    last_wait: int | None  # estimated minutes until the last one in line is called; None = no estimate
    longest: int | None  # longest wait so far, counted as the waiting-time KPI counts it (None = nobody waits)
    walk_in_open: bool
    walk_in_minutes_left: int


def waiting_room(office: Office, *, now: dt.datetime) -> WaitingRoom:
    """Queue length and estimated wait: the queue's own ranking and estimate for the last visit in line."""
    order = queue_live.ranked_waiting(office, now)
    last_wait = None
    if order:
        last_wait = queue_live.ticket_state(order[-1].ticket, now=now).wait_minutes
    status = queue_live.walk_in_status(office, now)
    return WaitingRoom(
        waiting=len(order),
        walk_ins=sum(1 for v in order if v.due_at is None),
        clerks=queue_live.clerks_present(office),
        last_wait=last_wait,
        # waiting as the KPI counts it: from check-in, for an appointment not before its time
        longest=max(
            (max(0, int((now - max(v.queued_at, v.due_at or v.queued_at)).total_seconds() // 60)) for v in order),
            default=None,
        ),
        walk_in_open=status.open_now,
        walk_in_minutes_left=status.minutes_left,
    )


# --- call center (read through callcenter.selectors; its data is per municipality and contract) -----------------


@dataclass(frozen=True)
class CallNumbers:
    """Counts of the call center for the office's municipality on some days, summed over its contracts."""

    calls: int = 0
    resolved: int = 0  # settled with the knowledge base + appointment booked
    offered: int = 0  # interval statistics of the telephony system
    answered_within: int = 0
    abandoned: int = 0
    thresholds: frozenset = frozenset()  # service-level thresholds (seconds) of the intervals (one, or several)

    def __add__(self, other: "CallNumbers") -> "CallNumbers":
        return CallNumbers(
            self.calls + other.calls,
            self.resolved + other.resolved,
            self.offered + other.offered,
            self.answered_within + other.answered_within,
            self.abandoned + other.abandoned,
            self.thresholds | other.thresholds,
        )


def _municipality_viewer(office: Office) -> callcenter_selectors.Viewer:
    """The office's municipality as a party of its call-center contracts (its management sees their numbers)."""
    return callcenter_selectors.Viewer(
        user=None,
        org_id=office.organisation_id,
        org_kind=Organisation.Kind.MUNICIPALITY,
        role=StaffMembership.Role.MANAGER,
    )


def callcenter_contracts(office: Office) -> list:
    """All call-center contracts of the office's municipality (calls belong to a contract, not to an office)."""
    if office.organisation_id is None:
        return []
    found = callcenter_selectors.contracts(_municipality_viewer(office))
    return [c for c in found if c.municipality_id == office.organisation_id]


def call_days(office: Office, contracts: list, first: dt.date, last: dt.date) -> list[tuple[dt.date, CallNumbers]]:
    """(day, counts) of the office's municipality for the days first..last: all contracts, read once for the range.

    The counts are those `callcenter.selectors.numbers` divides: first-contact resolution = (settled + booked) /
    all calls (`Call.RESOLVED`), service level = answered within the threshold / offered
    (`summarize_intervals`). Days are local dates in the site's time zone, as the callcenter app counts them.
    Two queries for any range: the calls through `callcenter.selectors.calls` with the municipality as the viewer,
    and the contracts' interval rows through `callcenter.selectors.interval_counts`.
    """
    if not contracts:
        return []
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    days: dict[dt.date, CallNumbers] = defaultdict(CallNumbers)
    calls = (
        # The municipality reads its own calls whatever the contracts' dates: the clock only limits partners.
        callcenter_selectors.calls(_municipality_viewer(office), now=end)
        .filter(contract__in=contracts, started_at__gte=start, started_at__lt=end)
        .values_list("started_at", "outcome")
    )
    for started, outcome in calls:
        days[started.astimezone(tz).date()] += CallNumbers(calls=1, resolved=int(outcome in Call.RESOLVED))
    intervals = callcenter_selectors.interval_counts(contracts, start=start, end=end)
    for begin, offered, within, abandoned, threshold in intervals:
        days[begin.astimezone(tz).date()] += CallNumbers(
            offered=offered, answered_within=within, abandoned=abandoned, thresholds=frozenset({threshold})
        )
    return sorted(days.items())
