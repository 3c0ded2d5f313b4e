"""The availability engine on plain data: lanes, skills, channel shares, claims, notice, horizon, DST."""

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from buergerbuero.booking import availability as av
from buergerbuero.capacity import rules

T = dt.time
MONDAY = dt.date(2026, 12, 7)
UTC = dt.UTC


def plan(day=MONDAY, windows=((1, 1, 480, 720, None),), closed=None):
    tz = rules.ZoneInfo("Europe/Berlin")
    midnight = rules.local_midnight(day, tz).astimezone(UTC)
    end = rules.local_midnight(day + dt.timedelta(days=1), tz).astimezone(UTC)
    lanes = tuple(rules.LaneWindow(lane, order, s, e, sk) for lane, order, s, e, sk in windows)
    return rules.DayPlan(day, midnight, end, lanes, closed)


def day_times(p, busy, req):
    """Free times of one day from claimed intervals (the two engine steps together)."""
    return av.free_times_for_day(p, av.busy_masks(p, busy, req.slot_minutes), req)


def request(units=2, channel="web", shares=(), services=frozenset({1}), not_before=None, last_day=None):
    return av.Request(
        service_ids=services,
        units=units,
        slot_minutes=10,
        channel=channel,
        shares=shares,
        not_before=not_before or dt.datetime(2000, 1, 1, tzinfo=UTC),
        last_day=last_day or dt.date(2100, 1, 1),
    )


def local(day, hour, minute=0):
    return dt.datetime.combine(day, T(hour, minute), tzinfo=rules.ZoneInfo("Europe/Berlin"))


def starts(times):
    return [t.start.astimezone(rules.ZoneInfo("Europe/Berlin")).strftime("%H:%M") for t in times]


def test_a_20_minute_service_fits_until_20_minutes_before_closing():
    times = day_times(plan(), [], request(units=2))
    assert starts(times)[0] == "08:00"
    assert starts(times)[-1] == "11:40"
    assert len(times) == 23


def test_claims_block_exactly_their_units():
    busy = [av.Busy(1, local(MONDAY, 8, 10), local(MONDAY, 8, 30))]
    times = starts(day_times(plan(), busy, request(units=2)))
    assert "08:00" not in times  # would need 08:00–08:20, 08:10 is taken
    assert "08:10" not in times and "08:20" not in times
    assert "08:30" in times


def test_two_lanes_report_which_counters_fit():
    p = plan(windows=((1, 1, 480, 720, None), (2, 2, 480, 720, None)))
    busy = [av.Busy(1, local(MONDAY, 8), local(MONDAY, 9))]
    first = day_times(p, busy, request(units=2))[0]
    assert first.lanes == (2,)
    assert day_times(p, [], request(units=2))[0].lanes == (1, 2)


def test_skills_restrict_lanes():
    p = plan(windows=((1, 1, 480, 720, frozenset({2})), (2, 2, 480, 720, None)))
    assert day_times(p, [], request(services=frozenset({1})))[0].lanes == (2,)
    assert day_times(p, [], request(services=frozenset({2})))[0].lanes == (1, 2)
    assert day_times(p, [], request(services=frozenset({1, 2})))[0].lanes == (2,)


def test_channel_shares_partition_counters_by_number():
    windows = tuple((lane, lane, 480, 720, None) for lane in range(1, 7))
    shares = (("web", 70), ("partner", 15), ("counter", 15))
    web = day_times(plan(windows=windows), [], request(shares=shares))[0].lanes
    partner = day_times(plan(windows=windows), [], request(shares=shares, channel="partner"))[0].lanes
    counter = day_times(plan(windows=windows), [], request(shares=shares, channel="counter"))[0].lanes
    assert (web, partner, counter) == ((1, 2, 3, 4), (5,), (6,))
    assert day_times(plan(windows=windows), [], request(shares=shares, channel="phone")) == []


def test_channel_slice_covers_every_lane_once_when_shares_add_to_100():
    shares = (("web", 60), ("partner", 25), ("phone", 5), ("counter", 10))
    for n in range(0, 15):
        taken = []
        for channel in av.CHANNEL_ORDER:
            low, high = av.channel_slice(n, shares, channel)
            taken.extend(range(low, high))
        assert taken == list(range(n))


def test_minimum_notice_and_horizon():
    not_before = local(MONDAY, 10, 5)
    assert starts(day_times(plan(), [], request(not_before=not_before)))[0] == "10:10"
    assert day_times(plan(), [], request(last_day=MONDAY - dt.timedelta(days=1))) == []


def test_closed_day_has_no_times():
    assert day_times(plan(closed="Neujahr"), [], request()) == []


def test_earliest_skips_full_days_and_stops_at_the_first_free_time():
    days = [plan(MONDAY + dt.timedelta(days=i)) for i in range(3)]
    busy = [
        av.Busy(1, local(MONDAY, 8), local(MONDAY, 12)),
        av.Busy(1, local(MONDAY + dt.timedelta(1), 8), local(MONDAY + dt.timedelta(1), 11, 50)),
    ]
    taken = av.masks_by_day(days, busy, 10)
    hit = av.earliest(days, taken, request(units=2))
    assert hit.start == local(MONDAY + dt.timedelta(days=2), 8)
    assert av.earliest(days, taken, request(units=1)).start == local(MONDAY + dt.timedelta(days=1), 11, 50)


def test_free_times_assigns_claims_to_their_own_day():
    days = [plan(MONDAY + dt.timedelta(days=i)) for i in range(2)]
    busy = [av.Busy(1, local(MONDAY + dt.timedelta(days=1), 8), local(MONDAY + dt.timedelta(days=1), 12))]
    result = av.free_times(days, av.masks_by_day(days, busy, 10), request())
    assert len(result[MONDAY]) == 23
    assert result[MONDAY + dt.timedelta(days=1)] == []


def test_dst_sunday_times_are_correct_local_times():
    spring = dt.date(2026, 3, 29)  # 02:00 → 03:00
    tz = rules.ZoneInfo("Europe/Berlin")
    cal = rules.OfficeCalendar(
        "Europe/Berlin",
        (rules.OpeningRule(rules.Recurrence(frozenset({6}), T(1), T(5))),),
        roster=(rules.RosterEntry(1, 1, rules.Recurrence(frozenset({6}), T(1), T(5))),),
    )
    times = day_times(rules.day_plan(cal, spring), [], request(units=6))
    local_starts = [t.start.astimezone(tz).strftime("%H:%M") for t in times]
    # 01:00–05:00 local on that day is only 3 real hours: a one-hour service fits 01:00 … 04:00.
    assert local_starts[0] == "01:00"
    assert local_starts[-1] == "04:00"
    assert len(times) == 13
    assert all(t.start.minute % 10 == 0 for t in times)


def test_release_time_opens_the_next_day_of_the_horizon():
    tz = rules.ZoneInfo("Europe/Berlin")
    before = dt.datetime(2026, 12, 7, 6, 59, tzinfo=tz)
    after = dt.datetime(2026, 12, 7, 7, 0, tzinfo=tz)
    assert av.last_bookable_day(before, 56, T(7), tz) == dt.date(2026, 12, 7) + dt.timedelta(days=55)
    assert av.last_bookable_day(after, 56, T(7), tz) == dt.date(2026, 12, 7) + dt.timedelta(days=56)


lane_windows = st.lists(
    st.tuples(
        st.integers(1, 4),  # lane
        st.integers(0, 6 * 12),  # start, in 10-minute units from 08:00
        st.integers(1, 6 * 12),  # length
        st.sampled_from([None, frozenset({1}), frozenset({2}), frozenset({1, 2})]),
    ),
    max_size=6,
)


@given(
    windows=lane_windows,
    claims=st.lists(st.tuples(st.integers(1, 4), st.integers(0, 6 * 12), st.integers(1, 12)), max_size=10),
    units=st.integers(1, 6),
    notice=st.integers(0, 6 * 12),
    shares=st.sampled_from([(), (("web", 50), ("phone", 50)), (("web", 34), ("partner", 33), ("phone", 33))]),
)
def test_first_free_is_the_first_of_the_full_list(windows, claims, units, notice, shares):
    """The earliest search takes a shortcut per day; it must answer exactly what the full list starts with."""
    p = plan(windows=[(lane, lane, 480 + 10 * s, 480 + 10 * (s + n), sk) for lane, s, n, sk in windows])
    busy = [
        av.Busy(
            lane, local(MONDAY, 8) + dt.timedelta(minutes=10 * s), local(MONDAY, 8) + dt.timedelta(minutes=10 * (s + n))
        )
        for lane, s, n in claims
    ]
    req = request(units=units, shares=shares, not_before=local(MONDAY, 8) + dt.timedelta(minutes=10 * notice))
    taken = av.busy_masks(p, busy, req.slot_minutes)
    full = av.free_times_for_day(p, taken, req)
    assert av.first_free_for_day(p, taken, req) == (full[0] if full else None)
    assert av.first_free_for_day(p, taken, req, memo={}) == av.first_free_for_day(p, taken, req)


@given(
    windows=lane_windows,
    units=st.integers(1, 6),
    notice=st.integers(0, 6 * 12),
    at=st.integers(-6, 6 * 14),
    minutes=st.sampled_from([0, 0, 5]),
)
def test_lanes_for_one_start_match_the_day_list(windows, units, notice, at, minutes):
    """A booking checks only its own start; the lanes must be those the citizen's list offered for it."""
    p = plan(windows=[(lane, lane, 480 + 10 * s, 480 + 10 * (s + n), sk) for lane, s, n, sk in windows])
    req = request(units=units, not_before=local(MONDAY, 8) + dt.timedelta(minutes=10 * notice))
    start = (local(MONDAY, 8) + dt.timedelta(minutes=10 * at + minutes)).astimezone(UTC)
    offered = {t.start: t.lanes for t in av.free_times_for_day(p, {}, req)}
    assert av.lanes_for_start(p, req, start) == offered.get(start, ())
