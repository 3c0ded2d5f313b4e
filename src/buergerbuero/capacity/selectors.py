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


def office_calendars(offices: list[Office], first: dt.date, last: dt.date) -> dict[int, rules.OfficeCalendar]:
    """Everything the capacity engine needs for some offices and a date range, read fresh (no precomputation);
    a fixed number of queries however many offices."""
    ids = [o.pk for o in offices]
    opening = OpeningRule.objects.filter(office_id__in=ids).exclude(valid_to__lt=first).exclude(valid_from__gt=last)
    # Plain rows, not model instances: a city has hundreds of roster entries and this runs on every query.
    roster = (
        RosterEntry.objects.filter(counter__office_id__in=ids)
        .exclude(valid_to__lt=first)
        .exclude(valid_from__gt=last)
        .values_list(
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
    )
    skills: dict[int, set[int]] = {}
    for entry_id, service_id in RosterEntry.services.through.objects.filter(
        rosterentry__counter__office_id__in=ids
    ).values_list("rosterentry_id", "service_id"):
        skills.setdefault(entry_id, set()).add(service_id)
    closures = Closure.objects.filter(office_id__in=ids, end_date__gte=first, start_date__lte=last)
    by_office: dict[int, dict[str, list]] = {pk: {"rules": [], "closures": [], "roster": []} for pk in ids}
    for r in opening:
        by_office[r.office_id]["rules"].append(rules.OpeningRule(r.recurrence(), r.kind, r.label))
    for c in closures:
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
        o.pk: rules.OfficeCalendar(
            timezone=o.timezone,
            rules=tuple(by_office[o.pk]["rules"]),
            closures=tuple(by_office[o.pk]["closures"]),
            holidays=public_holidays(o.land, first, last),
            roster=tuple(by_office[o.pk]["roster"]),
        )
        for o in offices
    }


def office_calendar(office: Office, first: dt.date, last: dt.date) -> rules.OfficeCalendar:
    return office_calendars([office], first, last)[office.pk]


def day_plans_many(
    offices: list[Office], first: dt.date, last: dt.date, kind: str = rules.APPOINTMENTS
) -> dict[int, list[rules.DayPlan]]:
    calendars = office_calendars(offices, first, last)
    return {pk: rules.day_plans(calendar, first, last, kind) for pk, calendar in calendars.items()}


def day_plans(office: Office, first: dt.date, last: dt.date, kind: str = rules.APPOINTMENTS) -> list[rules.DayPlan]:
    return day_plans_many([office], first, last, kind)[office.pk]


def channel_shares_many(offices: list[Office]) -> dict[int, tuple[tuple[str, int], ...]]:
    shares: dict[int, list[tuple[str, int]]] = {o.pk: [] for o in offices}
    for office_id, channel, percent in ChannelShare.objects.filter(office__in=offices).values_list(
        "office_id", "channel", "percent"
    ):
        shares[office_id].append((channel, percent))
    return {pk: tuple(values) for pk, values in shares.items()}


def channel_shares(office: Office) -> tuple[tuple[str, int], ...]:
    return channel_shares_many([office])[office.pk]
