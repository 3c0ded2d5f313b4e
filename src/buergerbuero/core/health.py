"""Readiness checks for /readyz: each is a callable that returns when its part is ready and raises when not.

settings.READINESS_CHECKS lists them by dotted path, so an app adds its own (outbox backlog, worker heartbeat)
with one line there. A check must be cheap: load balancers ask every few seconds.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache as default_cache
from django.db import connection
from django.utils.module_loading import import_string


class NotReady(Exception):
    """A check's own verdict (the part answers, but is not ready); any other exception counts the same."""


def database() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")


def cache() -> None:
    # A write and a read back: a Redis that answers reads but refuses writes (full, read-only replica) would
    # otherwise pass while every rate limit fails.
    key = f"readyz:{uuid.uuid4().hex}"
    default_cache.set(key, 1, timeout=10)
    if default_cache.get(key) != 1:
        raise NotReady("the cache did not return what was written")
    default_cache.delete(key)


def registered() -> dict[str, Callable[[], None]]:
    return {path.rsplit(".", 1)[1]: import_string(path) for path in settings.READINESS_CHECKS}


def run_checks() -> dict[str, str]:
    """name -> "ok", or the failure's class name (never its message, which may hold a host name or password)."""
    results = {}
    for name, check in registered().items():
        try:
            check()
        except Exception as exc:  # any failure means not ready; the class name says which
            results[name] = type(exc).__name__
        else:
            results[name] = "ok"
    return results
