"""The scheduler: runs every periodic job (jobs.JOBS) when it is due. Several may run on several nodes;
a database lease lets one of them work while the others stand by and take over when its lease expires.

Jobs are idempotent (a second run in the same hour changes nothing), so a job that outlives the lease and runs
once more on another node does no harm.
"""

import contextlib
import datetime as dt
import logging
import time
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections
from django.utils import timezone
from django.utils.functional import Promise

from buergerbuero.background import services, worker
from buergerbuero.background.models import JobState

log = logging.getLogger(__name__)
LEASE = "scheduler"
RETRY_FAILED = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class Every:
    interval: dt.timedelta

    def next_after(self, now: dt.datetime) -> dt.datetime:
        return now + self.interval


@dataclass(frozen=True)
class DailyAt:
    """Once a day at a local wall-clock time (pick one that exists on DST nights: not 02:00–03:00)."""

    at: dt.time
    tz: str = settings.TIME_ZONE

    def next_after(self, now: dt.datetime) -> dt.datetime:
        zone = ZoneInfo(self.tz)
        day = now.astimezone(zone).date()
        while (candidate := dt.datetime.combine(day, self.at, tzinfo=zone)) <= now:
            day += dt.timedelta(days=1)
        return candidate


@dataclass(frozen=True)
class Job:
    name: str
    label: str | Promise
    schedule: Every | DailyAt
    run: Callable[[dt.datetime], object]  # gets `now`; what it returns is shown to staff as the result
    unit: str | Promise = ""  # what a numeric result counts, for staff ("12 Erinnerungen eingereiht")


def tick(*, jobs: list[Job], now: dt.datetime, holder: str) -> list[JobState] | None:
    """Run the jobs that are due, if this instance holds the scheduler lease; None when another one does.

    A job runs once at the first start, then on its schedule. A failed job is tried again after five minutes
    at the latest."""
    if not services.take_lease(name=LEASE, holder=holder, seconds=settings.SCHEDULER_LEASE_SECONDS, now=now):
        return None
    states = {state.name: state for state in JobState.objects.filter(name__in=[job.name for job in jobs])}
    ran = []
    for job in jobs:
        state = states.get(job.name)
        if state is not None and state.next_due_at > now:
            continue
        # Renew before each job: a long one must not let a standby instance start the same jobs meanwhile.
        if not services.take_lease(name=LEASE, holder=holder, seconds=settings.SCHEDULER_LEASE_SECONDS, now=now):
            break
        started = time.monotonic()
        try:
            result, ok = job.run(now), True
        except Exception as exc:
            log.exception("scheduled job %s failed", job.name)
            result, ok = "".join(traceback.format_exception_only(exc)).strip(), False
        next_due = job.schedule.next_after(now)
        if not ok:
            next_due = min(next_due, now + RETRY_FAILED)
        services.record_job(
            name=job.name,
            started_at=now,
            finished_at=now + dt.timedelta(seconds=time.monotonic() - started),
            ok=ok,
            result="" if result is None else str(result),
            next_due_at=next_due,
        )
        ran.append(JobState.objects.get(name=job.name))
    return ran


def run(*, jobs: list[Job], holder: str, interval: float = 10.0, stop=lambda: False) -> None:
    """Tick until stopped; survive a database outage like the worker does."""
    failures = 0
    while not stop():
        try:
            tick(jobs=jobs, now=timezone.now(), holder=holder)
            failures = 0
        except (OperationalError, InterfaceError) as exc:
            failures += 1
            log.warning("scheduler %s: database unavailable (%s), retrying", holder, exc)
            worker.drop_connection()
            time.sleep(worker.reconnect_delay(failures))
            continue
        finally:
            close_old_connections()
        time.sleep(interval)
    with contextlib.suppress(DatabaseError):  # if not released, the lease expires by itself
        services.release_lease(name=LEASE, holder=holder, now=timezone.now())
