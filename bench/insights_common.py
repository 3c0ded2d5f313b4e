"""Shared set-up for the insights benchmarks: Django on a throw-away SQLite file with the demo city loaded."""

import statistics
import time

from bench.common import setup_demo_city


def setup_demo() -> None:
    """Django with the demo city loaded once (kept between runs via BENCH_VAR_DIR)."""
    setup_demo_city("insights")


def timed(fn, repeat: int = 5) -> float:
    """Median wall time in milliseconds over `repeat` runs (after one warm-up run)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
