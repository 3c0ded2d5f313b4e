"""Availability benchmarks (issue: foundation §7).

    .venv/bin/python -m bench.availability            # SQLite file under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bb_bench .venv/bin/python -m bench.availability

1. Office with 12 counters, 8-week horizon, ≥ 15,000 booked appointments (7 weeks solid): earliest free time
   in-process — the engine alone on prefetched data, and selector + engine including the database reads.
2. Month availability over HTTP against a real server (granian on 127.0.0.1), median of repeated requests.
3. Scale case: 45 offices × 10 counters, earliest free time for one service across all offices; peak RSS.
"""

import datetime as dt
import json
import os
import resource
import subprocess
import sys
import time
import urllib.request

from bench.common import ROOT, report, setup_django, timed


def main() -> None:
    setup_django("availability")
    from django.utils import timezone

    from bench import seed
    from buergerbuero.booking import availability, selectors
    from buergerbuero.capacity import selectors as capacity_selectors

    now = timezone.now()
    office = seed.office("gross", counters=12)
    booked = seed.book(office, full_days=49)
    print(f"office with 12 counters: {booked} appointments booked in the 8-week horizon")
    query = selectors.booking_query(office=office, service_slugs=["personalausweis"], now=now)
    first, last = timezone.localdate(), query.request.last_day
    plans = capacity_selectors.day_plans(office, first, last)
    busy = selectors.busy(office, first, last, now=now)
    hit = selectors.earliest(query, now=now)
    print(f"earliest free: {hit.start.astimezone(query.tz):%a %d.%m. %H:%M} ({(hit.start.date() - now.date()).days} days)")
    results = [
        report("earliest free, engine only (prefetched data)", timed(lambda: availability.earliest(plans, busy, query.request), 50), 5),
        report("earliest free, selector + engine (DB reads)", timed(lambda: selectors.earliest(query, now=now), 20)),
        report("baseline: read the claimed intervals only (DB)", timed(lambda: selectors.busy(office, first, last, now=now), 20)),
    ]

    # Over HTTP: a real server process on a free port.
    port = 8765
    env = {**os.environ, "DEBUG": "false", "ALLOWED_HOSTS": "127.0.0.1"}
    server = subprocess.Popen(
        [str(ROOT / ".venv/bin/granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port),
         "--workers", "1", "buergerbuero.wsgi:application"],
        cwd=ROOT, env={**env, "PYTHONPATH": str(ROOT / "src")}, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        month_first = first + dt.timedelta(days=28)
        url = (f"http://127.0.0.1:{port}/api/availability/days?office=gross&services=personalausweis"
               f"&from={month_first}&to={month_first + dt.timedelta(days=30)}")
        for _ in range(100):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=1).read()
                break
            except OSError:
                time.sleep(0.1)
        days = json.loads(urllib.request.urlopen(url).read())
        print(f"month view: {len(days)} days, {sum(d['free_times'] for d in days)} free start times")
        results.append(report("month availability over HTTP (granian, 1 worker)", timed(lambda: urllib.request.urlopen(url).read(), 50), 25))
        health = f"http://127.0.0.1:{port}/healthz"
        results.append(report("baseline: /healthz over HTTP (same server)", timed(lambda: urllib.request.urlopen(health).read(), 50)))
    finally:
        server.terminate()
        server.wait()

    # Scale case: a city like Berlin.
    offices = [seed.office(f"amt-{n:02d}", counters=10) for n in range(45)]
    for n, o in enumerate(offices):
        seed.book(o, full_days=10 + n % 30, seed=n)
    slugs = [o.slug for o in offices]
    from buergerbuero.catalog import selectors as catalog_selectors

    def across_all():
        best = None
        for slug in slugs:
            q = selectors.booking_query(
                office=catalog_selectors.office_by_slug(slug), service_slugs=["personalausweis"], now=now
            )
            found = selectors.earliest(q, now=now)
            if found and (best is None or found.start < best.start):
                best = found
        return best

    results.append(report("earliest across 45 offices × 10 counters (DB + engine)", timed(across_all, 10), 50))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak RSS of this process (data generation included): {peak_mb:.0f} MB (target ≤ 200 MB)")
    print(json.dumps({"results": results, "peak_rss_mb": peak_mb, "database": os.environ["DATABASE_URL"].split(":")[0]}))


if __name__ == "__main__":
    sys.exit(main())
