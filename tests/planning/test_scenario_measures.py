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
