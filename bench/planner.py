"""Planner benchmark: engine speed against a lean SimPy baseline of the same daily model, and agreement.

    .venv/bin/python -m bench.planner            # full run (writes nothing; paste into docs/benchmarks.md)
    .venv/bin/python -m bench.planner --quick    # fewer SimPy replications

The city is the demo city's calendar (opening rules with the Thursday service evening, 6 counters, NRW
holidays, closure between the years, channel shares 70/15/15) built with the live capacity rules, the
demo's service mix and handling times, demand at 97 % of capacity and six weeks already booked. `scale`
multiplies the counters and the demand: scale 3 gives the ~75,000 booking requests a year of the brief.
No database is needed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import time

import django

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
django.setup()

import numpy as np  # noqa: E402

from bench import planner_simpy  # noqa: E402
from buergerbuero.booking.demo import MIX  # noqa: E402
from buergerbuero.capacity import rules  # noqa: E402
from buergerbuero.capacity.demo import OPENING, ROSTER, SHARES, closures_between_the_years  # noqa: E402
from buergerbuero.capacity.selectors import public_holidays  # noqa: E402
from buergerbuero.catalog.demo import SERVICES  # noqa: E402
from buergerbuero.planning import calibration, engine  # noqa: E402

START = dt.date(2026, 11, 25)
DAYS = 365
HORIZON = 56


def demo_city(scale: int = 1, utilisation: float = 0.97) -> engine.OfficeModel:
    length = DAYS + HORIZON + 2
    last = START + dt.timedelta(days=length)
    roster = []
    for copy in range(scale):
        for numbers, weekdays, start, end in ROSTER:
            for number in numbers:
                recurrence = rules.Recurrence(frozenset(int(c) for c in weekdays), start, end)
                lane = copy * 100 + number
                roster.append(rules.RosterEntry(lane=lane, order=lane, recurrence=recurrence))
    calendar = rules.OfficeCalendar(
        timezone="Europe/Berlin",
        rules=tuple(
            rules.OpeningRule(rules.Recurrence(frozenset(int(c) for c in wd), a, b), str(kind), label)
            for wd, a, b, kind, label in OPENING
        ),
        closures=tuple(rules.Closure(a, b, "zwischen den Jahren") for a, b in closures_between_the_years(START)),
        holidays=public_holidays("NW", START, last),
        roster=tuple(roster),
    )
    shares = tuple((str(k), v) for k, v in SHARES.items())
    capacity = calibration.capacity_from_calendar(calendar, shares, START, length)
    minutes = {row[0]: row[4] for row in SERVICES}
    booked_minutes = {slug: minutes[slug] * 1.1 for slug in MIX}  # 10 % of bookings are for two persons
    weekly_capacity = capacity.total()[:DAYS].sum() / (DAYS / 7)
    mix_minutes = sum(MIX[s] * booked_minutes[s] for s in MIX) / sum(MIX.values())
    requests_per_week = utilisation * weekly_capacity / mix_minutes
    services = tuple(
        engine.ServiceDemand(slug, slug, requests_per_week * MIX[slug] / sum(MIX.values()), booked_minutes[slug])
        for slug in MIX
    )
    booked = np.zeros((2, HORIZON + 1, 2))
    pools = engine.pool_capacity(engine.OfficeModel(start=START, capacity=capacity, services=services), HORIZON + 1)
    booked[:, :43, :] = pools[:, :43, :]  # six weeks booked out, like the demo city today
    return engine.OfficeModel(
        start=START,
        capacity=capacity,
        services=services,
        channel_split=(0.7, 0.15, 0.15),
        weekday_assisted=(1, 1, 1, 1, 1, 0, 0),
        web_share=0.7,
        evening_preference=0.15,
        horizon_days=HORIZON,
        initial_booked=booked,
    )


def timed(fn, repeat: int = 1):
    """Best CPU time and best wall time of `repeat` calls (CPU time counts every thread of the process)."""
    best_cpu = best_wall = float("inf")
    out = None
    for _ in range(repeat):
        t, w = time.process_time(), time.perf_counter()
        out = fn()
        best_cpu = min(best_cpu, time.process_time() - t)
        best_wall = min(best_wall, time.perf_counter() - w)
    return best_cpu, best_wall, out


def agreement(engine_values: np.ndarray, simpy_values: np.ndarray) -> tuple[float, float, float, float]:
    """Means of both and the difference in units of its standard error."""
    a, b = engine_values.mean(), simpy_values.mean()
    se = np.sqrt(engine_values.var(ddof=1) / len(engine_values) + simpy_values.var(ddof=1) / len(simpy_values))
    return float(a), float(b), float(a - b), float(abs(a - b) / se) if se > 0 else 0.0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args()
    simpy_reps = 8 if args.quick else 20
    print(f"numpy {np.__version__}, {os.cpu_count()} CPUs visible, load average {os.getloadavg()[0]:.1f}")
    for scale in (1, 3):
        model = demo_city(scale)
        engine.simulate(model, days=DAYS, replications=10, seed=0)  # warm-up (imports, caches)
        one, one_wall, result = timed(lambda m=model: engine.simulate(m, days=DAYS, replications=1, seed=1), repeat=5)
        open_days = int(result.open_day.sum())
        requests = float(result.requests.sum())
        single, single_wall, _ = timed(
            lambda m=model: engine.simulate(m, days=DAYS, replications=1000, seed=2, threads=1), repeat=3
        )
        both, both_wall, mc = timed(
            lambda m=model: engine.simulate(m, days=DAYS, replications=1000, seed=2, threads=2), repeat=5
        )
        baseline, baseline_wall = [], []
        simpy_runs = []
        for r in range(simpy_reps):
            seconds, wall, out = timed(lambda m=model, r=r: planner_simpy.run(m, DAYS, seed=100 + r))
            baseline.append(seconds)
            baseline_wall.append(wall)
            simpy_runs.append(out)
        per_rep_simpy = statistics.median(baseline)
        per_rep_simpy_wall = statistics.median(baseline_wall)
        print(f"\n### demo city × {scale}: {open_days} opening days, {requests:,.0f} requests in the year")
        print(f"load average now {os.getloadavg()[0]:.1f}")
        print("| measure | engine CPU | engine wall (best) | lean SimPy CPU | SimPy wall | ratio CPU | ratio wall |")
        print("|---|---|---|---|---|---|---|")
        print(
            f"| one scenario-year (1 replication) | {one * 1000:.1f} ms | {one_wall * 1000:.1f} ms | "
            f"{per_rep_simpy * 1000:.1f} ms | {per_rep_simpy_wall * 1000:.1f} ms | {per_rep_simpy / one:.1f}× | "
            f"{per_rep_simpy_wall / one_wall:.1f}× |"
        )
        for label, cpu, wall in (("1 thread", single, single_wall), ("2 threads", both, both_wall)):
            print(
                f"| 1,000 replications, {label} | {cpu:.3f} s | {wall:.3f} s | {per_rep_simpy * 1000:.1f} s (×1,000) | "
                f"{per_rep_simpy_wall * 1000:.1f} s (×1,000) | {per_rep_simpy * 1000 / cpu:.0f}× | "
                f"{per_rep_simpy_wall * 1000 / wall:.0f}× |"
            )
        lead_s = np.array([o["lead"] for o in simpy_runs])
        backlog_s = np.array([o["backlog"] for o in simpy_runs])
        print(f"\nAgreement (engine {mc.replications} replications, SimPy {simpy_reps}; |Δ|/SE < 3 passes):")
        print("| quantity | engine | SimPy | Δ | Δ/SE |")
        print("|---|---|---|---|---|")
        checks = [
            ("mean lead time over the year (days)", mc.lead.mean(axis=1), lead_s.mean(axis=1)),
            ("lead time on day 30", mc.lead[:, 30], lead_s[:, 30]),
            ("lead time on day 120", mc.lead[:, 120], lead_s[:, 120]),
            ("lead time on day 300", mc.lead[:, 300], lead_s[:, 300]),
            ("mean backlog (hours)", mc.backlog.mean(axis=1) / 60, backlog_s.mean(axis=1) / 60),
        ]
        for name, a, b in checks:
            ea, eb, delta, z = agreement(a, b)
            print(f"| {name} | {ea:.2f} | {eb:.2f} | {delta:+.2f} | {z:.1f} |")


if __name__ == "__main__":
    main()
