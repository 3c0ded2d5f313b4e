"""Availability benchmarks (foundation issue §7).

    .venv/bin/python -m bench.availability            # SQLite file under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bb_bench .venv/bin/python -m bench.availability

1. Office with 12 counters, 8-week horizon, ≥ 15,000 booked appointments (7 weeks solid): earliest free time
   in-process — the engine alone on prefetched masks, and selector + engine including database reads,
   with a warm day cache and with every day's stamp renewed before each call (nothing cached); baseline in the
   same run: reading the horizon's bookings.
2. Month availability over HTTP against a real server (granian, 1 worker), beside /healthz of the same server.
3. Scale case: 45 more offices × 10 counters; earliest free time for one service across all 46 offices,
   in-process and over HTTP; peak memory (VmHWM) of the web server process under that load.
"""

import datetime as dt
import io
import json
import os
import subprocess
import sys
import time
import urllib.request

from bench.common import ROOT, free_port, peak_rss_mb, report, setup_django, timed


def main() -> None:
    setup_django("availability")
    from django.core.cache import cache
    from django.utils import timezone

    from bench import seed
    from buergerbuero.booking import availability
    from buergerbuero.booking import services as booking_services
    from buergerbuero.booking.selectors import live
    from buergerbuero.capacity import selectors as capacity_selectors
    from buergerbuero.catalog.models import Office

    now = timezone.now()
    office = seed.office("gross", counters=12)
    booked = seed.book(office, full_days=49)
    print(f"office with 12 counters: {booked} appointments booked in the 8-week horizon")
    offices = [seed.office(f"amt-{n:02d}", counters=10) for n in range(45)]
    for n, o in enumerate(offices):
        seed.book(o, full_days=10 + n % 30, seed=n)
    print("45 more offices × 10 counters booked")

    query = live.booking_query(office=office, service_slugs=["personalausweis"], now=now)
    first, last = timezone.localdate(), query.request.last_day
    plans = capacity_selectors.day_plans(office, first, last)
    taken = live.taken(office, plans, now=now)
    hit = live.earliest(query, now=now)
    assert hit is not None, "the seeded office has a free time"
    print(
        f"earliest free: {hit.start.astimezone(query.tz):%a %d.%m. %H:%M} ({(hit.start.date() - now.date()).days} days)"
    )

    horizon = [p.midnight for p in plans]

    def cold():
        # As if every day's bookings had changed since the last query: new stamps, nothing cached anywhere.
        booking_services.touch_days(office, horizon)
        cache.clear()
        live.earliest(query, now=now)

    def across_all():
        everyone = list(Office.objects.all())
        queries = live.booking_queries(offices=everyone, service_slugs=["personalausweis"], now=now)
        return live.earliest_many(queries, now=now)

    results = [
        report(
            "earliest free, engine only (prefetched masks)",
            timed(lambda: availability.earliest(plans, taken, query.request), 50),
            5,
        ),
        report(
            "earliest free, selector + engine (day cache warm)",
            timed(lambda: live.earliest(query, now=now), 50),
            5,
        ),
        report("earliest free, every day changed before each call (cold)", timed(cold, 10)),
        report(
            "baseline: read the horizon's bookings (DB, no engine)",
            timed(lambda: live.intervals(office, first, last), 10),
        ),
        report("earliest across 46 offices, in-process (cache warm)", timed(across_all, 20), 50),
    ]

    port = free_port()
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1", "PYTHONPATH": str(ROOT / "src")}
    server = subprocess.Popen(
        [
            str(ROOT / ".venv/bin/granian"),
            "--interface",
            "wsgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "buergerbuero.wsgi:application",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                urllib.request.urlopen(f"{base}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        month_first = first + dt.timedelta(days=28)
        month = (
            f"{base}/api/availability/days?office=gross&services=personalausweis"
            f"&from={month_first}&to={month_first + dt.timedelta(days=30)}"
        )
        days = json.loads(urllib.request.urlopen(month).read())
        print(f"month view: {len(days)} days, {sum(d['free_times'] for d in days)} free start times")

        def get(url):
            return lambda: urllib.request.urlopen(url).read()

        results.append(report("month availability over HTTP (granian, 1 worker)", timed(get(month), 50), 25))
        results.append(report("baseline: /healthz over HTTP (same server)", timed(get(f"{base}/healthz"), 50)))
        everywhere = f"{base}/api/availability/earliest?services=personalausweis"
        print(
            f"earliest across offices over HTTP: {len(json.loads(urllib.request.urlopen(everywhere).read()))} offices"
        )
        results.append(report("earliest across 46 offices over HTTP", timed(get(everywhere), 20), 50))
        peak = peak_rss_mb(server.pid)
        print(f"peak memory of the web server under this load: {peak:.0f} MB (target ≤ 200 MB)")
    finally:
        server.terminate()
        server.wait()
    print(
        json.dumps(
            {"results": results, "server_peak_rss_mb": peak, "database": os.environ["DATABASE_URL"].split(":")[0]}
        )
    )


if __name__ == "__main__":
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    main()
