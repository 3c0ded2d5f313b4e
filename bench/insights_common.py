"""Shared set-up for the insights benchmarks: Django on a throw-away SQLite file with the demo city loaded."""

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path


def setup_demo() -> None:
    """Point Django at a temp var dir (kept between runs via BENCH_VAR_DIR), migrate and load the demo once."""
    var = Path(os.environ.get("BENCH_VAR_DIR") or Path(tempfile.gettempdir()) / "bb-bench-insights")
    var.mkdir(parents=True, exist_ok=True)
    os.environ["BUERGERBUERO_VAR_DIR"] = str(var)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    call_command("load_demo", "--if-empty", verbosity=0)


def timed(fn, repeat: int = 5) -> float:
    """Median wall time in milliseconds over `repeat` runs (after one warm-up run)."""
    fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return statistics.median(samples)
