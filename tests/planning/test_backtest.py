"""The backtest: calibrate on the history before a day, simulate the following weeks, compare with what was measured.

The city is synthetic (tests/planning/synthetic.py): generated request by request from known parameters, with a
closure three weeks before the backtest day, so the weeks compared show a backlog being worked off.
"""

import datetime as dt
import re

import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import timezone

from buergerbuero.accounts.models import StaffMembership
from buergerbuero.planning import backtest, calibration, engine, services
from buergerbuero.planning.models import PlanRun
from tests.planning import synthetic

AT = dt.date(2026, 3, 2)  # a Monday; the closure before it ends a week earlier
WEEKS = 10


def test_the_planner_predicts_a_synthetic_city_from_its_history(db):
    office = synthetic.build(at=AT, weeks=WEEKS)
    result = calibration.backtest(office, at=AT, weeks=WEEKS, replications=300, seed=1)
    assert result.compared == WEEKS
    # The backlog the closure left is worked off in the weeks compared: the prediction follows it.
    assert result.weeks[0].p50 > 2 * result.weeks[-1].p50
    # Thresholds of what the model reaches on this city, with margin (docs/planner.md, "Backtest"): median error
    # 0.7 days, 7 of 10 weeks inside the 80 % band – short of the 75 % goal: the band is too narrow and sits about
    # a day low at short lead times (see the docs for what the model lacks).
    assert result.median_abs_error <= 1.5
    assert result.coverage >= 0.5
    assert abs(result.bias) <= 1.5


def test_compare_counts_weeks_with_measurements_and_the_band(db):
    model = engine.OfficeModel(
        start=AT,
        capacity=engine.Capacity.uniform(AT, 100.0, length=120),
        services=(engine.ServiceDemand("x", "x", per_week=0.0, booked_minutes=20.0),),
        horizon_days=10,
    )
    result = engine.simulate(model, days=21, deterministic=True)  # empty book: the lead time is 1 day every day
    measured = {AT + dt.timedelta(days=i): 1 for i in range(7)}  # week 1: right
    measured |= {AT + dt.timedelta(days=7 + i): None for i in range(3)}  # week 2: no free time = horizon + 1
    out = backtest.compare(result, measured, horizon_days=10, weeks=3)
    assert [w.days for w in out.weeks] == [7, 3]  # week 3 has no measurement and is not counted
    assert [w.realised for w in out.weeks] == [1.0, 11.0]
    assert [w.inside for w in out.weeks] == [True, False]
    assert out.coverage == 0.5 and out.median_abs_error == pytest.approx(5.0) and out.bias == pytest.approx(-5.0)


@pytest.fixture
def recent_city(db):
    """The synthetic city with its backtest weeks just ended, and a manager of its organisation."""
    today = timezone.localdate()
    # eight weeks of history are enough for the pages and the command (the accuracy test above uses a year)
    params = synthetic.Parameters(history_days=56)
    office = synthetic.build(at=calibration.backtest_start(today), weeks=calibration.BACKTEST_WEEKS, params=params)
    user = get_user_model().objects.create_user(username="leitung", password="pw")
    StaffMembership.objects.create(user=user, organisation=office.organisation, role=StaffMembership.Role.MANAGER)
    return office, user


def test_backtest_runs_from_the_scenario_page_and_shows_on_the_planner_page(
    client, recent_city, django_capture_on_commit_callbacks
):
    office, manager = recent_city
    scenario = services.save_scenario(office=office, name="Heute", definition={"run": {"months": 1}}, user=manager)
    client.force_login(manager)
    assert "Rückblick" in client.get(reverse("planning:scenario", args=[scenario.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("planning:rerun", args=[scenario.pk]), {"kind": "backtest"})
    run = PlanRun.objects.get()
    assert run.kind == PlanRun.Kind.BACKTEST and run.status == PlanRun.Status.DONE
    assert run.result["backtest"]["compared_weeks"] == calibration.BACKTEST_WEEKS
    page = client.get(response["Location"]).content.decode()
    assert "Trifft der Planer die Wirklichkeit?" in page
    rows = re.findall(r"<tr><td>(\d\d\.\d\d\.\d{4})</td><td>(\d+,\d)</td>", page)  # German dates and decimals
    assert len(rows) == calibration.BACKTEST_WEEKS
    index = client.get(reverse("planning:index")).content.decode()
    assert "Treffsicherheit des Planers" in index and "Median des absoluten Fehlers" in index


def test_plan_backtest_prints_error_and_coverage(recent_city, capsys):
    office, _manager = recent_city
    call_command("plan", "--backtest", "--office", office.slug, "--replications", "50")
    out = capsys.readouterr().out
    assert "Median des absoluten Fehlers" in out and "80-%-Band" in out
    assert len(re.findall(r"^\d\d\.\d\d\.\d{4} ", out, flags=re.M)) == calibration.BACKTEST_WEEKS
    with pytest.raises(CommandError, match="--at"):
        call_command("plan", "--backtest", "--office", office.slug, "--at", timezone.localdate().isoformat())
    with pytest.raises(CommandError, match="office"):
        call_command("plan", "--backtest", "--office", "nirgendwo")
