"""Running scenarios and the optimiser on a calibrated office model (pure: no ORM).

`run` evaluates the scenario as written; `optimise` tries every allowed combination of the measures marked
`optimise = true` (at most one per `group`) with common random numbers, and picks the cheapest
combination whose p90 lead time stays within the target from `reach_within_months` on – once for the
target band (28 days) and once for the stricter goal (14 days). Results are plain JSON-able dicts.
"""

from __future__ import annotations

import datetime as dt
import itertools
import warnings
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from buergerbuero.planning import engine
from buergerbuero.planning.measures import CostItem, apply_all
from buergerbuero.planning.scenario import Scenario, ScenarioError

Progress = Callable[[float], None] | None


@dataclass(frozen=True, eq=False)
class Evaluation:
    measures: tuple
    model: engine.OfficeModel
    result: engine.Result
    cost_items: list[CostItem]

    @property
    def cost(self) -> float:
        """EUR per year."""
        return sum(c.per_year for c in self.cost_items)

    @property
    def period_cost(self) -> float:
        """EUR over the simulated period."""
        return sum(c.period for c in self.cost_items)


def reach_day(scenario: Scenario) -> int:
    return round(scenario.target.reach_within_months * 365.25 / 12)


def evaluate(
    base: engine.OfficeModel, scenario: Scenario, measures, *, replications: int, progress: Progress = None
) -> Evaluation:
    model = scenario.assumptions.apply(base)
    try:
        model, items = apply_all(model, measures, scenario.costs, days=scenario.run.days)
    except ValueError as exc:  # e.g. a measure names a service the office does not offer
        raise ScenarioError([("measures", str(exc))]) from None
    result = engine.simulate(
        model, days=scenario.run.days, replications=replications, seed=scenario.run.seed, progress=progress
    )
    return Evaluation(tuple(measures), model, result, items)


def _round(values: np.ndarray, digits: int = 1) -> list[float]:
    return [round(float(v), digits) for v in values]


def summarise(evaluation: Evaluation, scenario: Scenario) -> dict:
    """Daily bands, a monthly table and the headline numbers of one evaluated scenario."""
    result = evaluation.result
    target = scenario.target
    q = target.quantile
    lead10, lead50, lead90 = (result.band("lead", x) for x in (0.1, 0.5, q))
    backlog50 = result.band("backlog", 0.5)
    waitlist50 = result.band("waitlist", 0.5)
    with warnings.catch_warnings():  # closed days have no utilisation: NaN on purpose
        warnings.simplefilter("ignore", RuntimeWarning)
        util = np.nanmedian(np.where(result.open_day[None, :], result.utilisation, np.nan), axis=0)
    dates = result.dates()
    months = []
    keys = [d.strftime("%Y-%m") for d in dates]
    for key in dict.fromkeys(keys):
        idx = np.array([i for i, k in enumerate(keys) if k == key])
        open_idx = idx[result.open_day[idx]]
        months.append(
            {
                "month": key,
                "lead_p50": round(float(lead50[idx].mean()), 1),
                "lead_p90": round(float(lead90[idx].max()), 1),
                "backlog_hours": round(float(backlog50[idx].mean()) / 60.0, 0),
                "waitlist_hours": round(float(waitlist50[idx].mean()) / 60.0, 0),
                "utilisation": round(float(np.nanmean(util[open_idx])), 3) if open_idx.size else None,
                "requests": round(float(result.requests[:, idx].sum(axis=1).mean()), 0),
            }
        )
    reached = result.reached(target.lead_days, q)
    reached_strict = result.reached(target.strict_lead_days, q)
    return {
        "name": scenario.name,
        "start": result.start.isoformat(),
        "days": result.days,
        "replications": result.replications,
        "measures": [m.title() for m in evaluation.measures],
        "cost_items": [
            {"title": c.title, "eur": round(c.per_year, 0), "period_eur": round(c.period, 0)}
            for c in evaluation.cost_items
        ],
        "cost_eur": round(evaluation.cost, 0),
        "period_cost_eur": round(evaluation.period_cost, 0),
        "target_days": target.lead_days,
        "strict_days": target.strict_lead_days,
        "quantile": q,
        "reached": reached.isoformat() if reached else None,
        "reached_strict": reached_strict.isoformat() if reached_strict else None,
        "days_over_target": result.days_over(target.lead_days),
        "days_over_strict": result.days_over(target.strict_lead_days),
        "tail_lead": round(result.tail_lead(reach_day(scenario), q), 1),
        "lead_now_p50": round(float(lead50[0]), 1),
        "lead_end_p90": round(float(lead90[-1]), 1),
        "requests_per_year": round(float(result.requests.sum(axis=1).mean()) * 365 / result.days, 0),
        "walk_in": result.walk_in,
        "dates": [d.isoformat() for d in dates],
        "lead_p10": _round(lead10),
        "lead_p50": _round(lead50),
        "lead_p90": _round(lead90),
        "backlog_p50_hours": _round(backlog50 / 60.0, 0),
        "months": months,
    }


def run(base: engine.OfficeModel, scenario: Scenario, *, progress: Progress = None) -> dict:
    evaluation = evaluate(
        base, scenario, scenario.enabled_measures(), replications=scenario.run.replications, progress=progress
    )
    return summarise(evaluation, scenario)


def combinations(scenario: Scenario) -> list[tuple]:
    """Every allowed set of measures: fixed ones always, optimisable ones on/off, one per group at most."""
    fixed = [m for m in scenario.measures if m.enabled and not m.optimise]
    free = [m for m in scenario.measures if m.optimise]
    groups: dict[str, list] = {}
    choices: list[list] = []
    for m in free:
        if m.group:
            groups.setdefault(m.group, []).append(m)
        else:
            choices.append([None, m])
    choices.extend([None, *members] for members in groups.values())
    count = int(np.prod([len(c) for c in choices])) if choices else 1
    if count > scenario.run.max_combinations:
        raise ScenarioError(
            [
                (
                    "run.max_combinations",
                    f"{count} combinations of measures exceed the limit of "
                    f"{scenario.run.max_combinations}; use groups or fewer optimisable measures",
                )
            ]
        )
    out = []
    for pick in itertools.product(*choices):
        out.append((*fixed, *(m for m in pick if m is not None)))
    return out


def optimise(base: engine.OfficeModel, scenario: Scenario, *, progress: Progress = None) -> dict:
    combos = combinations(scenario)
    q = scenario.target.quantile
    start_day = reach_day(scenario)
    candidates: list[dict[str, Any]] = []
    for index, measures in enumerate(combos):
        evaluation = evaluate(base, scenario, measures, replications=scenario.run.optimise_replications)
        result = evaluation.result
        reached = result.reached(scenario.target.lead_days, q)
        reached_strict = result.reached(scenario.target.strict_lead_days, q)
        candidates.append(
            {
                "measures": [m.title() for m in measures],
                "index": index,
                "cost_eur": round(evaluation.cost, 0),
                "tail_lead": round(result.tail_lead(start_day, q), 1),
                "reached": reached.isoformat() if reached else None,
                "reached_strict": reached_strict.isoformat() if reached_strict else None,
                "days_over_target": result.days_over(scenario.target.lead_days),
            }
        )
        if progress is not None:
            progress(0.8 * (index + 1) / len(combos))
    candidates.sort(key=lambda c: (c["cost_eur"], c["tail_lead"]))
    best_lead = np.inf
    for c in candidates:  # Pareto front: no cheaper candidate reaches a lower lead time
        c["pareto"] = c["tail_lead"] < best_lead
        best_lead = min(best_lead, c["tail_lead"])
    choice = _cheapest(candidates, scenario.target.lead_days)
    strict = _cheapest(candidates, scenario.target.strict_lead_days)
    for c in candidates:
        c["feasible"] = c["tail_lead"] <= scenario.target.lead_days
        c["chosen"] = c is choice or c is strict
    detail = None
    if choice is not None:
        chosen = combos[choice["index"]]
        evaluation = evaluate(
            base,
            scenario,
            chosen,
            replications=scenario.run.replications,
            progress=None if progress is None else (lambda f: progress(0.8 + 0.2 * f)),
        )
        detail = summarise(evaluation, scenario)
    if progress is not None:
        progress(1.0)
    return {
        "candidates": candidates,
        "choice": choice,
        "strict_choice": strict,
        "detail": detail,
        "target_days": scenario.target.lead_days,
        "strict_days": scenario.target.strict_lead_days,
        "reach_from": (
            (dt.date.fromisoformat(detail["start"]) + dt.timedelta(days=start_day)).isoformat() if detail else None
        ),
    }


def _cheapest(candidates: list[dict], target: float) -> dict | None:
    feasible = [c for c in candidates if c["tail_lead"] <= target]
    return min(feasible, key=lambda c: (c["cost_eur"], c["tail_lead"])) if feasible else None
