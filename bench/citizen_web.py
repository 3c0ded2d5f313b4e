"""Citizen pages on the demo city, through the real HTTP stack (Django test client), same run, medians.

    .venv/bin/python -m bench.citizen_web            # builds the demo city once in /tmp/buergerbuero-bench-web
    .venv/bin/python -m bench.citizen_web --fresh    # rebuild it

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


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("-n", type=int, default=15)
    args = parser.parse_args(argv)
    setup(args.fresh)
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
