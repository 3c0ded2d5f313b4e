"""Benchmark: the call display with many open SSE screens while a clerk calls a number every second.

Starts a real granian server on 127.0.0.1 (a fresh SQLite database in a temp dir), opens N
EventSource-like connections to /queue/<office>/display/events and, from this separate process (as
another web worker would), draws a ticket and calls it once per second through the services. For every
call it measures the delay until each screen received it. Phase 1 uses one screen (the same-run
baseline), phase 2 uses N screens; the ratio shows what the extra screens cost. Bounded: each phase
runs --seconds, the server is stopped at the end.

    .venv/bin/python bench/floor_display.py --screens 50 --seconds 30 --interface wsgi
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
OFFICE = "bench-office"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def setup_django(var_dir: str) -> None:
    os.environ["BUERGERBUERO_VAR_DIR"] = var_dir
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "buergerbuero.settings")
    sys.path.insert(0, str(ROOT / "src"))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def create_floor():
    from django.contrib.auth import get_user_model

    from buergerbuero.accounts.models import Organisation, StaffMembership
    from buergerbuero.catalog.models import Counter, Office, OfficeService, Service
    from buergerbuero.queue import services

    org = Organisation.objects.create(name="Bench-Stadt")
    office = Office.objects.create(
        organisation=org, slug=OFFICE, name="Bürgerbüro Bench", street="Markt 1", postcode="44575", city="Bench"
    )
    service = Service.objects.create(
        slug="meldebescheinigung",
        leika_key="99115003000000",
        name_de="Meldebescheinigung",
        name_en="Certificate",
        handling_minutes=10,
    )
    OfficeService.objects.create(office=office, service=service)
    counter = Counter.objects.create(office=office, number=1)
    clerk = get_user_model().objects.create_user("bench-clerk", None, None)
    StaffMembership.objects.create(user=clerk, organisation=org, role=StaffMembership.Role.CLERK)
    services.open_session(clerk=clerk, counter=counter)
    return office, service, clerk


def start_server(port: int, interface: str, var_dir: str) -> subprocess.Popen:
    target = "buergerbuero.asgi:application" if interface == "asgi" else "buergerbuero.wsgi:application"
    env = {**os.environ, "BUERGERBUERO_VAR_DIR": var_dir, "LOG_LEVEL": "WARNING", "PYTHONPATH": str(ROOT / "src")}
    cmd = [
        str(ROOT / ".venv/bin/granian"),
        "--interface",
        interface,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        target,
    ]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=2).read()
            return proc
        except OSError:
            time.sleep(0.2)
    proc.kill()
    assert proc.stderr is not None  # started with stderr=PIPE
    raise SystemExit("server did not start: " + proc.stderr.read().decode()[-2000:])


async def screen(port: int, received: dict, index: int, stop: asyncio.Event, ready: asyncio.Event, counter: list):
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET /queue/{OFFICE}/display/events HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n\r\n".encode()
    )
    await writer.drain()
    connected = False
    try:
        while not stop.is_set():
            try:
                line = await asyncio.wait_for(reader.readline(), timeout=0.5)
            except TimeoutError:
                continue
            if not line:
                break
            if not connected and line.startswith(b"retry:"):
                connected = True
                counter[0] += 1
                if counter[0] == counter[1]:
                    ready.set()
            if line.startswith(b"data:"):
                payload = json.loads(line[5:])
                now = time.monotonic()
                for call in payload["calls"]:  # a call counts as shown once it is on the screen at all
                    received.setdefault(call["ticket"], {}).setdefault(index, now)
    finally:
        writer.close()


def caller(office, service, clerk, seconds: float, called: dict, stop_at: float):
    from django.db import connection

    from buergerbuero.queue import services

    try:
        while time.monotonic() < stop_at:
            tick = time.monotonic()
            services.draw_ticket(office=office, service=service, override_quota=True, channel="bench")
            visit = services.call_next(clerk=clerk)
            called[visit.ticket.label] = time.monotonic()  # committed: the services are atomic
            services.finish(clerk=clerk, visit=visit, services=[service])
            time.sleep(max(0.0, 1.0 - (time.monotonic() - tick)))
    finally:
        connection.close()


async def phase(port: int, screens: int, seconds: float, office, service, clerk) -> dict:
    received: dict[str, dict[int, float]] = {}
    called: dict[str, float] = {}
    stop, ready = asyncio.Event(), asyncio.Event()
    count = [0, screens]
    tasks = [asyncio.create_task(screen(port, received, i, stop, ready, count)) for i in range(screens)]
    await asyncio.wait_for(ready.wait(), timeout=60)
    await asyncio.sleep(1.5)  # let every screen receive the current state first
    received.clear()
    stop_at = time.monotonic() + seconds
    thread = threading.Thread(target=caller, args=(office, service, clerk, seconds, called, stop_at))
    thread.start()
    while thread.is_alive():
        await asyncio.sleep(0.2)
    await asyncio.sleep(2.5)  # the last call still has to arrive
    stop.set()
    await asyncio.gather(*tasks, return_exceptions=True)
    delays: list[float] = []
    missed = 0
    for label, at in called.items():
        got = received.get(label, {})
        missed += screens - len(got)
        delays.extend(t - at for t in got.values())
    delays.sort()
    q = statistics.quantiles(delays, n=100) if len(delays) > 1 else [0] * 99
    return {
        "screens": screens,
        "calls": len(called),
        "deliveries": len(delays),
        "missed": missed,
        "p50_ms": round(q[49] * 1000),
        "p90_ms": round(q[89] * 1000),
        "max_ms": round(max(delays) * 1000) if delays else None,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--screens", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--interface", choices=["wsgi", "asgi"], default="wsgi")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bb-floor-bench-") as var_dir:
        setup_django(var_dir)
        office, service, clerk = create_floor()
        port = free_port()
        server = start_server(port, args.interface, var_dir)
        try:
            base = asyncio.run(phase(port, 1, args.seconds, office, service, clerk))
            many = asyncio.run(phase(port, args.screens, args.seconds, office, service, clerk))
        finally:
            server.terminate()
            server.wait(timeout=20)
    print(json.dumps({"interface": args.interface, "baseline": base, "load": many}, indent=1))
    ratio = many["p90_ms"] / base["p90_ms"] if base["p90_ms"] else float("nan")
    print(f"p90 delay with {args.screens} screens / with 1 screen: {ratio:.2f}")
    live = many["missed"] == 0 and many["p90_ms"] < 2500
    print("LIVE" if live else "NOT LIVE")


if __name__ == "__main__":
    main()
