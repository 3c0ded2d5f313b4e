"""Backtest arithmetic: does the planner predict the lead time that was then measured? (pure: no ORM)

The adapters (`calibration.backtest`) calibrate the model on the history up to a date D, simulate the
following weeks with the calendar as it actually was (opening rules, service evening, roster, closures,
holidays) and hand the result here together with the measured lead times (the KPI snapshots, one value per
day). Compared week by week:

* **realised**: the mean of the week's daily measured lead times (a day without a free appointment in the
  horizon counts as horizon + 1 days, as the engine counts it);
* **predicted**: per replication the mean of the engine's lead time over the *same* days, then the 10 %,
  50 % and 90 % quantile across the replications (the 80 % band).

The report: the median absolute error of the median prediction in days and the share of weeks whose realised
value lies inside the predicted 80 % band (goal: at least 75 %).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any

from buergerbuero.core.lazy import LazyModule
from buergerbuero.planning import engine

# The planner's pages show a backtest's verdict (report.py) without NumPy; a backtest run loads it (core/lazy.py).
if TYPE_CHECKING:
    import numpy as np
else:
    np = LazyModule("numpy", globals(), "np")

BAND = (0.1, 0.9)
COVERAGE_GOAL = 0.75
# The model's check on a city generated from known parameters (tests/planning/test_backtest.py, six draws,
# docs/planner.md "Backtest"): weeks inside the 80 % band, weeks compared, mean predicted − measured (days).
SYNTHETIC_CHECK = {"inside": 54, "weeks": 60, "bias": -0.06}


@dataclass(frozen=True, slots=True)
class Week:
    first: dt.date
    days: int  # days of the week with a measured value
    realised: float
    p10: float
    p50: float
    p90: float

    @property
    def inside(self) -> bool:
        return self.p10 <= self.realised <= self.p90

    @property
    def error(self) -> float:
        return self.p50 - self.realised


@dataclass(frozen=True)
class Backtest:
    at: dt.date  # calibrated on the history before this day; the simulation starts here
    weeks: tuple[Week, ...]
    replications: int

    @property
    def compared(self) -> int:
        return len(self.weeks)

    @property
    def median_abs_error(self) -> float | None:
        return float(np.median([abs(w.error) for w in self.weeks])) if self.weeks else None

    @property
    def bias(self) -> float | None:
        """Mean of predicted median − realised: > 0 the model predicts too long lead times."""
        return float(np.mean([w.error for w in self.weeks])) if self.weeks else None

    @property
    def coverage(self) -> float | None:
        return sum(w.inside for w in self.weeks) / len(self.weeks) if self.weeks else None

    @property
    def goal_met(self) -> bool:
        return self.coverage is not None and self.coverage >= COVERAGE_GOAL

    def as_dict(self) -> dict[str, Any]:
        """JSON-able (dates as ISO strings): what a run stores and the page shows."""
        return {
            "at": self.at.isoformat(),
            "replications": self.replications,
            "compared_weeks": self.compared,
            "median_abs_error": None if self.median_abs_error is None else round(self.median_abs_error, 1),
            "bias": None if self.bias is None else round(self.bias, 1),
            "coverage": None if self.coverage is None else round(self.coverage, 3),
            "goal": COVERAGE_GOAL,
            "goal_met": self.goal_met,
            "weeks": [
                {
                    **{k: round(v, 1) if isinstance(v, float) else v for k, v in asdict(w).items()},
                    "first": w.first.isoformat(),
                    "inside": w.inside,
                }
                for w in self.weeks
            ],
        }


def compare(result: engine.Result, measured: dict[dt.date, int | None], *, horizon_days: int, weeks: int) -> Backtest:
    """Week-by-week comparison of the simulated lead time with the measured daily values."""
    low, high = BAND
    out = []
    for week in range(weeks):
        first = result.start + dt.timedelta(days=7 * week)
        days = [i for i in range(7 * week, min(7 * week + 7, result.days)) if _day(result, i) in measured]
        if not days:
            continue
        values = [measured[_day(result, i)] for i in days]
        realised = float(np.mean([horizon_days + 1 if v is None else v for v in values]))
        per_replication = result.lead[:, days].mean(axis=1)
        p10, p50, p90 = (float(x) for x in np.quantile(per_replication, [low, 0.5, high]))
        out.append(Week(first=first, days=len(days), realised=realised, p10=p10, p50=p50, p90=p90))
    return Backtest(at=result.start, weeks=tuple(out), replications=result.replications)


def _day(result: engine.Result, index: int) -> dt.date:
    return result.start + dt.timedelta(days=index)
