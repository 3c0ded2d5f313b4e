"""Server-Sent Events for the call display, without state in process memory.

Each open screen polls one indexed row (``FloorSettings.display_version``) every second or so and gets
the last calls only when the version moved, so any number of web processes can serve any screen and a
call made through another process shows up within one poll interval. Streams end after a bounded time;
the browser's EventSource reconnects by itself (``retry``) and sends ``Last-Event-ID`` so an unchanged
screen is not sent the same list again.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import threading
import time
from collections.abc import AsyncIterator, Iterator
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async
from django.db import connection

from buergerbuero.queue.selectors import live

RETRY_MS = 2000
HEARTBEAT_SECONDS = 15.0


def event(payload: dict) -> str:
    return f"id: {payload['version']}\nevent: calls\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


def poll(office_id: int, tz: str, last: tuple | int | None) -> tuple[tuple, str | None]:
    """One cheap look at the version row; the full list only when it (or the local day) changed.

    The database connection goes back (to the pool) after every look: a screen waits most of its time, and a
    connection held through that wait is one that a booking cannot get.
    """
    try:
        day = dt.datetime.now(ZoneInfo(tz)).date()
        key = (live.display_version(office_id), day)
        if key == last or (isinstance(last, int) and last == key[0]):
            return key, None
        payload = live.display_payload(office_id, day)
        return (payload["version"], day), event(payload)
    finally:
        # An SQLite connection is a file handle, kept per thread; inside a transaction nothing may close it.
        if connection.vendor != "sqlite" and not connection.in_atomic_block:
            connection.close()


class StreamSlots:
    """How many streams this process serves, in total and per client address; a full house says no.

    An open screen holds a server thread for minutes: without a cap, a few hundred anonymous streams would take
    every thread and the booking pages would wait behind them.
    """

    def __init__(self):
        self._lock = threading.Lock()
        self._by_address: dict[str, int] = {}

    def open_streams(self) -> int:
        with self._lock:
            return sum(self._by_address.values())

    def acquire(self, address: str, *, total: int, per_address: int) -> Slot | None:
        with self._lock:
            if sum(self._by_address.values()) >= total or self._by_address.get(address, 0) >= per_address:
                return None
            self._by_address[address] = self._by_address.get(address, 0) + 1
        return Slot(self, address)

    def _release(self, address: str) -> None:
        with self._lock:
            left = self._by_address.get(address, 0) - 1
            if left > 0:
                self._by_address[address] = left
            else:
                self._by_address.pop(address, None)


class Slot:
    def __init__(self, slots: StreamSlots, address: str):
        self._slots = slots
        self._address = address
        self._released = False
        self._lock = threading.Lock()

    def release(self) -> None:
        """Idempotent: called when the stream ends and again when the server closes the response."""
        with self._lock:
            if self._released:
                return
            self._released = True
        self._slots._release(self._address)


SLOTS = StreamSlots()


class GuardedStream:
    """A stream's body that gives its slot back when the stream ends or the server closes the response.

    Django calls ``close()`` on the body when the response is closed, also when the client left before the
    first byte (then a generator's ``finally`` would never run).
    """

    def __init__(self, body: Iterator[str], slot: Slot):
        self._body = body
        self._slot = slot

    def __iter__(self) -> Iterator[str]:
        try:
            yield from self._body
        finally:
            self._slot.release()

    def close(self) -> None:
        self._slot.release()
        close = getattr(self._body, "close", None)
        if close is not None:
            close()


class AsyncGuardedStream:
    """The same for ASGI: the async generator itself is finalised by the event loop."""

    def __init__(self, body: AsyncIterator[str], slot: Slot):
        self._body = body
        self._slot = slot

    async def __aiter__(self) -> AsyncIterator[str]:
        try:
            async for chunk in self._body:
                yield chunk
        finally:
            self._slot.release()

    def close(self) -> None:
        self._slot.release()


def stream(office_id: int, tz: str, last: tuple | int | None, *, interval: float, max_seconds: float) -> Iterator[str]:
    """Blocking variant for WSGI servers (one thread per open screen)."""
    yield f"retry: {RETRY_MS}\n\n"
    deadline = time.monotonic() + max_seconds
    quiet_since = time.monotonic()
    while True:
        last, chunk = poll(office_id, tz, last)
        if chunk:
            quiet_since = time.monotonic()
            yield chunk
        elif time.monotonic() - quiet_since > HEARTBEAT_SECONDS:
            quiet_since = time.monotonic()
            yield ": keep-alive\n\n"
        if time.monotonic() + interval > deadline:
            return
        time.sleep(interval)


async def astream(
    office_id: int, tz: str, last: tuple | int | None, *, interval: float, max_seconds: float
) -> AsyncIterator[str]:
    """Async variant for ASGI servers: an open screen costs a coroutine, the DB look runs in the ORM thread."""
    yield f"retry: {RETRY_MS}\n\n"
    look = sync_to_async(poll, thread_sensitive=True)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_seconds
    quiet_since = loop.time()
    while True:
        last, chunk = await look(office_id, tz, last)
        if chunk:
            quiet_since = loop.time()
            yield chunk
        elif loop.time() - quiet_since > HEARTBEAT_SECONDS:
            quiet_since = loop.time()
            yield ": keep-alive\n\n"
        if loop.time() + interval > deadline:
            return
        await asyncio.sleep(interval)
