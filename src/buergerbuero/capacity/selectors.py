import datetime as dt
from collections import OrderedDict
from dataclasses import dataclass, field
from functools import lru_cache

import holidays
from django.db import connection

from buergerbuero.capacity import rules
from buergerbuero.capacity import rules as capacity_rules
from buergerbuero.capacity.models import ChannelShare, Closure, OpeningRule, RosterEntry
from buergerbuero.catalog.models import Office, OfficeService, Service
from buergerbuero.core.i18n import LocalText

# Calendars, day plans and the office's offer are kept per web process under the office's CalendarStamp, which
# database triggers renew on every change to rules, closures, roster, counters, channel shares and the services
# offered (docs/adr/0002-calendar-stamp.md). Reading the stamp is one small query per call; the rows are read
# again only after a change. Bounded so that a city with many offices cannot grow a process without limit.
_MAX_OFFICES = 256
_MAX_PLANS_PER_OFFICE = 4000
_MAX_RANGES_PER_OFFICE = 256  # (first, last) ranges of day plans kept per snapshot


@dataclass
class OfficeSnapshot:
    """An office's calendar rows and offer as of one calendar stamp, kept per process while the stamp holds.

    A booking query carries the snapshot it was built with, so one request reads the stamp once. Day plans
    depend only on the calendar and the day, so they are computed once per snapshot."""

    timezone: str
    land: str
    rules: tuple[capacity_rules.OpeningRule, ...]  # (shadows the module in this class body: hence the alias)
    closures: tuple[capacity_rules.Closure, ...]
    roster: tuple[capacity_rules.RosterEntry, ...]
    services: dict[str, tuple[Service, int]]  # active services offered: slug → (service, handling minutes here)
    shares: tuple[tuple[str, int], ...]  # (channel, percent): each booking channel's share of the counters
    _calendars: dict[tuple[int, ...], capacity_rules.OfficeCalendar] = field(default_factory=dict, repr=False)
    _memos: dict[str, dict] = field(default_factory=dict, repr=False)  # per kind: rules.day_plan's windows memo
    _plans: dict[tuple[str, dt.date], capacity_rules.DayPlan] = field(default_factory=dict, repr=False)
    _ranges: dict[tuple[str, dt.date, dt.date], tuple[capacity_rules.DayPlan, ...]] = field(
        default_factory=dict, repr=False
    )

    def calendar(self, first: dt.date, last: dt.date) -> capacity_rules.OfficeCalendar:
        """Everything the capacity engine needs for a date range."""
        years = tuple(range(first.year, last.year + 1))
        calendar = self._calendars.get(years)
        if calendar is None:
            calendar = self._calendars[years] = capacity_rules.OfficeCalendar(
                timezone=self.timezone,
                rules=self.rules,
                closures=self.closures,
                holidays=_holidays(self.land, years),
                roster=self.roster,
            )
        return calendar

    def day_plans(
        self, first: dt.date, last: dt.date, kind: str = capacity_rules.APPOINTMENTS
    ) -> list[capacity_rules.DayPlan]:
        """What each day from `first` to `last` offers (a range asked before is handed out again as a copy:
        availability asks the same ranges of every office on every query)."""
        known = self._ranges.get((kind, first, last))
        if known is not None:
            return list(known)
        plans = self._plans_of(first, last, kind)
        if len(self._ranges) >= _MAX_RANGES_PER_OFFICE:
            self._ranges.clear()
        self._ranges[kind, first, last] = tuple(plans)
        return plans

    def _plans_of(self, first: dt.date, last: dt.date, kind: str) -> list[capacity_rules.DayPlan]:
        plans = []
        for day in (first + dt.timedelta(days=i) for i in range((last - first).days + 1)):
            plan = self._plans.get((kind, day))
            if plan is None:
                # Calendars of different years share the rule tuples, so one windows memo per kind serves all.
                memo = self._memos.setdefault(kind, {})
                plan = rules.day_plan(self.calendar(day, day), day, kind, memo)
                if len(self._plans) >= _MAX_PLANS_PER_OFFICE:
                    self._plans.clear()
                self._plans[kind, day] = plan
            plans.append(plan)
        return plans


_cached: OrderedDict[tuple, OfficeSnapshot] = OrderedDict()


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


def _read_rows(offices: list[Office]) -> dict[int, OfficeSnapshot]:
    """Every opening rule, closure, roster entry, channel share and offered service of some offices (a fixed
    number of queries)."""
    ids = [o.pk for o in offices]
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
        pk: {"rules": [], "closures": [], "roster": [], "shares": [], "services": []} for pk in ids
    }
    # Model instances here: callers attach the service to appointment items and show its names.
    for row in OfficeService.objects.select_related("service").filter(office_id__in=ids, active=True):
        by_office[row.office_id]["services"].append((row.service.slug, (row.service, row.effective_minutes)))
    for office_id, channel, percent in ChannelShare.objects.filter(office_id__in=ids).values_list(
        "office_id", "channel", "percent"
    ):
        by_office[office_id]["shares"].append((channel, percent))
    for r in OpeningRule.objects.filter(office_id__in=ids):
        label = LocalText(r.label, r.label_en)  # shown in the visitor's language
        by_office[r.office_id]["rules"].append(rules.OpeningRule(r.recurrence(), r.kind, label))
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
        o.pk: OfficeSnapshot(
            o.timezone,
            o.land,
            tuple(by_office[o.pk]["rules"]),
            tuple(by_office[o.pk]["closures"]),
            tuple(by_office[o.pk]["roster"]),
            dict(by_office[o.pk]["services"]),
            tuple(by_office[o.pk]["shares"]),
        )
        for o in offices
    }


def snapshots(offices: list[Office]) -> dict[int, OfficeSnapshot]:
    """Each office's calendar and offer as of the last committed change (no precomputation: only the rows are
    kept until their stamp changes); one query when nothing changed."""
    stamps = calendar_stamps([o.pk for o in offices])
    keys = {o.pk: (o.pk, stamps.get(o.pk), o.timezone, o.land) for o in offices}
    out: dict[int, OfficeSnapshot] = {}
    for pk, key in keys.items():
        # One lookup, no "in" then "[]": another thread of the web process may evict the entry in between.
        entry = _cached.get(key) if key[1] is not None else None
        if entry is not None:
            out[pk] = entry
    missing = [o for o in offices if o.pk not in out]
    if missing:
        fresh = _read_rows(missing)
        for office in missing:
            out[office.pk] = fresh[office.pk]
            if keys[office.pk][1] is not None:  # without a stamp nobody would notice a change: never keep it
                _cached[keys[office.pk]] = fresh[office.pk]
        while len(_cached) > _MAX_OFFICES:  # oldest first
            try:
                _cached.popitem(last=False)
            except KeyError:  # emptied by another thread meanwhile
                break
    return out


def snapshot(office: Office) -> OfficeSnapshot:
    return snapshots([office])[office.pk]


def office_calendar(office: Office, first: dt.date, last: dt.date) -> rules.OfficeCalendar:
    return snapshot(office).calendar(first, last)


def day_plans(office: Office, first: dt.date, last: dt.date, kind: str = rules.APPOINTMENTS) -> list[rules.DayPlan]:
    return snapshot(office).day_plans(first, last, kind)


def channel_shares(office: Office) -> tuple[tuple[str, int], ...]:
    return snapshot(office).shares
