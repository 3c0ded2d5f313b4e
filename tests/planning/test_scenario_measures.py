"""Scenario files: validation names the field; measures change the model as described and cost what they say."""

import dataclasses
import datetime as dt
import pathlib

import numpy as np
import pytest

from buergerbuero.planning import engine, measures, runner, scenario

START = dt.date(2027, 1, 4)  # Monday
EXAMPLE = pathlib.Path(__file__).resolve().parents[2] / "docs" / "examples" / "castrop-rauxel.toml"


def office(length=500) -> engine.OfficeModel:
    cap = engine.Capacity.uniform(START, 0.0, length=length)
    weekday = cap.weekdays()
    cap.day_minutes[weekday < 5] = 1440.0  # 6 counters × 4 hours, Mon–Fri
    cap.evening_minutes[weekday == 3] = 630.0
    cap.holiday[0] = True
    cap.day_minutes[0] = 0.0
    # a closure between the years: 3 working days closed
    for i in range(cap.length):
        day = START + dt.timedelta(days=i)
        if day.month == 12 and 28 <= day.day <= 31 and day.weekday() < 5:
            cap.closure_day_minutes[i] = 1440.0
            cap.day_minutes[i] = 0.0
            cap.year_end[i] = True
    services = (
        engine.ServiceDemand("personalausweis", "Personalausweis", 120.0, 22.0),
        engine.ServiceDemand("meldebescheinigung", "Meldebescheinigung", 40.0, 10.0),
    )
    return engine.OfficeModel(start=START, capacity=cap, services=services)


def test_example_scenario_file_is_valid():
    spec = scenario.loads(EXAMPLE.read_text(encoding="utf-8"))
    assert spec.office == "castrop-rauxel"
    assert {m.kind for m in spec.measures} >= {"service_evening", "pre_application", "partner_call_center"}


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            'name = "x"\noffice = "o"\n[[measures]]\nkind = "service_evening"\nweekday = 1\ncounters = 0',
            "measures[0].counters",
        ),
        ('name = "x"\noffice = "o"\n[[measures]]\nkind = "service_evening"\nweekday = 6', "measures[0].weekday"),
        ('name = "x"\noffice = "o"\n[[measures]]\nkind = "teleport"', "measures[0]"),
        ('name = "x"\noffice = "o"\n[run]\nreplications = -5', "run.replications"),
        ('name = "x"\noffice = "o"\n[target]\nlead_dais = 28', "target.lead_dais"),
        ('name = "x"\noffice = "o"\n[assumptions]\nseason = [1, 1]', "assumptions.season"),
        ('office = "o"', "name"),
        (
            'name = "x"\noffice = "o"\n[[measures]]\nkind = "service_evening"\nweekday = 1\n'
            "start = 19:00:00\nend = 18:00:00",
            "measures[0]",
        ),
    ],
)
def test_bad_values_get_a_message_naming_the_field(text, field):
    with pytest.raises(scenario.ScenarioError) as info:
        scenario.loads(text)
    assert field in [path for path, _msg in info.value.messages]


def test_broken_toml_is_reported_not_raised_raw():
    with pytest.raises(scenario.ScenarioError, match="TOML"):
        scenario.loads("name = ")


def test_service_evening_adds_minutes_on_open_weekdays_only_and_costs_staff_hours():
    base = office()
    evening = measures.ServiceEvening(weekday=1, start=dt.time(15), end=dt.time(19, 30), counters=2)
    changed = evening.apply(base)
    tuesdays = (base.capacity.weekdays() == 1) & (base.capacity.total() > 0)
    added = changed.capacity.total() - base.capacity.total()
    assert set(np.unique(added[tuesdays])) == {540.0}  # 2 counters × 4.5 h
    assert (added[~tuesdays] == 0).all()
    assert changed.capacity.evening_minutes[tuesdays][0] - base.capacity.evening_minutes[tuesdays][0] == 420.0
    year = int(tuesdays[:365].sum())
    assert evening.cost(base, measures.Costs(staff_hour_eur=50)) == pytest.approx(year * 9 * 50)


def test_year_end_closure_off_or_shorter_reopens_the_closed_days():
    base = office()
    closed = int(base.capacity.year_end.sum())
    assert closed == 4
    opened = measures.YearEndClosure(closed_days=0).apply(base)
    assert not opened.capacity.year_end.any()
    assert opened.capacity.total().sum() - base.capacity.total().sum() == 4 * 1440.0
    shorter = measures.YearEndClosure(closed_days=1).apply(base)
    assert int(shorter.capacity.year_end.sum()) == 1
    assert measures.YearEndClosure(closed_days=0).cost(base, measures.Costs(staff_hour_eur=60)) == pytest.approx(
        4 * 24 * 60
    )


def test_demand_and_handling_time_measures():
    base = office()
    pre = measures.PreApplication(service="personalausweis", minutes=10, uptake=0.5, per_case_eur=1.0).apply(base)
    assert pre.services[0].booked_minutes == pytest.approx(16.0)
    online = measures.OnlineOnly(service="meldebescheinigung", share=0.75).apply(base)
    assert online.services[1].per_week == pytest.approx(10.0)
    partner = measures.PartnerCallCenter(freed_hours_per_week=24, avoided_visits=0.1).apply(base)
    assert partner.demand_scale == pytest.approx(0.9)
    assert partner.channel_split[1] == 0.0
    weekly = base.capacity.day_minutes[:365].sum() / (365 / 7)
    assert partner.capacity.day_minutes[:365].sum() / (365 / 7) - weekly == pytest.approx(24 * 60)
    share = measures.OnlineShare(percent=85).apply(base)
    assert share.web_share == 0.85 and share.capacity.web_fraction is None
    with pytest.raises(ValueError):
        measures.OnlineOnly(service="unknown").apply(base)


def test_optimiser_picks_the_cheapest_combination_that_meets_the_target():
    base = dataclasses.replace(
        office(), initial_booked=np.tile([[[1440.0, 0.0]]], (2, 40, 1)) * np.array([1, 0])[:, None, None]
    )
    spec = scenario.validate(
        {
            "name": "opt",
            "office": "o",
            "run": {"months": 6, "replications": 20, "optimise_replications": 20},
            "target": {"lead_days": 28, "strict_lead_days": 14, "reach_within_months": 2},
            "assumptions": {"demand_scale": 1.3},
            "measures": [
                {"kind": "extra_staff", "hours_per_week": 60, "optimise": True, "enabled": False},
                {"kind": "extra_staff", "hours_per_week": 10, "optimise": True, "enabled": False, "group": "s"},
                {"kind": "extra_staff", "hours_per_week": 20, "optimise": True, "enabled": False, "group": "s"},
            ],
        }
    )
    assert len(runner.combinations(spec)) == 2 * 3
    result = runner.optimise(base, spec)
    costs = [c["cost_eur"] for c in result["candidates"]]
    assert costs == sorted(costs)
    feasible = [c for c in result["candidates"] if c["tail_lead"] <= 28]
    assert result["choice"] == min(feasible, key=lambda c: c["cost_eur"])
    assert result["detail"]["replications"] == 20
    too_many = spec.model_copy(update={"run": spec.run.model_copy(update={"max_combinations": 3})})
    with pytest.raises(scenario.ScenarioError, match="max_combinations"):
        runner.combinations(too_many)


def _run(months: int, measure) -> dict:
    spec = scenario.validate(
        {
            "name": "kosten",
            "office": "o",
            "run": {"months": months, "replications": 2},
            "costs": {"staff_hour_eur": 50},
            "measures": [measure],
        }
    )
    return runner.run(office(), spec)


def test_every_measure_is_annualised_the_same_way_whatever_the_scenario_period():
    evening = {"kind": "service_evening", "weekday": 1, "start": "16:00:00", "end": "19:30:00", "counters": 2}
    half, whole = _run(6, evening), _run(12, evening)
    # 2027-01-05 … 2028-01-03: 52 Tuesdays, the one on 28 Dec closed between the years → 51 × 2 × 3.5 h × 50 €
    assert half["cost_eur"] == whole["cost_eur"] == 17_850
    # 6 months = 183 days (4 Jan … 5 Jul 2027): the 26 Tuesdays 5 Jan … 29 Jun
    assert half["period_cost_eur"] == 26 * 2 * 3.5 * 50
    assert whole["period_cost_eur"] == 17_850

    staff = {"kind": "extra_staff", "hours_per_week": 10, "fixed_eur": 730}
    half, whole = _run(6, staff), _run(12, staff)
    assert half["cost_eur"] == whole["cost_eur"] == round(10 * 365 / 7 * 50 + 730)
    assert half["period_cost_eur"] == round(10 * 183 / 7 * 50 + 730 * 183 / 365)
    assert half["cost_items"][0]["period_eur"] == half["period_cost_eur"]


def test_a_calendar_shorter_than_a_year_is_scaled_up_to_a_year():
    short = office(length=200)
    assert measures.ExtraStaff(hours_per_week=7).cost(short, measures.Costs(staff_hour_eur=10)) == pytest.approx(3650)


def _balanced_web_office(**changes) -> engine.OfficeModel:
    """Web demand equals the web daytime capacity, a waitlist of 3,000 minutes, no evening opening yet;
    half of the counters' daytime minutes are bookable online (the live lane split)."""
    horizon = 7
    cap = engine.Capacity.uniform(START, 1000 / 7, length=500)
    fraction = np.zeros((cap.length, 2))
    fraction[:, 0] = 0.5
    cap = dataclasses.replace(cap, web_fraction=fraction)
    booked = np.zeros((2, horizon + 2, 2))
    booked[0, 1:, 0] = 500 / 7  # the web daytime minutes of the horizon are taken
    base = engine.OfficeModel(
        start=START,
        capacity=cap,
        services=(engine.ServiceDemand("x", "x", per_week=500.0, booked_minutes=1.0),),
        channel_split=(1.0, 0.0, 0.0),
        web_share=0.5,
        evening_preference=0.0,
        cancellation_rate=0.0,
        no_show_rate=0.0,
        horizon_days=horizon,
        reference_minutes=1e-6,
        initial_booked=booked,
        initial_waitlist=3000.0,
        lane_web_shares=(0.0, 1.0, 0.5),  # of 2 new counters, 1 is a web lane
    )
    return dataclasses.replace(base, **changes)


def _weekly_decline(model: engine.OfficeModel) -> list[float]:
    waitlist = engine.simulate(model, days=70, deterministic=True).waitlist[0]
    return [round(float(waitlist[7 * k] - waitlist[7 * (k + 1)]), 6) for k in range(2, 6)]


def test_a_new_service_evening_gets_the_offices_channel_split_and_shortens_the_online_wait():
    base = _balanced_web_office()
    assert _weekly_decline(base) == [0.0] * 4  # balanced: the backlog B(t+1) = B(t) + D − C stays
    evening = measures.ServiceEvening(weekday=1, start=dt.time(16), end=dt.time(19, 30), counters=2)
    # 2 counters × 210 min on Tuesdays, one of the two lanes online: the backlog falls by 210 min a week
    assert _weekly_decline(evening.apply(base)) == [210.0] * 4
    set_share = evening.model_copy(update={"web_percent": 70.0})
    assert _weekly_decline(set_share.apply(base)) == [294.0] * 4
    tuesday = np.flatnonzero(base.capacity.weekdays() == 1)[0]
    pools = engine.pool_capacity(evening.apply(base), 400)
    assert pools[engine.WEB, tuesday, engine.EVENING] == pytest.approx(210.0)
    assert pools[engine.ASSISTED, tuesday, engine.EVENING] == pytest.approx(210.0)
