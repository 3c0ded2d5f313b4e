"""The capacity engine: opening rules × roster − closures − holidays, on plain data (no database)."""

import datetime as dt

from buergerbuero.capacity import rules

T = dt.time
BERLIN = "Europe/Berlin"


def recurrence(weekdays="01234", start=T(8), end=T(12), **kw):
    return rules.Recurrence(frozenset(int(c) for c in weekdays), start, end, **kw)


def calendar(*, opening=None, roster=None, closures=(), holidays=None):
    opening = opening or [rules.OpeningRule(recurrence())]
    roster = roster or [rules.RosterEntry(lane=1, order=1, recurrence=recurrence())]
    return rules.OfficeCalendar(BERLIN, tuple(opening), tuple(closures), holidays or {}, tuple(roster))


def test_service_evening_is_just_a_rule():
    thursday = dt.date(2026, 12, 3)
    cal = calendar(
        opening=[
            rules.OpeningRule(recurrence()),
            rules.OpeningRule(recurrence("3", T(16), T(19, 30)), label="Serviceabend"),
        ],
        roster=[
            rules.RosterEntry(1, 1, recurrence()),
            rules.RosterEntry(1, 1, recurrence("3", T(16), T(19, 30))),
        ],
    )
    plan = rules.day_plan(cal, thursday)
    assert [(w.start, w.end) for w in plan.windows] == [(8 * 60, 12 * 60), (16 * 60, 19 * 60 + 30)]
    assert plan.labels == ((16 * 60, 19 * 60 + 30, "Serviceabend"),)
    wednesday = rules.day_plan(cal, thursday - dt.timedelta(days=1))
    assert [(w.start, w.end) for w in wednesday.windows] == [(480, 720)]


def test_roster_is_cut_to_opening_hours_and_unstaffed_counters_offer_nothing():
    cal = calendar(
        opening=[rules.OpeningRule(recurrence(start=T(9), end=T(12)))],
        roster=[rules.RosterEntry(1, 1, recurrence(start=T(8), end=T(10)))],
    )
    plan = rules.day_plan(cal, dt.date(2026, 12, 1))
    assert [(w.lane, w.start, w.end) for w in plan.windows] == [(1, 540, 600)]
    assert rules.offered_minutes(plan) == 60


def test_holiday_and_closure_close_the_day_with_a_reason():
    cal = calendar(
        closures=[rules.Closure(dt.date(2026, 12, 24), dt.date(2026, 12, 31), "Rathausschließung zwischen den Jahren")],
        holidays={dt.date(2026, 12, 25): "Erster Weihnachtstag"},
    )
    assert rules.day_plan(cal, dt.date(2026, 12, 25)).closed_reason == "Erster Weihnachtstag"
    closed = rules.day_plan(cal, dt.date(2026, 12, 28))
    assert closed.closed_reason == "Rathausschließung zwischen den Jahren"
    assert closed.windows == ()
    assert rules.day_plan(cal, dt.date(2027, 1, 4)).windows


def test_validity_and_every_second_week():
    rule = recurrence("0", valid_from=dt.date(2026, 11, 30), valid_to=dt.date(2026, 12, 31), every_n_weeks=2)
    mondays = [dt.date(2026, 11, 23) + dt.timedelta(weeks=i) for i in range(7)]
    assert [rule.applies(d) for d in mondays] == [False, True, False, True, False, True, False]


def test_dst_days_count_elapsed_minutes():
    """On the last Sunday of March 08:00 local is only 7 real hours after midnight; in October it is 9."""
    tz = rules.ZoneInfo(BERLIN)
    assert rules.elapsed_minutes(dt.date(2026, 3, 29), T(8), tz) == 7 * 60
    assert rules.elapsed_minutes(dt.date(2026, 10, 25), T(8), tz) == 9 * 60
    assert rules.elapsed_minutes(dt.date(2026, 10, 26), T(8), tz) == 8 * 60
    sunday = calendar(opening=[rules.OpeningRule(recurrence("6"))], roster=[rules.RosterEntry(1, 1, recurrence("6"))])
    plan = rules.day_plan(sunday, dt.date(2026, 3, 29))
    # Midnight is still CET (+01:00): the 08:00 CEST opening is 06:00 UTC.
    assert plan.midnight == dt.datetime(2026, 3, 28, 23, 0, tzinfo=dt.UTC)
    assert plan.midnight + dt.timedelta(minutes=plan.windows[0].start) == dt.datetime(2026, 3, 29, 6, tzinfo=dt.UTC)


def test_collisions_between_rules():
    assert rules.recurrences_collide(recurrence("01"), recurrence("1", T(11), T(13)))
    assert not rules.recurrences_collide(recurrence("01"), recurrence("1", T(12), T(13)))  # touching is fine
    assert not rules.recurrences_collide(recurrence("0"), recurrence("1"))
    a = recurrence("0", valid_from=dt.date(2026, 11, 30), every_n_weeks=2)
    b = recurrence("0", valid_from=dt.date(2026, 12, 7), every_n_weeks=2)
    assert not rules.recurrences_collide(a, b)  # alternating weeks
    assert rules.recurrences_collide(a, recurrence("0", valid_from=dt.date(2026, 12, 14), every_n_weeks=2))
    assert not rules.recurrences_collide(
        recurrence(valid_to=dt.date(2026, 1, 1)), recurrence(valid_from=dt.date(2026, 1, 2))
    )


def test_roster_outside_opening_hours_is_reported_per_weekday():
    opening = [recurrence("01234", T(8), T(12)), recurrence("3", T(14), T(19, 30))]
    assert rules.uncovered_weekdays(recurrence("3", T(14), T(18)), opening) == []
    assert rules.uncovered_weekdays(recurrence("23", T(14), T(18)), opening) == [2]
    assert rules.uncovered_weekdays(recurrence("0", T(7), T(12)), opening) == [0]
