"""A regional IT provider's day: 20 municipalities, 100 offices, 600 counters, 2 years of history (issue 19).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bb_region CACHE_URL=redis://127.0.0.1:6379/5 \\
        .venv/bin/python -m bench.region                 # full region
    … .venv/bin/python -m bench.region --small           # 2 municipalities, 10 offices, 60 counters, 2 months

Seeds the region in bulk (history as INSERT … SELECT over generate_series in the database; the coming weeks
booked as in bench.seed, copied office to office), starts granian with 2 web processes as scripts/run-server does
(`WEB_WORKERS=2`, 8 threads and a pool of 8 connections each), and replays a day's mix of requests over HTTP
from client threads: availability reads (one office's days, one day's times, earliest across a municipality's
offices), holds, confirmations, cancellations and reception check-ins, with the hourly KPI snapshot running beside
them in this process (as the scheduler would). Reports requests per second, p50/p99 per route, the status codes
and the most connections the database had open for the run. The per-address limits and the anti-bot proof are
switched off for the run: one load generator is one address (the proof costs the client, not the server).
"""

import argparse
import datetime as dt
import http.client
import io
import json
import os
import random
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from pathlib import Path

from bench.common import ROOT, children_of, free_port, setup_django, vm_hwm_mb

# A day of a region of 100 offices, per 100 requests (booking statistics of a large city, scaled): most requests
# are citizens looking for a time; about one in ten holds one, most of those confirm.
MIX = [
    ("availability days", 34),
    ("availability times", 26),
    ("earliest across offices", 12),
    ("hold", 10),
    ("confirm", 9),
    ("cancel", 2),
    ("check-in", 7),
]
SCALES = {
    "full": {"municipalities": 20, "offices": 5, "counters": 6, "history_days": 730, "requests": 20000},
    "small": {"municipalities": 2, "offices": 5, "counters": 6, "history_days": 60, "requests": 2000},
}
HISTORY_PER_COUNTER_DAY = 16  # past appointments per counter and working day (25 minutes each, 08:00–14:40)
SERVER_ENV = {
    "DEBUG": "false",
    "ANTIBOT_REQUIRED": "false",
    **{f"RATELIMIT_{scope}": "100000000/60" for scope in ("HOLD", "AVAILABILITY", "LOOKUP", "CANCEL", "CHECKIN")},
}


def seed(scale: dict) -> dict:
    """The region: municipalities with their offices, history, the coming weeks, today's appointments."""
    from django.db import connection
    from django.utils import timezone

    from bench import seed as base
    from buergerbuero.accounts.models import Organisation, StaffMembership
    from buergerbuero.accounts.services import issue_api_token
    from buergerbuero.booking.models import Appointment
    from buergerbuero.catalog.models import Office

    started = time.perf_counter()
    first = base.office("m00-o0", counters=scale["counters"])
    base.book(first, full_days=14, fill_after=0.5)  # the next 8 weeks: 2 booked solid, then half
    offices = [first]
    municipalities = []
    for m in range(scale["municipalities"]):
        org = Organisation.objects.create(name=f"Gemeinde {m:02d}")
        municipalities.append(org)
        for n in range(scale["offices"]):
            office = first if (m, n) == (0, 0) else base.office(f"m{m:02d}-o{n}", counters=scale["counters"])
            Office.objects.filter(pk=office.pk).update(organisation=org)
            if office is not first:
                base.copy_bookings(first, office)
                offices.append(office)
    future = Appointment.objects.count()
    now = timezone.now()
    table = Appointment._meta.db_table
    with connection.cursor() as cursor:
        # Two years of past visits: every working day, every counter, HISTORY_PER_COUNTER_DAY appointments.
        cursor.execute(
            f"""INSERT INTO {table} (public_id, code, token_hash, office_id, counter_id, start, "end", claim_end,
                    persons, channel, status, name, email, phone, created_at, confirmed_at, language, sequence,
                    managed_at)
                SELECT gen_random_uuid(), 'H' || c.id || '-' || d.n || '-' || s.n, 'x', c.office_id, c.id,
                    t, t + interval '20 minutes', t + interval '20 minutes', 1, 'web', 'confirmed', 'Alt',
                    '', '', t - interval '20 days', t - interval '20 days', 'de', 0, ''
                FROM catalog_counter c
                CROSS JOIN generate_series(1, %s) AS d(n)
                CROSS JOIN generate_series(0, %s - 1) AS s(n)
                CROSS JOIN LATERAL (SELECT (current_date - d.n + time '08:00' + s.n * interval '25 minutes')
                    AT TIME ZONE 'Europe/Berlin' AS t) AS times
                WHERE extract(isodow FROM current_date - d.n) < 6""",
            [scale["history_days"], HISTORY_PER_COUNTER_DAY],
        )
        history = cursor.rowcount
        cursor.execute("ANALYZE")
    # Today's visitors, for the check-ins: confirmed appointments of the last two hours with their service.
    todays = []
    for office in offices:
        todays += _todays_appointments(office, now)
    reception = []
    for org in municipalities:
        user = _staff(f"empfang-{org.pk}", org, StaffMembership.Role.RECEPTION)
        _token, key = issue_api_token(user=user, name="Empfang", now=now)
        reception.append((org.pk, key))
    print(
        f"seeded {len(municipalities)} municipalities, {len(offices)} offices,"
        f" {len(offices) * scale['counters']} counters: {future:,} coming appointments, {history:,} of history,"
        f" {len(todays)} today to check in ({time.perf_counter() - started:.0f} s)"
    )
    office_org = dict(Office.objects.values_list("slug", "organisation_id"))
    return {
        "municipalities": [
            (org.pk, [slug for slug, owner in office_org.items() if owner == org.pk]) for org in municipalities
        ],
        "reception": dict(reception),
        "office_org": office_org,
        "today": todays,
    }


def _staff(username, org, role):
    from django.contrib.auth import get_user_model

    from buergerbuero.accounts.models import StaffMembership

    user = get_user_model().objects.create_user(username, f"{username}@example.org", is_staff=True)
    StaffMembership.objects.create(user=user, organisation=org, role=role)
    return user


def _todays_appointments(office, now) -> list[tuple[str, str]]:
    """Confirmed appointments that started in the last two hours (on counters nobody booked then): (office, code)."""
    from buergerbuero.booking.models import Appointment, AppointmentService
    from buergerbuero.booking.services import new_code
    from buergerbuero.catalog.models import Service

    service = Service.objects.get(slug="kurz")
    counters = list(office.counters.values_list("pk", flat=True))
    rows = []
    for n in range(24):
        start = now - dt.timedelta(minutes=5 * n + 1)
        rows.append(
            Appointment(
                code=new_code(),
                token_hash="x",
                office=office,
                counter_id=counters[n % len(counters)],
                start=start,
                end=start + dt.timedelta(minutes=10),
                claim_end=start + dt.timedelta(minutes=10),
                channel="web",
                status="confirmed",
                created_at=now - dt.timedelta(days=10),
                confirmed_at=now - dt.timedelta(days=10),
            )
        )
    Appointment.objects.bulk_create(rows)
    AppointmentService.objects.bulk_create(AppointmentService(appointment=a, service=service, minutes=10) for a in rows)
    return [(office.slug, a.code) for a in rows]


class Server:
    """granian with 2 web processes, the outbox worker and the scheduler, as scripts/run-server starts them
    (WEB_WORKERS=2)."""

    def __init__(self, port: int):
        env = {**os.environ, **SERVER_ENV, "PYTHONPATH": str(ROOT / "src")}
        env["PROMETHEUS_MULTIPROC_DIR"] = str(ROOT / "var" / "bench" / "prometheus-region")
        Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(parents=True, exist_ok=True)
        for old in Path(env["PROMETHEUS_MULTIPROC_DIR"]).glob("*"):
            old.unlink()
        threads = env.get("WEB_THREADS", "8")
        self.port = port
        # The outbox worker and the scheduler as in scripts/run-server: the worker delivers the confirmations'
        # mails, the scheduler runs the periodic jobs, and /readyz waits for both.
        self.helpers = [
            subprocess.Popen(
                [sys.executable, "manage.py", *command],
                env=env,
                cwd=ROOT,
                stdout=subprocess.DEVNULL,
                stderr=open(ROOT / "var" / "bench" / f"region-{command[0]}.log", "w"),  # noqa: SIM115
            )
            for command in (["run_worker", "--interval", "1"], ["run_scheduler"])
        ]
        self.proc = subprocess.Popen(
            [
                str(ROOT / ".venv" / "bin" / "granian"),
                *("--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port), "--workers", "2"),
                *("--blocking-threads", threads, "--backpressure", str(int(threads) * 4)),
                "buergerbuero.wsgi:application",
            ],
            env=env,
            cwd=ROOT,
            stdout=subprocess.DEVNULL,
            stderr=open(ROOT / "var" / "bench" / "region-server.log", "w"),  # noqa: SIM115
        )
        deadline = time.time() + 180
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
                conn.request("GET", "/readyz")
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.time() > deadline or self.proc.poll() is not None:
                raise SystemExit("the web server did not get ready (var/bench/region-server.log)")
            time.sleep(0.5)

    def stop(self):
        for proc in (self.proc, *self.helpers):
            proc.terminate()
        for proc in (self.proc, *self.helpers):
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:  # the scheduler finishes a running job first: not worth waiting for
                proc.kill()
                proc.wait()


class Traffic:
    """The day's requests: each client thread draws the next kind from MIX and remembers holds and bookings."""

    def __init__(self, world: dict, port: int, requests: int, seed: int = 7):
        self.world, self.port, self.left = world, port, requests
        self.rng = random.Random(seed)
        self.lock = threading.Lock()
        self.samples: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.holds: list[dict] = []
        self.booked: list[dict] = []
        self.today = list(world["today"])
        self.rng.shuffle(self.today)
        kinds, weights = zip(*MIX, strict=True)
        self.plan = self.rng.choices(kinds, weights, k=requests)
        self.slugs = [slug for _org, slugs in world["municipalities"] for slug in slugs]

    def next_kind(self) -> str | None:
        with self.lock:
            if not self.plan:
                return None
            kind = self.plan.pop()
            if kind == "confirm" and not self.holds:
                kind = "hold"
            if kind == "cancel" and not self.booked:
                kind = "availability times"
            if kind == "check-in" and not self.today:
                kind = "availability days"
            return kind

    def client(self, number: int) -> None:
        rng = random.Random(number)
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        while (kind := self.next_kind()) is not None:
            method, path, body, headers, then = self.request(kind, rng)
            started = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                response = conn.getresponse()
                data = response.read()
                status = response.status
            except (OSError, http.client.HTTPException):
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                status, data = 0, b""
            elapsed = (time.perf_counter() - started) * 1000
            with self.lock:
                self.samples[kind].append(elapsed)
                self.statuses[kind][status] += 1
            if then and 200 <= status < 300:
                then(json.loads(data))

    def request(self, kind: str, rng: random.Random):
        today = dt.date.today()
        json_headers = {"Content-Type": "application/json"}
        slug = rng.choice(self.slugs)
        day = today + dt.timedelta(days=rng.randint(14, 40))
        day += dt.timedelta(days=max(0, 7 - day.weekday()))  # a working day: Saturday and Sunday go to Monday
        if kind == "availability days":
            last = today + dt.timedelta(days=27)
            return "GET", f"/api/availability/days?office={slug}&services=kurz&from={today}&to={last}", None, {}, None
        if kind == "availability times":
            return "GET", f"/api/availability/times?office={slug}&services=kurz&date={day}", None, {}, None
        if kind == "earliest across offices":
            _org, slugs = rng.choice(self.world["municipalities"])
            offices = "&".join(f"offices={s}" for s in slugs)
            return "GET", f"/api/availability/earliest?services=personalausweis&{offices}", None, {}, None
        if kind == "hold":
            start = dt.datetime.combine(day, dt.time(8)) + dt.timedelta(minutes=10 * rng.randint(0, 58))
            body = json.dumps({"office": slug, "services": ["kurz"], "start": start.isoformat()})

            def remember(data):
                with self.lock:
                    self.holds.append(data)

            return "POST", "/api/holds", body, json_headers, remember
        if kind == "confirm":
            with self.lock:
                hold = self.holds.pop(rng.randrange(len(self.holds)))
            body = json.dumps({"token": hold["token"], "name": "Bench", "email": f"b{rng.random()}@example.org"})

            def booked(data):
                with self.lock:
                    self.booked.append(data)

            return "POST", f"/api/holds/{hold['hold_id']}/confirm", body, json_headers, booked
        if kind == "cancel":
            with self.lock:
                done = self.booked.pop(rng.randrange(len(self.booked)))
            return "POST", f"/api/appointments/{done['code']}/cancel", None, {"X-Booking-Token": done["token"]}, None
        with self.lock:
            office, code = self.today.pop()
        key = self.world["reception"][self.world["office_org"][office]]
        headers = {**json_headers, "Authorization": f"Bearer {key}"}
        return "POST", f"/api/queue/offices/{office}/check-in", json.dumps({"code": code}), headers, None


def connections_watch(stop: threading.Event, peak: list[int]) -> None:
    """The most connections to the benchmark's database at any moment of the run (sampled every 0.1 s)."""
    from django.db import connection

    with connection.cursor() as cursor:
        while not stop.is_set():
            cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()")
            peak[0] = max(peak[0], cursor.fetchone()[0] - 1)  # not this watcher's own
            time.sleep(0.1)
    connection.close()


SNAPSHOT_LOOP = """
import datetime as dt, sys, time
import django
django.setup()
from django.utils import timezone
from buergerbuero.insights import services
hour = 0
while True:
    hour += 1
    started = time.perf_counter()
    services.take_snapshots(now=timezone.now() + dt.timedelta(hours=hour))
    print((time.perf_counter() - started) * 1000, flush=True)
    if sys.stdin.readline() == "":
        break
"""


def kpi_snapshots(stop: threading.Event, out: list[float], every: float) -> None:
    """The scheduler's hourly KPI measurement beside the traffic, in a process of its own as the scheduler is
    (each run is a new hour, so each one measures and writes)."""
    env = {**os.environ, **SERVER_ENV, "PYTHONPATH": str(ROOT / "src")}
    proc = subprocess.Popen(
        [sys.executable, "-c", SNAPSHOT_LOOP],
        env=env,
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    stdin, stdout = proc.stdin, proc.stdout
    assert stdin is not None and stdout is not None  # both are pipes
    while True:
        out.append(float(stdout.readline()))
        if stop.wait(every):
            break
        stdin.write("next\n")
        stdin.flush()
    stdin.close()
    proc.wait(timeout=600)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--small", action="store_true", help="2 municipalities, 10 offices, 2 months of history")
    parser.add_argument("--clients", type=int, default=16, help="concurrent client connections")
    parser.add_argument("--requests", type=int, help="requests to replay (default: by scale)")
    args = parser.parse_args(argv)
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database and CACHE_URL to Redis (the region runs on both).")
    if not os.environ.get("CACHE_URL", "").startswith("redis"):
        sys.exit("Set CACHE_URL=redis://127.0.0.1:6379/<db> (web processes share the day cache through it).")
    os.environ.setdefault("DEBUG", "false")
    scale = SCALES["small" if args.small else "full"]
    setup_django("region")
    from django.core.cache import cache
    from django.db import connection

    cache.clear()
    world = seed(scale)
    connection.close()
    server = Server(free_port())
    load_before = os.getloadavg()
    stop, peak = threading.Event(), [0]
    snapshots: list[float] = []
    watchers = [
        threading.Thread(target=connections_watch, args=(stop, peak)),
        threading.Thread(target=kpi_snapshots, args=(stop, snapshots, 30.0)),
    ]
    traffic = Traffic(world, server.port, args.requests or scale["requests"])
    try:
        for w in watchers:
            w.start()
        started = time.perf_counter()
        clients = [threading.Thread(target=traffic.client, args=(n,)) for n in range(args.clients)]
        for c in clients:
            c.start()
        for c in clients:
            c.join()
        elapsed = time.perf_counter() - started
        # Each web process's highest resident memory over the whole day (VmHWM), read before they stop.
        memory_mb = [vm_hwm_mb(pid) for pid in children_of(server.proc.pid)]
    finally:
        stop.set()
        for w in watchers:
            w.join()
        server.stop()
    total = sum(len(v) for v in traffic.samples.values())
    print(
        f"{total} requests in {elapsed:.1f} s = {total / elapsed:.0f}/s with {args.clients} clients,"
        f" 2 web processes; load average before {load_before[0]:.1f}, after {os.getloadavg()[0]:.1f}"
    )
    print(f"{'route':<26} {'n':>6} {'p50 ms':>8} {'p99 ms':>8}  statuses")
    rows = []
    for kind, _weight in MIX:
        values = traffic.samples.get(kind, [])
        if not values:
            continue
        statuses = dict(sorted(traffic.statuses[kind].items()))
        p50, p99 = statistics.median(values), percentile(values, 99)
        print(f"{kind:<26} {len(values):>6} {p50:>8.1f} {p99:>8.1f}  {statuses}")
        rows.append({"route": kind, "n": len(values), "p50_ms": p50, "p99_ms": p99, "statuses": statuses})
    if snapshots:
        print(
            f"{'KPI snapshot (in-process)':<26} {len(snapshots):>6} {statistics.median(snapshots):>8.1f}"
            f" {max(snapshots):>8.1f}  (max instead of p99)"
        )
    print(f"database connections at most: {peak[0]} (2 processes × pool of {os.environ.get('DB_POOL_MAX_SIZE', 8)})")
    print(f"peak memory of each web process: {', '.join(f'{mb:.0f} MB' for mb in memory_mb)} (goal ≤ 200 MB)")
    print(
        json.dumps(
            {
                "requests_per_s": total / elapsed,
                "routes": rows,
                "db_connections_peak": peak[0],
                "web_process_peak_mb": memory_mb,
            }
        )
    )


if __name__ == "__main__":
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    main()
