"""Shared helpers for the benchmarks: a Django setup on a database of the benchmark's own, and timing."""

import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def setup_django(name: str) -> None:
    """Use DATABASE_URL if given (PostgreSQL runs), else a fresh SQLite file under var/bench/."""
    sys.path.insert(0, str(ROOT / "src"))
    if "DATABASE_URL" not in os.environ:
        path = ROOT / "var" / "bench" / f"{name}.sqlite3"
        path.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            Path(str(path) + suffix).unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{path}"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    os.environ.setdefault("EMAIL_URL", "locmem://")
    import django
    from django.core.management import call_command

    if os.environ["DATABASE_URL"].startswith("postgres"):
        _create_postgres_database(os.environ["DATABASE_URL"])
    django.setup()
    if os.environ["DATABASE_URL"].startswith("postgres") and _has_tables():
        call_command("flush", interactive=False, verbosity=0)
    call_command("migrate", verbosity=0)


def _create_postgres_database(url: str) -> None:
    """Benchmarks get a database of their own; create it on first use."""
    from urllib.parse import urlsplit

    import psycopg

    parts = urlsplit(url)
    name = parts.path.lstrip("/")
    admin = parts._replace(path="/postgres").geturl()
    with psycopg.connect(admin, autocommit=True) as conn:
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone():
            conn.execute(f'CREATE DATABASE "{name}"')


def _has_tables() -> bool:
    from django.db import connection

    return "booking_appointment" in connection.introspection.table_names()


def timed(fn, repeat: int, warmup: int = 2) -> list[float]:
    for _ in range(warmup):
        fn()
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def report(label: str, samples_ms: list[float], target_ms: float | None = None) -> dict:
    median = statistics.median(samples_ms)
    p90 = sorted(samples_ms)[int(len(samples_ms) * 0.9) - 1]
    verdict = "" if target_ms is None else ("  ✔ within" if median <= target_ms else "  ✘ over") + f" {target_ms} ms"
    print(f"{label:<58} median {median:8.2f} ms   p90 {p90:8.2f} ms   n={len(samples_ms)}{verdict}")
    return {"label": label, "median_ms": median, "p90_ms": p90}


def free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def setup_demo_city(name: str, *, fresh: bool = False) -> Path:
    """Django with the demo city loaded once into a var directory kept between runs (BENCH_VAR_DIR, default
    a temp folder per benchmark); SQLite there unless DATABASE_URL names another database."""
    import shutil
    import tempfile

    var = Path(os.environ.get("BENCH_VAR_DIR") or Path(tempfile.gettempdir()) / f"bb-bench-{name}")
    if fresh and var.exists():
        shutil.rmtree(var)
    var.mkdir(parents=True, exist_ok=True)
    os.environ["BUERGERBUERO_VAR_DIR"] = str(var)
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{var / 'bench.sqlite3'}")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT / "src"))
    import io

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
    call_command("load_demo", "--if-empty", verbosity=0, stdout=io.StringIO())
    return var


def children_of(pid: int) -> list[int]:
    return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]


def vm_hwm_mb(pid: int) -> float:
    """Highest resident memory of one process so far (VmHWM), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise LookupError(f"process {pid} has no VmHWM")


def peak_rss_mb(pid: int) -> float:
    """Highest resident memory of a process and its children so far (VmHWM), in MB."""
    return max(vm_hwm_mb(p) for p in (pid, *children_of(pid)))
