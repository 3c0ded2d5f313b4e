"""The planner predicts the demo city: its history is left by a booking process (booking/demo_history.py) on the
calendar as it was, so a backtest on it must meet the goal as on the synthetic city (loads the demo: ~10 s)."""

import datetime as dt

import pytest
import time_machine
from django.core.management import call_command
from django.utils import timezone

from buergerbuero.catalog.models import Office
from buergerbuero.planning import backtest, calibration

pytestmark = pytest.mark.django_db

# The day the numbers of docs/planner.md ("Demo city") were measured; the story's periods depend on the load day.
STORY_DAY = dt.datetime(2026, 12, 2, 11, 0, tzinfo=dt.UTC)


@time_machine.travel(STORY_DAY, tick=True)
def test_the_planner_predicts_the_demo_city_from_its_history():
    call_command("load_demo")
    office = Office.objects.get()
    at = calibration.backtest_start(timezone.localdate())
    result = calibration.backtest(office, at=at, replications=300, seed=0)
    assert result.compared == calibration.BACKTEST_WEEKS
    # The weeks compared climb from ~3 to ~7 weeks (vacancies since autumn, then this year's closure in view).
    assert result.weeks[-1].realised > result.weeks[0].realised + 20
    assert result.goal_met and result.coverage >= backtest.COVERAGE_GOAL
    assert result.median_abs_error <= 2.0
    assert abs(result.bias) <= 2.0
