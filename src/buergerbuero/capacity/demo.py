"""The demo office's opening hours (with the Thursday service evening), closures, roster and channel shares."""

import datetime as dt

from buergerbuero.capacity import services
from buergerbuero.capacity.models import ChannelShare, Closure, OpeningRule, RosterEntry
from buergerbuero.core.channels import Channel
from buergerbuero.core.demo import DemoCity

T = dt.time
# weekdays, from, to, kind, label
OPENING = [
    ("01234", T(8, 0), T(12, 0), OpeningRule.Kind.APPOINTMENTS, ""),
    ("013", T(14, 0), T(16, 0), OpeningRule.Kind.APPOINTMENTS, ""),
    ("3", T(16, 0), T(19, 30), OpeningRule.Kind.APPOINTMENTS, "Serviceabend"),
    ("2", T(12, 0), T(13, 0), OpeningRule.Kind.WALK_IN, "Offene Sprechstunde"),
]
LABELS_EN = {"Serviceabend": "Service evening", "Offene Sprechstunde": "Walk-in hours"}
# counter numbers, weekdays, from, to
ROSTER = [
    (range(1, 7), "01234", T(8, 0), T(12, 0)),
    (range(1, 5), "013", T(14, 0), T(16, 0)),
    (range(1, 4), "3", T(16, 0), T(19, 30)),
    (range(5, 7), "2", T(12, 0), T(13, 0)),
]
SHARES = {Channel.WEB: 70, Channel.PARTNER: 15, Channel.COUNTER: 15}


def closures_between_the_years(today: dt.date) -> list[tuple[dt.date, dt.date]]:
    return [(dt.date(year, 12, 24), dt.date(year, 12, 31)) for year in (today.year - 1, today.year)]


def load(city: DemoCity) -> None:
    office = city.objects["office"]
    for weekdays, start, end, kind, label in OPENING:
        rule = OpeningRule(office=office, weekdays=weekdays, start_time=start, end_time=end, kind=kind, label=label)
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
    for numbers, weekdays, start, end in ROSTER:
        for number in numbers:
            services.save_validated(
                RosterEntry(counter=counters[number], weekdays=weekdays, start_time=start, end_time=end),
                services.validate_roster_entry,
            )
    for channel, percent in SHARES.items():
        services.save_validated(
            ChannelShare(office=office, channel=channel, percent=percent), services.validate_channel_share
        )
