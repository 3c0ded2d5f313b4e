"""The background part of /readyz (core.health, settings.READINESS_CHECKS): the outbox is not falling behind,
a worker and the scheduler are alive. Failed messages wait for staff on /betrieb/; they do not make the
service unready."""

from django.utils import timezone

from buergerbuero.background import selectors
from buergerbuero.core.health import NotReady


def _check(name: str) -> None:
    if not selectors.readiness(now=timezone.now())[name]["ok"]:
        raise NotReady(name)


def outbox() -> None:
    _check("outbox")


def worker() -> None:
    _check("worker")


def scheduler() -> None:
    _check("scheduler")
