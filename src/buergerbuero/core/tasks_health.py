"""The background task queue seen from outside: how many tasks wait and for how long (django-tasks-db)."""

from __future__ import annotations

import datetime as dt

from django_tasks_db.models import DBTaskResult, get_date_max


def queue_state(*, now: dt.datetime) -> tuple[int, float]:
    """(tasks ready to run, seconds the longest-waiting of them has been due)."""
    ready = DBTaskResult.objects.ready()
    depth = ready.count()
    if not depth:
        return 0, 0.0
    enqueued, run_after = ready.order_by("enqueued_at").values_list("enqueued_at", "run_after").first()
    due_since = enqueued if run_after == get_date_max() else max(enqueued, run_after)
    return depth, max(0.0, (now - due_since).total_seconds())
