"""Prometheus metrics: counters and histograms of this process, domain gauges read at scrape time.

With several web or worker processes, prometheus-client's multiprocess mode sums them: set
PROMETHEUS_MULTIPROC_DIR to an empty directory that all processes of one host share and that is emptied when
the service starts (docs/deployment.md). The per-process values are only counters and histograms, which sum
correctly; everything that is a level (lead time, people waiting, task queue) is read from the database when
/metrics is scraped, so it is the same whichever process answers.
"""

from __future__ import annotations

import os

from django.db import transaction
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client import multiprocess as prometheus_multiprocess
from prometheus_client.registry import REGISTRY

REQUEST_SECONDS = Histogram(
    "buergerbuero_http_request_duration_seconds",
    "Time from the request reaching Django to the response leaving it, by route pattern.",
    ["route", "method"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
)
RESPONSES = Counter(
    "buergerbuero_http_responses_total",
    "Responses by route pattern and status code (409 = a conflict such as a taken time).",
    ["route", "method", "status"],
)
HOLDS = Counter("buergerbuero_holds_total", "Times held for a booking (all channels).", ["channel"])
BOOKINGS = Counter("buergerbuero_bookings_total", "Appointments confirmed (all channels).", ["channel"])
UNAVAILABLE = Counter(
    "buergerbuero_unavailable_total",
    "Requests answered 503 because no database connection or stream slot was free.",
    ["reason"],
)


def count_after_commit(counter: Counter, **labels: str) -> None:
    """Count a domain event only once its transaction committed (a rolled-back hold is no hold)."""
    transaction.on_commit(lambda: counter.labels(**labels).inc())


def exposition() -> bytes:
    """The text format for one scrape: this process (or all of them in multiprocess mode) plus domain gauges."""
    from buergerbuero.core.domain_metrics import DomainCollector

    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        processes = CollectorRegistry()
        prometheus_multiprocess.MultiProcessCollector(processes)
    else:
        processes = REGISTRY
    domain = CollectorRegistry()
    domain.register(DomainCollector())
    return generate_latest(processes) + generate_latest(domain)
