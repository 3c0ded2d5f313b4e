"""The demo office's opening hours (with the Thursday service evening), closures, roster and channel shares.

The calendar carries the demo's story, dated as it happened (the booking history of `booking/demo.py` is a booking
process run on this calendar, and the planner's backtest replays the same calendar):

* until early January: two posts vacant, so the office opens mornings only (no afternoons, no service evening);
* from the first working week of January to the end of April: afternoons on all weekdays with all six counters,
  to work off the backlog of the autumn and of the closure between the years;
* from May: the usual week (Monday, Tuesday and Thursday afternoons, the Thursday service evening);
* from `SHORT_STAFFED_DAYS` before the load day: two posts vacant again, mornings only.
"""

import dataclasses
import datetime as dt

from buergerbuero.capacity import services
from buergerbuero.capacity.models import ChannelShare, Closure, OpeningRule, RosterEntry
from buergerbuero.core.channels import Channel
from buergerbuero.core.demo import DemoCity

T = dt.time
# The usual week (weekdays, from, to, kind, label; counter numbers, weekdays, from, to) – the planner benchmark's
# office (bench/planner.py); the demo office has it from May until the vacancies (`opening`, `roster`).
OPENING = [
    ("01234", T(8, 0), T(12, 0), OpeningRule.Kind.APPOINTMENTS, ""),
    ("013", T(14, 0), T(16, 0), OpeningRule.Kind.APPOINTMENTS, ""),
    ("3", T(16, 0), T(19, 30), OpeningRule.Kind.APPOINTMENTS, "Serviceabend"),
    ("2", T(12, 0), T(13, 0), OpeningRule.Kind.WALK_IN, "Offene Sprechstunde"),
]
ROSTER = [
    (range(1, 7), "01234", T(8, 0), T(12, 0)),
    (range(1, 5), "013", T(14, 0), T(16, 0)),
    (range(1, 4), "3", T(16, 0), T(19, 30)),
    (range(5, 7), "2", T(12, 0), T(13, 0)),
]
SHORT_STAFFED_DAYS = 35  # this year's vacancies began this many days before the load day
LABELS_EN = {
    "Serviceabend": "Service evening",
    "Offene Sprechstunde": "Walk-in hours",
    "Zusätzliche Nachmittage": "Extra afternoons",
}
SHARES = {Channel.WEB: 70, Channel.PARTNER: 15, Channel.COUNTER: 15}


@dataclasses.dataclass(frozen=True)
class Story:
    """The dated periods of the demo calendar (see the module docstring)."""

    extra_from: dt.date  # afternoons on all weekdays …
    extra_to: dt.date  # … until then
    short_from: dt.date  # mornings only again (vacancies) from then


def story(today: dt.date) -> Story:
    year = today.year
    short_from = max(today - dt.timedelta(days=SHORT_STAFFED_DAYS), dt.date(year, 5, 15))
    return Story(extra_from=dt.date(year, 1, 7), extra_to=dt.date(year, 4, 30), short_from=short_from)


def opening(today: dt.date) -> list[tuple[str, dt.time, dt.time, str, str, dt.date | None, dt.date | None]]:
    """weekdays, from, to, kind, label, valid from, valid to"""
    s = story(today)
    usual_to = s.short_from - dt.timedelta(days=1)
    return [
        ("01234", T(8, 0), T(12, 0), OpeningRule.Kind.APPOINTMENTS, "", None, None),
        (
            "01234",
            T(14, 0),
            T(16, 0),
            OpeningRule.Kind.APPOINTMENTS,
            "Zusätzliche Nachmittage",
            s.extra_from,
            s.extra_to,
        ),
        ("013", T(14, 0), T(16, 0), OpeningRule.Kind.APPOINTMENTS, "", s.extra_to + dt.timedelta(days=1), usual_to),
        ("3", T(16, 0), T(19, 30), OpeningRule.Kind.APPOINTMENTS, "Serviceabend", s.extra_from, usual_to),
        ("2", T(12, 0), T(13, 0), OpeningRule.Kind.WALK_IN, "Offene Sprechstunde", None, None),
    ]


def roster(today: dt.date) -> list[tuple[range, str, dt.time, dt.time, dt.date | None, dt.date | None]]:
    """counter numbers, weekdays, from, to, valid from, valid to (the opening rules decide when afternoons are open)"""
    s = story(today)
    return [
        (range(1, 7), "01234", T(8, 0), T(12, 0), None, None),
        (range(1, 5), "01234", T(14, 0), T(16, 0), None, None),
        (range(5, 7), "01234", T(14, 0), T(16, 0), s.extra_from, s.extra_to),
        (range(1, 4), "3", T(16, 0), T(19, 30), None, None),
        (range(5, 7), "2", T(12, 0), T(13, 0), None, None),
    ]


def closures_between_the_years(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    return [(dt.date(year, 12, 24), dt.date(year, 12, 31)) for year in (today.year - 1, today.year)]


def load(city: DemoCity) -> None:
    office = city.objects["office"]
    for weekdays, start, end, kind, label, valid_from, valid_to in opening(city.today):
        if valid_from and valid_to and valid_to < valid_from:
            continue  # a period the load day leaves empty (early in the year)
        rule = OpeningRule(
            office=office,
            weekdays=weekdays,
            start_time=start,
            end_time=end,
            kind=kind,
            label=label,
            valid_from=valid_from,
            valid_to=valid_to,
        )
        rule.label_en = LABELS_EN.get(label, "")
        services.save_validated(
            rule,
            services.validate_opening_rule,
        )
    for first, last in closures_between_the_years(city.today):
        services.save_validated(
            Closure(office=office, start_date=first, end_date=last, reason="Rathausschließung zwischen den Jahren"),
            services.validate_closure,
        )
    counters = {c.number: c for c in city.objects["counters"]}
    for numbers, weekdays, start, end, valid_from, valid_to in roster(city.today):
        for number in numbers:
            entry = RosterEntry(
                counter=counters[number],
                weekdays=weekdays,
                start_time=start,
                end_time=end,
                valid_from=valid_from,
                valid_to=valid_to,
            )
            services.save_validated(
                entry,
                services.validate_roster_entry,
            )
    for channel, percent in SHARES.items():
        services.save_validated(
            ChannelShare(office=office, channel=channel, percent=percent), services.validate_channel_share
        )
