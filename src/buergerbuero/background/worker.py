"""The worker process: claim due outbox rows, deliver them, keep a heartbeat, survive database outages."""

import contextlib
import logging
import os
import socket
import time

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, close_old_connections, connection
from django.utils import timezone

from buergerbuero.background import services

log = logging.getLogger(__name__)
HEARTBEAT = "worker:"  # lease name prefix; /readyz asks for at least one live worker
RECONNECT_MAX_SECONDS = 30


def identity() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


def beat(*, name: str, now) -> None:
    services.take_lease(name=name, holder=name, seconds=settings.WORKER_HEARTBEAT_SECONDS * 3, now=now)


def reconnect_delay(failures: int) -> float:
    """1, 2, 4 … seconds between tries while the database is away, at most 30."""
    return float(min(2 ** max(failures - 1, 0), RECONNECT_MAX_SECONDS))


def run(*, interval: float = 1.0, batch: int = 20, once: bool = False, stop=lambda: False) -> None:
    """Deliver until stopped. A lost database connection is not fatal: close it, wait, try again."""
    name = HEARTBEAT + identity()
    failures, last_beat = 0, 0.0
    while not stop():
        try:
            if time.monotonic() - last_beat >= settings.WORKER_HEARTBEAT_SECONDS:
                beat(name=name, now=timezone.now())
                last_beat = time.monotonic()
            claimed = services.deliver_due(limit=batch)
            if failures:
                log.warning("worker %s: database is back after %d failed tries", name, failures)
            failures = 0
        except (OperationalError, InterfaceError) as exc:
            failures += 1
            log.warning("worker %s: database unavailable (%s), retrying", name, exc)
            drop_connection()
            time.sleep(reconnect_delay(failures))
            continue
        except DatabaseError:
            log.exception("worker %s: database error, retrying", name)
            drop_connection()
            time.sleep(interval)
            continue
        finally:
            close_old_connections()
        if once and not claimed:
            break
        if not claimed:
            time.sleep(interval)
    with contextlib.suppress(DatabaseError):  # a stopped worker stops counting at once (else its lease expires)
        services.release_lease(name=name, holder=name, now=timezone.now())


def drop_connection() -> None:
    with contextlib.suppress(DatabaseError):  # closing a broken connection may fail too; the next query reconnects
        connection.close()
