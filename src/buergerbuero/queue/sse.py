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
import time
from collections.abc import AsyncIterator, Iterator
from zoneinfo import ZoneInfo

from asgiref.sync import sync_to_async

from buergerbuero.queue import selectors

RETRY_MS = 2000
HEARTBEAT_SECONDS = 15.0


def event(payload: dict) -> str:
    return f"id: {payload['version']}\nevent: calls\ndata: {json.dumps(payload, ensure_ascii=False)}\n\n"


def poll(office_id: int, tz: str, last: tuple | int | None) -> tuple[tuple, str | None]:
    """One cheap look at the version row; the full list only when it (or the local day) changed."""
    day = dt.datetime.now(ZoneInfo(tz)).date()
    key = (selectors.display_version(office_id), day)
    if key == last or (isinstance(last, int) and last == key[0]):
        return key, None
    payload = selectors.display_payload(office_id, day)
    return (payload["version"], day), event(payload)


def stream(office_id: int, tz: str, last: int | None, *, interval: float, max_seconds: float) -> Iterator[str]:
    """Blocking variant for WSGI servers (one thread per open screen)."""
    yield f"retry: {RETRY_MS}\n\n"
    deadline = time.monotonic() + max_seconds
    quiet_since = time.monotonic()
    # The connection is released by Django's request_finished handling when the server closes the response.
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
    office_id: int, tz: str, last: int | None, *, interval: float, max_seconds: float
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
