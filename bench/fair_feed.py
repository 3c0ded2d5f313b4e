"""Open availability feed: served from the cache vs computed, on the demo city (same run, ratio).

    .venv/bin/python -m bench.fair_feed            # builds the demo city once in /tmp/buergerbuero-bench-fair
    .venv/bin/python -m bench.fair_feed --fresh    # rebuild it
    CACHE_URL=redis://127.0.0.1:6379/13 CACHE_KEY_PREFIX=bench .venv/bin/python -m bench.fair_feed   # via Redis

Measures with the real HTTP stack (Django test client, rate limit included): a request that computes the feed
(cache emptied before each), a request served from the cache, and a conditional request answered 304.
"""

import argparse
import os
import statistics
import sys
import time

from bench.common import setup_demo_city


def setup(fresh: bool) -> None:
    os.environ["RATELIMIT_FEED"] = "1000000/60"  # measure the feed, not the limiter refusing us
    setup_demo_city("fair", fresh=fresh)


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        start = time.perf_counter()
        fn()
        out.append(time.perf_counter() - start)
    return out


def main(argv=None) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--computed", type=int, default=7)
    parser.add_argument("--cached", type=int, default=300)
    args = parser.parse_args(argv)
    setup(args.fresh)

    from django.core.cache import cache
    from django.test import Client

    from buergerbuero.booking import feed

    client = Client()

    def computed():
        cache.delete(feed.CACHE_KEY)
        response = client.get("/api/open/availability")
        assert response.status_code == 200

    def cached():
        response = client.get("/api/open/availability")
        assert response.status_code == 200

    computed()  # warm imports and the database page cache
    cold = timed(computed, args.computed)
    body = client.get("/api/open/availability")
    warm = timed(cached, args.cached)
    etag = body["ETag"]

    def not_modified():
        assert client.get("/api/open/availability", HTTP_IF_NONE_MATCH=etag).status_code == 304

    revalidated = timed(not_modified, args.cached)
    data = body.json()
    offices = len(data["offices"])
    services = sum(len(o["services"]) for o in data["offices"])
    med = {name: statistics.median(v) for name, v in (("computed", cold), ("cached", warm), ("304", revalidated))}
    print(f"open feed, demo city: {offices} office(s), {services} services, {len(body.content)} bytes")
    print(f"{'request':<12}{'n':>6}{'median ms':>12}")
    for name, n in (("computed", args.computed), ("cached", args.cached), ("304", args.cached)):
        print(f"{name:<12}{n:>6}{med[name] * 1000:>12.2f}")
    print(f"ratio computed/cached: {med['computed'] / med['cached']:.0f}x")
    from django.conf import settings

    backend = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"python {sys.version.split()[0]}, cache {backend}")


if __name__ == "__main__":
    main()
