"""What the worker does with an outbox row of a given kind. Each app's tasks.py registers its kinds.

A *message* kind builds the thing to send from the row's payload at delivery time (so it reflects the
state of the change when it is sent, and can say "overtaken, send nothing"); a channel sends it. A *task* kind
runs deferred work; it must be idempotent, as a killed worker's row is run again when its lease expires.
"""

from collections.abc import Callable
from dataclasses import dataclass

from django.utils.functional import Promise

from buergerbuero.background import channels


@dataclass(frozen=True)
class Handler:
    kind: str
    channel: str
    label: str | Promise  # for staff
    run: Callable  # message: build(payload, now=) -> outgoing message or None; task: run(payload, attempt=, now=)
    lease_seconds: int | None = None  # None: settings.OUTBOX_LEASE_SECONDS


_handlers: dict[str, Handler] = {}


def _register(handler: Handler) -> None:
    if handler.kind in _handlers and _handlers[handler.kind].run is not handler.run:
        raise ValueError(f"outbox kind {handler.kind!r} is registered twice")
    _handlers[handler.kind] = handler


def message(kind: str, *, label: str | Promise, channel: str = channels.EMAIL) -> Callable[[Callable], Callable]:
    """Register `build(payload, *, now) -> EmailMessage | None` (None: the message is overtaken, nothing is sent)."""

    def decorate(build: Callable) -> Callable:
        _register(Handler(kind, channel, label, build))
        return build

    return decorate


def task(kind: str, *, label: str | Promise, lease_seconds: int | None = None) -> Callable[[Callable], Callable]:
    """Register `run(payload, *, attempt, now)`: deferred work the worker runs once it is committed (idempotent)."""

    def decorate(run: Callable) -> Callable:
        _register(Handler(kind, channels.TASK, label, run, lease_seconds))
        return run

    return decorate


def handler(kind: str) -> Handler:
    try:
        return _handlers[kind]
    except KeyError:
        raise LookupError(f"no outbox handler for {kind!r}") from None


def label(kind: str) -> str:
    return str(_handlers[kind].label) if kind in _handlers else kind
