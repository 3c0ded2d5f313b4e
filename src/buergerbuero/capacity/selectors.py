import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.db import connection

from buergerbuero.capacity import rules
from buergerbuero.capacity.models import ChannelShare, Closure, OpeningRule, RosterEntry
from buergerbuero.catalog.models import Office

# Calendars and day plans are kept per web process under the office's CalendarStamp, which database triggers
# renew on every change to rules, closures, roster or counters (docs/adr/0002-calendar-stamp.md). Reading the
# stamp is one small query per call; the rows are read again only after a change. Bounded so that a city with
# many offices cannot grow a process without limit.
_MAX_OFFICES = 256
_MAX_PLANS_PER_OFFICE = 4000


@dataclass
class _Cached:
    rules: tuple[rules.OpeningRule, ...]
    closures: tuple[rules.Closure, ...]
    roster: tuple[rules.RosterEntry, ...]
    shares: tuple[tuple[str, int], ...]  # (channel, percent): each booking channel's share of the counters
    calendars: dict[tuple[int, ...], rules.OfficeCalendar] = field(default_factory=dict)
    memos: dict[str, dict] = field(default_factory=dict)  # per kind: rules.day_plan's windows memo
    plans: dict[tuple[str, dt.date], rules.DayPlan] = field(default_factory=dict)


_cached: OrderedDict[tuple, _Cached] = OrderedDict()


@lru_cache(maxsize=64)
def _holidays(land: str, years: tuple[int, ...]) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("DE", subdiv=land, years=years, language="de"))


def public_holidays(land: str, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    return _holidays(land, tuple(range(first.year, last.year + 1)))


def calendar_stamps(office_ids: list[int]) -> dict[int, str]:
    """The current CalendarStamp per office (raw SQL: this runs on every availability query)."""
    if not office_ids:
        return {}
    marks = ", ".join(["%s"] * len(office_ids))
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT office_id, stamp FROM capacity_calendarstamp WHERE office_id IN ({marks})", office_ids)
        return dict(cursor.fetchall())


def _read_rows(ids: list[int]) -> dict[int, _Cached]:
    """Every opening rule, closure, roster entry and channel share of some offices (a fixed number of queries)."""
    # Plain rows, not model instances: a city has hundreds of roster entries.
    roster = RosterEntry.objects.filter(counter__office_id__in=ids).values_list(
        "id",
        "counter__office_id",
        "counter_id",
        "counter__number",
        "weekdays",
        "start_time",
        "end_time",
        "valid_from",
        "valid_to",
        "every_n_weeks",
    )
    skills: dict[int, set[int]] = {}
    for entry_id, service_id in RosterEntry.services.through.objects.filter(
        rosterentry__counter__office_id__in=ids
    ).values_list("rosterentry_id", "service_id"):
        skills.setdefault(entry_id, set()).add(service_id)
    by_office: dict[int, dict[str, list]] = {
        pk: {"rules": [], "closures": [], "roster": [], "shares": []} for pk in ids
    }
    for office_id, channel, percent in ChannelShare.objects.filter(office_id__in=ids).values_list(
        "office_id", "channel", "percent"
    ):
        by_office[office_id]["shares"].append((channel, percent))
    for r in OpeningRule.objects.filter(office_id__in=ids):
        by_office[r.office_id]["rules"].append(rules.OpeningRule(r.recurrence(), r.kind, r.label))
    for c in Closure.objects.filter(office_id__in=ids):
        by_office[c.office_id]["closures"].append(rules.Closure(c.start_date, c.end_date, c.reason))
    for entry_id, office_id, counter_id, number, weekdays, start, end, valid_from, valid_to, every in roster:
        by_office[office_id]["roster"].append(
            rules.RosterEntry(
                lane=counter_id,
                order=number,
                recurrence=rules.Recurrence(
                    frozenset(int(c) for c in weekdays), start, end, valid_from, valid_to, every
                ),
                skills=frozenset(skills[entry_id]) if entry_id in skills else None,
            )
        )
    return {
        pk: _Cached(tuple(rows["rules"]), tuple(rows["closures"]), tuple(rows["roster"]), tuple(rows["shares"]))
        for pk, rows in by_office.items()
    }


def _entries(offices: list[Office]) -> dict[int, _Cached]:
    """The cached rows per office, read again where the stamp changed (or the office has none)."""
    stamps = calendar_stamps([o.pk for o in offices])
    keys = {o.pk: (o.pk, stamps.get(o.pk), o.timezone, o.land) for o in offices}
    out: dict[int, _Cached] = {}
    for pk, key in keys.items():
        # One lookup, no "in" then "[]": another thread of the web process may evict the entry in between.
        entry = _cached.get(key) if key[1] is not None else None
        if entry is not None:
            out[pk] = entry
    missing = [pk for pk in keys if pk not in out]
    if missing:
        fresh = _read_rows(missing)
        for pk in missing:
            out[pk] = fresh[pk]
            if keys[pk][1] is not None:  # without a stamp nobody would notice a change: never keep it
                _cached[keys[pk]] = fresh[pk]
        while len(_cached) > _MAX_OFFICES:  # oldest first
            try:
                _cached.popitem(last=False)
            except KeyError:  # emptied by another thread meanwhile
                break
    return out


def _calendar(entry: _Cached, office: Office, first: dt.date, last: dt.date) -> rules.OfficeCalendar:
    years = tuple(range(first.year, last.year + 1))
    if years not in entry.calendars:
        entry.calendars[years] = rules.OfficeCalendar(
            timezone=office.timezone,
            rules=entry.rules,
            closures=entry.closures,
            holidays=_holidays(office.land, years),
            roster=entry.roster,
        )
    return entry.calendars[years]


def office_calendars(offices: list[Office], first: dt.date, last: dt.date) -> dict[int, rules.OfficeCalendar]:
    """Everything the capacity engine needs for some offices and a date range, as of the last committed change
    (no precomputation: only the rows are kept until their stamp changes); one query when nothing changed."""
    entries = _entries(offices)
    return {o.pk: _calendar(entries[o.pk], o, first, last) for o in offices}


def office_calendar(office: Office, first: dt.date, last: dt.date) -> rules.OfficeCalendar:
    return office_calendars([office], first, last)[office.pk]


def day_plans_many(
    offices: list[Office], first: dt.date, last: dt.date, kind: str = rules.APPOINTMENTS
) -> dict[int, list[rules.DayPlan]]:
    """What each day from `first` to `last` offers, per office. A day plan depends only on the calendar and
    the day, so it is kept with the calendar's rows and computed once per stamp."""
    entries = _entries(offices)
    days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
    out = {}
    for office in offices:
        entry = entries[office.pk]
        cached = entry.plans
        plans = []
        for day in days:
            plan = cached.get((kind, day))
            if plan is None:
                # Calendars of different years share the rule tuples, so one windows memo per kind serves all.
                memo = entry.memos.setdefault(kind, {})
                plan = rules.day_plan(_calendar(entry, office, day, day), day, kind, memo)
                if len(cached) >= _MAX_PLANS_PER_OFFICE:
                    cached.clear()
                cached[kind, day] = plan
            plans.append(plan)
        out[office.pk] = plans
    return out


def day_plans(office: Office, first: dt.date, last: dt.date, kind: str = rules.APPOINTMENTS) -> list[rules.DayPlan]:
    return day_plans_many([office], first, last, kind)[office.pk]


def channel_shares_many(offices: list[Office]) -> dict[int, tuple[tuple[str, int], ...]]:
    """Each channel's share of the counters per office (kept with the calendar rows: the same triggers renew it)."""
    return {pk: entry.shares for pk, entry in _entries(offices).items()}


def channel_shares(office: Office) -> tuple[tuple[str, int], ...]:
    return channel_shares_many([office])[office.pk]
