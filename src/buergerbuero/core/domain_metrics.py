"""Levels read from the database at scrape time: the same answer whichever process Prometheus asks.

Lead time per office (its reference service; the hourly KPI snapshot when fresh, else the engine), people
waiting on the floor, and the outbox (mails and deferred tasks): how many rows are due, how long the oldest has
waited, how many failed, how many workers are alive. Each read
goes through the owning app's selectors; a scrape for a city costs a few queries per office.
"""

from __future__ import annotations

from django.utils import timezone
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from buergerbuero.background import selectors as background_selectors
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.insights import selectors as insights_selectors
from buergerbuero.queue.selectors import live as queue_live


class DomainCollector(Collector):
    def collect(self):
        now = timezone.now()
        lead = GaugeMetricFamily(
            "buergerbuero_lead_time_days",
            "Days until the next free appointment for the office's reference service.",
            labels=["office", "service"],
        )
        waiting = GaugeMetricFamily(
            "buergerbuero_floor_waiting", "People waiting on the office floor today.", labels=["office"]
        )
        for office in catalog_selectors.offices():
            service = insights_selectors.reference_service(office)
            if service is not None:
                days, _measured = insights_selectors.current_lead_time(office, service, now=now)
                if days is not None:
                    lead.add_metric([office.slug, service.slug], days)
            day = queue_live.local_today(office, now)
            waiting.add_metric([office.slug], queue_live.waiting(office, day).count())
        yield lead
        yield waiting
        state = background_selectors.readiness(now=now)
        outbox = state["outbox"]
        yield GaugeMetricFamily(
            "buergerbuero_outbox_due", "Outbox rows (mails, tasks) due for a worker.", value=outbox["due"]
        )
        yield GaugeMetricFamily(
            "buergerbuero_outbox_oldest_due_age_seconds",
            "How long the oldest due outbox row has waited (0 when none is due).",
            value=outbox["oldest_due_seconds"],
        )
        yield GaugeMetricFamily(
            "buergerbuero_outbox_failed", "Outbox rows that failed for good and wait for staff.", value=outbox["failed"]
        )
        yield GaugeMetricFamily(
            "buergerbuero_workers_alive", "Workers with a live heartbeat.", value=state["worker"]["alive"]
        )
