import datetime as dt
from functools import lru_cache

import holidays

from buergerbuero.capacity import rules
from buergerbuero.capacity.models import ChannelShare, Closure, OpeningRule, RosterEntry
from buergerbuero.catalog.models import Office


@lru_cache(maxsize=64)
def _holidays(land: str, years: tuple[int, ...]) -> dict[dt.date, str]:
    return dict(holidays.country_holidays("DE", subdiv=land, years=years, language="de"))


def public_holidays(land: str, first: dt.date, last: dt.date) -> dict[dt.date, str]:
    return _holidays(land, tuple(range(first.year, last.year + 1)))


def office_calendar(office: Office, first: dt.date, last: dt.date) -> rules.OfficeCalendar:
    """Everything the capacity engine needs for an office and a date range, read fresh (no precomputation)."""
    opening = (
        OpeningRule.objects.filter(office=office).exclude(valid_to__lt=first).exclude(valid_from__gt=last)
    )
    roster = (
        RosterEntry.objects.filter(counter__office=office)
        .exclude(valid_to__lt=first)
        .exclude(valid_from__gt=last)
        .select_related("counter")
        .prefetch_related("services")
    )
    closures = Closure.objects.filter(office=office, end_date__gte=first, start_date__lte=last)
    return rules.OfficeCalendar(
        timezone=office.timezone,
        rules=tuple(rules.OpeningRule(r.recurrence(), r.kind, r.label) for r in opening),
        closures=tuple(rules.Closure(c.start_date, c.end_date, c.reason) for c in closures),
        holidays=public_holidays(office.land, first, last),
        roster=tuple(
            rules.RosterEntry(
                lane=r.counter_id,
                order=r.counter.number,
                recurrence=r.recurrence(),
                skills=frozenset(s.id for s in r.services.all()) or None,
            )
            for r in roster
        ),
    )


def day_plans(
    office: Office, first: dt.date, last: dt.date, kind: str = rules.APPOINTMENTS
) -> list[rules.DayPlan]:
    return rules.day_plans(office_calendar(office, first, last), first, last, kind)


def channel_shares(office: Office) -> tuple[tuple[str, int], ...]:
    return tuple(ChannelShare.objects.filter(office=office).values_list("channel", "percent"))
