"""The measured numbers of the office floor.

These functions (``waiting_times``, ``handling_times``, ``no_show_rate``,
``walk_in_share``, ``appointment_attendance``) are the source of truth for insights and planning. Definitions:

* *waiting time* of a visit = first call − max(check-in, appointment time), in minutes, for the first
  leg of a ticket only (what the citizen spends in the waiting room before being called). A citizen
  who checks in early does not count the time before the appointment as waiting. A ticket never called
  (closed at the end of the day while waiting) has no waiting time: it is unknown, not zero, and counted
  separately (``LegCounts.never_called``).
* *handling time* = end − start of a leg closed as done.
* *no-show rate* = first legs closed as no-show / first legs closed as done, no-show or transferred. Legs
  still open when the day was closed (outcome end of day) are neither: they are counted separately.
* *walk-in share* = walk-in tickets / all tickets (late arrivals turned into walk-ins count as walk-ins).
* *appointment no-show rate* = booked appointments never checked in or closed as no-show after the call /
  booked appointments, on the days the floor was in use (what the planner needs: booked minutes lost).

Each statistic comes as a read of rows per visit day (``*_rows`` / ``*_counts``: one query for any date
range) and a pure summary of such rows, so a weekly series reads the range once and summarises each week.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking.selectors import stats as booking_stats
from buergerbuero.catalog.models import Office
from buergerbuero.core.errors import DomainError
from buergerbuero.queue import policy
from buergerbuero.queue.models import Ticket, Visit

# --- measured numbers (insights and planning read these) ---------------------------------------------


def _first_legs(office: Office, first: dt.date, last: dt.date) -> QuerySet[Visit]:
    return Visit.objects.filter(office=office, day__gte=first, day__lte=last, previous__isnull=True)


def _rounded_percentile(values: list[float], q: float) -> float:
    """`policy.percentile` of a group (never empty), to one decimal."""
    value = policy.percentile(values, q)
    assert value is not None
    return round(value, 1)


def waiting_minutes_rows(office: Office, first: dt.date, last: dt.date) -> list[tuple[dt.datetime, int, float]]:
    """(called_at, service_id, waiting minutes) for every first leg that was called in the date range."""
    rows = (
        _first_legs(office, first, last)
        .filter(called_at__isnull=False)
        .values_list("called_at", "service_id", "queued_at", "due_at")
    )
    out = []
    for called, service_id, queued, due in rows:
        if called is None:  # filtered out in the query
            continue
        since = max(queued, due) if due else queued
        out.append((called, service_id, max(0.0, (called - since).total_seconds() / 60)))
    return out


def waiting_times(office: Office, first: dt.date, last: dt.date, *, by: str = "day") -> list[dict]:
    """Waiting time p50/p90 (minutes) per day, per hour of day (local) or per service.

    Returns ``[{"key": date | int hour | service id, "visits": n, "p50": float, "p90": float}]`` sorted by key.
    """
    if by not in {"day", "hour", "service"}:
        raise DomainError(_("Gruppierung muss day, hour oder service sein."), field="by")
    tz = ZoneInfo(office.timezone)
    groups: dict = defaultdict(list)
    for called, service_id, minutes in waiting_minutes_rows(office, first, last):
        local = called.astimezone(tz)
        key = {"day": local.date(), "hour": local.hour, "service": service_id}[by]
        groups[key].append(minutes)
    return [
        {
            "key": key,
            "visits": len(values),
            "p50": _rounded_percentile(values, 50),
            "p90": _rounded_percentile(values, 90),
        }
        for key, values in sorted(groups.items())
    ]


def handling_rows(office: Office, first: dt.date, last: dt.date) -> list[tuple[dt.date, int, float]]:
    """(visit day, service id, handling minutes) of every leg closed as done in the date range."""
    rows = Visit.objects.filter(
        office=office, day__gte=first, day__lte=last, outcome=Visit.Outcome.DONE, started_at__isnull=False
    ).values_list("day", "service_id", "started_at", "ended_at")
    return [
        (day, service_id, (ended - started).total_seconds() / 60)
        for day, service_id, started, ended in rows
        if started is not None and ended is not None  # done legs have both
    ]


def handling_summary(rows: Iterable[tuple[int, float]]) -> list[dict]:
    """(service id, minutes) rows → per service: count, mean, p50, p90, sorted by service id."""
    groups: dict[int, list[float]] = defaultdict(list)
    for service_id, minutes in rows:
        groups[service_id].append(minutes)
    return [
        {
            "service": service_id,
            "visits": len(values),
            "mean": round(sum(values) / len(values), 1),
            "p50": _rounded_percentile(values, 50),
            "p90": _rounded_percentile(values, 90),
        }
        for service_id, values in sorted(groups.items())
    ]


def handling_times(office: Office, first: dt.date, last: dt.date) -> list[dict]:
    """Measured handling minutes per service (legs closed as done): count, mean, p50, p90."""
    return handling_summary((service_id, minutes) for _day, service_id, minutes in handling_rows(office, first, last))


@dataclass(frozen=True)
class LegCounts:
    """Closed first legs of tickets by outcome (of one day, or summed)."""

    done: int = 0
    no_show: int = 0
    transferred: int = 0
    end_of_day: int = 0  # still open when the day was closed: neither served nor a no-show
    never_called: int = 0  # of those, never called: the waiting time is unknown

    def __add__(self, other: LegCounts) -> LegCounts:
        return LegCounts(
            self.done + other.done,
            self.no_show + other.no_show,
            self.transferred + other.transferred,
            self.end_of_day + other.end_of_day,
            self.never_called + other.never_called,
        )

    @property
    def counted(self) -> int:
        """The legs the no-show rate is taken over: closed as done, no-show or transferred."""
        return self.done + self.no_show + self.transferred


def first_leg_counts(office: Office, first: dt.date, last: dt.date) -> list[tuple[dt.date, LegCounts]]:
    """(visit day, counts by outcome) of the closed first legs in the date range: one grouped query."""
    Outcome = Visit.Outcome
    rows = (
        _first_legs(office, first, last)
        .filter(status=Visit.Status.CLOSED)
        .values("day")
        .annotate(
            done=Count("id", filter=Q(outcome=Outcome.DONE)),
            no_show=Count("id", filter=Q(outcome=Outcome.NO_SHOW)),
            transferred=Count("id", filter=Q(outcome=Outcome.TRANSFERRED)),
            end_of_day=Count("id", filter=Q(outcome=Outcome.END_OF_DAY)),
            never_called=Count("id", filter=Q(outcome=Outcome.END_OF_DAY, called_at__isnull=True)),
        )
        .order_by("day")
    )
    return [
        (
            row["day"],
            LegCounts(row["done"], row["no_show"], row["transferred"], row["end_of_day"], row["never_called"]),
        )
        for row in rows
    ]


def no_show_summary(counts: Iterable[LegCounts]) -> dict:
    """{"visits", "no_shows", "rate", "end_of_day", "never_called"}; rate None without counted visits."""
    total = sum(counts, LegCounts())
    return {
        "visits": total.counted,
        "no_shows": total.no_show,
        "rate": total.no_show / total.counted if total.counted else None,
        "end_of_day": total.end_of_day,
        "never_called": total.never_called,
    }


def no_show_rate(office: Office, first: dt.date, last: dt.date) -> dict:
    """Share of called first legs that ended as no-show (see the module docstring), with the end-of-day legs beside."""
    return no_show_summary(counts for _day, counts in first_leg_counts(office, first, last))


def ticket_counts(office: Office, first: dt.date, last: dt.date) -> list[tuple[dt.date, dict]]:
    """(day, {"appointment": n, "walk_in": n}) tickets by kind per day: one grouped query."""
    rows = (
        Ticket.objects.filter(office=office, day__gte=first, day__lte=last)
        .values("day")
        .annotate(
            appointment=Count("id", filter=Q(kind=Ticket.Kind.APPOINTMENT)),
            walk_in=Count("id", filter=Q(kind=Ticket.Kind.WALK_IN)),
        )
        .order_by("day")
    )
    return [(row["day"], {"appointment": row["appointment"], "walk_in": row["walk_in"]}) for row in rows]


def walk_in_summary(counts: Iterable[dict]) -> dict:
    """{"appointment", "walk_in", "share"} with share = walk-ins / all (None if none)."""
    counts = list(counts)
    appointment = sum(c["appointment"] for c in counts)
    walk_in = sum(c["walk_in"] for c in counts)
    total = appointment + walk_in
    return {"appointment": appointment, "walk_in": walk_in, "share": walk_in / total if total else None}


def walk_in_share(office: Office, first: dt.date, last: dt.date) -> dict:
    """Tickets by kind: {"appointment", "walk_in", "share"} with share = walk-ins / all (None if none)."""
    return walk_in_summary(counts for _day, counts in ticket_counts(office, first, last))


@dataclass(frozen=True)
class Attendance:
    """Booked appointments and whether their holders came (for the planner's no-show rate)."""

    first: dt.date
    last: dt.date
    days: int  # days of the range on which the floor was in use (at least one ticket)
    booked: int  # confirmed appointments on those days
    not_checked_in: int  # … whose holder never checked in
    no_show_after_call: int  # … checked in, called and not at the counter

    @property
    def missed(self) -> int:
        return self.not_checked_in + self.no_show_after_call

    @property
    def rate(self) -> float | None:
        return self.missed / self.booked if self.booked else None


def appointment_attendance(office: Office, first: dt.date, last: dt.date) -> Attendance:
    """Which booked appointments were not used: never checked in, or the first leg closed as no-show.

    This is the appointment no-show rate (the minutes the booking held were lost), not the floor's
    ``no_show_rate`` (called tickets of any kind that did not come). Only days on which the office handed out
    at least one ticket count: on a day without the floor in use, a missing check-in says nothing.
    Checked-in appointments closed at the end of the day count as attended (the citizen came). Two queries.
    """
    tz = ZoneInfo(office.timezone)
    per_day = {
        row["day"]: row
        for row in _first_legs(office, first, last)
        .values("day")
        .annotate(
            checked_in=Count("id", filter=Q(ticket__appointment__isnull=False)),
            no_show=Count("id", filter=Q(ticket__appointment__isnull=False, outcome=Visit.Outcome.NO_SHOW)),
        )
        .order_by()
    }
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    booked: dict[dt.date, int] = defaultdict(int)
    for begin in booking_stats.appointment_starts(office, first=start, last=end):
        booked[begin.astimezone(tz).date()] += 1
    used = {day: n for day, n in booked.items() if day in per_day}
    return Attendance(
        first,
        last,
        days=len(per_day),
        booked=sum(used.values()),
        # a ticket whose appointment was cancelled afterwards must not make a day's count negative
        not_checked_in=sum(max(0, n - per_day[day]["checked_in"]) for day, n in used.items()),
        no_show_after_call=sum(row["no_show"] for row in per_day.values()),
    )
