"""Citizen pages on the demo city, through the real HTTP stack (Django test client), same run, medians.

    .venv/bin/python -m bench.citizen_web            # builds the demo city once in /tmp/buergerbuero-bench-web
    .venv/bin/python -m bench.citizen_web --fresh    # rebuild it
    .venv/bin/python -m bench.citizen_web --server   # one day's times over HTTP from granian, beside /healthz

`--server` starts the production server (granian, DEBUG off, as scripts/run-server does) on the demo city and
asks it, over one kept-alive connection, alternately for `/healthz` and for one day's free times
(`/api/availability/times`): the ratio of the two medians is the result (goal ≤ 2×, issue 19).

Baselines in the same run: `/healthz` (the stack's floor) and the foundation's JSON endpoint for the earliest
time (`/api/availability/earliest`), which answers the same question as the start page without HTML.
"Cold" empties the cache before each request (the per-day availability cache of the foundation).
"""

import argparse
import os
import statistics
import time

from bench.common import setup_demo_city


def setup(fresh: bool) -> None:
    os.environ["RATELIMIT_AVAILABILITY"] = "1000000/60"  # measure the pages, not the limiter refusing us
    setup_demo_city("web", fresh=fresh)


def timed(fn, n: int, *, cold: bool) -> list[float]:
    from django.core.cache import cache

    fn()  # warm-up (imports, template loading)
    out = []
    for _ in range(n):
        if cold:
            cache.clear()
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def serve_and_compare(n: int) -> None:
    """granian on the demo city; /healthz and one day's times alternately over one keep-alive connection."""
    import http.client
    import json
    import subprocess
    import sys

    from django.conf import settings
    from django.utils import timezone

    from bench.common import ROOT, free_port
    from buergerbuero.booking.selectors import live
    from buergerbuero.catalog.models import Office

    office = Office.objects.get(slug="castrop-rauxel")
    query = live.booking_query(office=office, service_slugs=["personalausweis"], now=timezone.now())
    earliest = live.earliest(query, now=timezone.now())
    assert earliest is not None, "the demo office has a free time"
    day = earliest.start.astimezone(query.tz).date()
    port = free_port()
    env = {**os.environ, "DEBUG": "0", "PYTHONPATH": str(ROOT / "src"), "LOG_LEVEL": "WARNING"}
    command = [str(ROOT / ".venv/bin/granian"), "--interface", "wsgi", "--host", "127.0.0.1", "--port", str(port)]
    command += ["--workers", "1", "--blocking-threads", "8", "buergerbuero.wsgi:application"]
    server = subprocess.Popen(
        command,
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
    )
    try:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        deadline = time.monotonic() + 180
        while True:
            try:
                conn.request("GET", "/readyz")
                conn.getresponse().read()
                break
            except OSError:
                conn.close()
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("the server did not answer /readyz") from None
                time.sleep(0.5)
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        day_url = f"/api/availability/times?office={office.slug}&services=personalausweis&date={day.isoformat()}"
        urls = {"/healthz": "/healthz", "one day's times": day_url}

        def fetch(url):
            start = time.perf_counter()
            conn.request("GET", url)
            response = conn.getresponse()
            body = response.read()
            assert response.status == 200, (url, response.status, body[:200])
            return (time.perf_counter() - start) * 1000, body

        _ms, body = fetch(day_url)
        free = len(json.loads(body))
        for _ in range(20):  # warm-up: first imports, templates, the day cache
            for url in urls.values():
                fetch(url)
        samples: dict[str, list[float]] = {label: [] for label in urls}
        for _ in range(n):
            for label, url in urls.items():
                samples[label].append(fetch(url)[0])
        conn.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    floor = statistics.median(samples["/healthz"])
    database = settings.DATABASES["default"]["ENGINE"].rsplit(".", 1)[-1]
    print(f"granian, 1 process, {database}; {day} at {office.slug}: {free} free times; n={n} each, alternating")
    print(f"{'request':<22} {'median ms':>10} {'p90 ms':>8} {'/ healthz':>10}")
    for label, values in samples.items():
        p90 = sorted(values)[int(len(values) * 0.9) - 1]
        median = statistics.median(values)
        print(f"{label:<22} {median:10.2f} {p90:8.2f} {median / floor:9.2f}×")
    ratio = statistics.median(samples["one day's times"]) / floor
    print(f"one day's times / healthz = {ratio:.2f}× (goal ≤ 2×) {'✔' if ratio <= 2 else '✘'}")
    sys.stdout.flush()


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--server", action="store_true", help="one day's times over HTTP from granian")
    parser.add_argument("-n", type=int, default=15)
    args = parser.parse_args(argv)
    setup(args.fresh)
    if args.server:
        serve_and_compare(max(args.n, 300) if args.n == 15 else args.n)
        return
    from django.test import Client

    client = Client()

    def get(url):
        def fetch():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)

        return fetch

    pages = [
        ("/healthz (floor)", "/healthz"),
        ("API earliest (baseline)", "/api/availability/earliest?services=personalausweis"),
        ("start page, ID card chosen", "/?services=personalausweis&persons=1"),
        ("time list, first 7 free days", "/termine/castrop-rauxel/?services=personalausweis&persons=1"),
        ("time list, evenings only", "/termine/castrop-rauxel/?services=personalausweis&persons=1&part=evening"),
    ]
    rows = []
    for label, url in pages:
        warm = statistics.median(timed(get(url), args.n, cold=False))
        cold = statistics.median(timed(get(url), max(5, args.n // 3), cold=True))
        rows.append((label, warm, cold))
    baseline = rows[1][1]
    print(f"{'page':<40} {'warm ms':>9} {'cold ms':>9} {'warm / API':>11}")
    for label, warm, cold in rows:
        print(f"{label:<40} {warm:9.1f} {cold:9.1f} {warm / baseline:10.2f}×")


if __name__ == "__main__":
    main()
