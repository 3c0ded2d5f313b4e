"""Booking throughput with 32 concurrent clients on PostgreSQL (foundation issue §7).

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bb_bench .venv/bin/python -m bench.booking_race

32 clients (each its own connection; 2 processes of 16 threads, as 2 web processes with threads, or one process
each with BENCH_PROCESSES=32) hold and confirm appointments at random
free start times of one office (12 counters, 8-week horizon) for a fixed time. Afterwards the claims are
checked for overlaps. Baselines in the same run: one client alone (the cost of one booking without
contention), 32 processes inserting single rows into a plain table (autocommit) – the raw write rate of
the same database on the same machine – and the booking's own SQL replayed by pgbench with 32 clients: the
statements of one real booking (booking query, hold, confirmation) are recorded, their values turned into
expressions that give every replayed booking its own code, public id and times (shifted by a random number of
weeks, so the replay's claims rarely collide), and run in the same transactions. That is the rate the design's
statements allow on this machine; the ratio of our bookings to it is what Python and Django cost on top.

Every client first connects and warms up (like a web worker that has served a request), then all start
together at a barrier: the rate is steady-state work per second, not process start-up.
"""

import datetime as dt
import io
import json
import multiprocessing as mp
import os
import random
import sys
import time

from bench import sql_replay
from bench.common import ROOT, setup_django

CLIENTS = int(os.environ.get("BENCH_CLIENTS", "32"))
# How the clients are spread over processes: 2 by default (16 threads each with 32 clients) – the shape of the
# replay it is compared with (pgbench -j 2: 2 threads drive the 32 connections) and of the deployment
# (scripts/run-server: WEB_WORKERS=2 processes with threads). BENCH_PROCESSES=32 gives every client a process.
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
SECONDS = float(os.environ.get("BENCH_SECONDS", "10"))
REPLAY_SCRIPT = ROOT / "var" / "bench" / "booking_replay.sql"


def _client(number: int, starts: list[str], barrier, results, threads: int = 1) -> None:
    """One client process: `threads` connections booking side by side (each thread its own connection, as the
    threads of a web process have), released together with every other process."""
    import threading

    import django

    django.setup()
    ready, go = threading.Barrier(threads + 1), threading.Event()
    counts: list[tuple[int, int]] = []

    def book(seed: int) -> None:
        from django.db import connection
        from django.utils import timezone

        from buergerbuero.booking import services
        from buergerbuero.booking.selectors import live
        from buergerbuero.catalog.models import Office

        office = Office.objects.get(slug="rennen")
        live.booking_query(office=office, service_slugs=["kurz"], now=timezone.now())
        rng = random.Random(seed)
        won = lost = 0
        ready.wait()
        go.wait()
        while time.time() < deadline:
            start = dt.datetime.fromisoformat(rng.choice(starts))
            now = timezone.now()
            query = live.booking_query(office=office, service_slugs=["kurz"], now=now)
            try:
                hold, _ = services.hold(query=query, start=start, now=now)
                services.confirm(appointment=hold, name="Bench", email=f"c{seed}-{won}@example.org", now=now)
                won += 1
            except services.SlotTaken:
                lost += 1
            except Exception as exc:  # e.g. the e-mail limit; counted, not fatal
                if "zu kurzfristig" in str(exc):
                    continue
                lost += 1
        connection.close()
        counts.append((won, lost))

    workers = [threading.Thread(target=book, args=(number * threads + n,)) for n in range(threads)]
    for w in workers:
        w.start()
    ready.wait()  # every thread has connected and warmed up
    barrier.wait()
    began, cpu = time.time(), time.process_time()
    deadline = began + SECONDS
    go.set()
    for w in workers:
        w.join()
    ended, cpu = time.time(), time.process_time() - cpu
    results.put((sum(c[0] for c in counts), sum(c[1] for c in counts), began, ended, cpu))


def _raw(number: int, barrier, results) -> None:
    import django
    from django.db import connection

    django.setup()
    count = 0
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        barrier.wait()
        began = time.time()
        deadline = began + SECONDS
        while time.time() < deadline:
            cursor.execute("INSERT INTO bench_raw (client, payload) VALUES (%s, %s)", [number, "x" * 40])
            count += 1
    ended = time.time()
    connection.close()
    results.put((count, 0, began, ended, 0.0))


def _run(target, args_for, clients: int = CLIENTS, **kwargs) -> tuple[int, int, float, float]:
    """Start the clients, let them warm up, release them together; (done, refused, seconds of work, CPU seconds
    of the clients)."""
    from django.db import connections

    connections.close_all()  # children must not share the parent's socket
    for conn in connections.all():  # nor its pool: a forked pool has no worker threads and never hands one out
        if hasattr(conn, "close_pool"):
            conn.close_pool()
    context = mp.get_context("fork")
    results, barrier = context.Queue(), context.Barrier(clients)
    procs = [
        context.Process(target=target, args=(*args_for(n), barrier, results), kwargs=kwargs) for n in range(clients)
    ]
    for p in procs:
        p.start()
    totals = [results.get() for _ in procs]
    for p in procs:
        p.join()
    elapsed = max(t[3] for t in totals) - min(t[2] for t in totals)
    return sum(t[0] for t in totals), sum(t[1] for t in totals), elapsed, sum(t[4] for t in totals)


def _record_one_booking(office, start: str, before: str) -> tuple[str, int]:
    """The pgbench script of one real booking (booking query, hold, confirmation), as the clients make it. `before`:
    a time of the same day booked first, unrecorded – the day's first confirmation also reads the day's bookings
    for its masks, every later one only adds its own units; the race's bookings are the later ones."""
    from django.db import connection
    from django.utils import timezone

    from buergerbuero.booking import services
    from buergerbuero.booking.selectors import live

    now = timezone.now()
    query = live.booking_query(office=office, service_slugs=["kurz"], now=now)
    first, _ = services.hold(query=query, start=dt.datetime.fromisoformat(before), now=now)
    services.confirm(appointment=first, name="Bench", email="first@example.org", now=now)
    with connection.cursor() as cursor:  # an id no office, counter or service has: the replay finds it by value
        cursor.execute("SELECT setval('booking_appointment_id_seq', 1000000)")
    recording, email = sql_replay.Recording(), "record@example.org"
    with recording.phase():
        query = live.booking_query(office=office, service_slugs=["kurz"], now=now)
    with recording.phase():
        hold, _ = services.hold(query=query, start=dt.datetime.fromisoformat(start), now=now)
    with recording.phase():
        services.confirm(appointment=hold, name="Bench", email=email, now=now)
    statements = sum(len(p) for p in recording.phases)
    print(f"one booking: {statements} statements in {sum(1 for p in recording.phases if p and p[0][2])} transactions")
    return sql_replay.script(recording, pk=hold.pk, email=email), statements


def main() -> None:
    if not os.environ.get("DATABASE_URL", "").startswith("postgres"):
        sys.exit("Set DATABASE_URL to a PostgreSQL database (this benchmark is about PostgreSQL).")
    os.environ.setdefault("DEBUG", "false")  # as deployed: no query log kept per connection
    # A process's threads each keep their connection for the whole run: its pool must hold them all.
    os.environ.setdefault("DB_POOL_MAX_SIZE", str(max(8, CLIENTS // PROCESSES)))
    setup_django("booking_race")
    from django.db import connection
    from django.utils import timezone

    from bench import seed
    from buergerbuero.booking.selectors import live

    office = seed.office("rennen", counters=12)
    office.max_active_per_email = 100
    office.save()
    now = timezone.now()
    query = live.booking_query(office=office, service_slugs=["kurz"], now=now)
    days = live.free_times(query, timezone.localdate(), query.request.last_day, now=now)
    starts = [t.start.isoformat() for times in days.values() for t in times]
    print(f"office with 12 counters, {len(starts)} free start times × counters to race for")
    replay_script, statements = _record_one_booking(office, starts.pop(), starts.pop())  # two of the last day
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_raw")
        cursor.execute("CREATE TABLE bench_raw (id bigserial primary key, client int, payload text)")
    connection.close()

    single, _, single_elapsed, single_cpu = _run(_client, lambda n: (100 + n, starts), clients=1)
    if CLIENTS % PROCESSES:
        sys.exit(f"BENCH_CLIENTS={CLIENTS} must be a multiple of BENCH_PROCESSES={PROCESSES}")
    threads = CLIENTS // PROCESSES
    won, lost, elapsed, cpu = _run(_client, lambda n: (n, starts), clients=PROCESSES, threads=threads)
    with connection.cursor() as cursor:
        cursor.execute(
            """SELECT count(*) FROM booking_appointment a JOIN booking_appointment b
               ON a.counter_id = b.counter_id AND a.id < b.id AND a.start < b.claim_end AND b.start < a.claim_end
               WHERE a.office_id = %s AND a.status = 'confirmed' AND b.status = 'confirmed'""",
            [office.pk],
        )
        overlaps = cursor.fetchone()[0]
    raw, _, raw_elapsed, _ = _run(_raw, lambda n: (n,))
    replay_rate = sql_replay.replay(
        replay_script, url=os.environ["DATABASE_URL"], clients=CLIENTS, seconds=SECONDS, path=REPLAY_SCRIPT
    )
    rate, raw_rate = won / elapsed, raw / raw_elapsed
    print(
        f"confirmed bookings: {won} in {elapsed:.1f} s = {rate:.0f}/s ({lost} refused as taken); overlaps: {overlaps}"
    )
    print(
        f"one client alone: {single / single_elapsed:.0f} bookings/s ({1000 * single_elapsed / single:.1f} ms each,"
        f" {1000 * single_cpu / single:.2f} ms of it Python CPU); with {CLIENTS} clients in {PROCESSES} processes"
        f" {1000 * cpu / max(won, 1):.2f} ms Python CPU per booking, load average {os.getloadavg()[0]:.1f}"
    )
    print(f"raw single-row inserts: {raw} in {raw_elapsed:.1f} s = {raw_rate:.0f}/s")
    print(f"the booking's own SQL replayed by pgbench ({REPLAY_SCRIPT}): {replay_rate:.0f} bookings/s")
    print(f"ratio bookings/s : inserts/s = 1 : {raw_rate / rate:.1f} ({100 * rate / raw_rate:.1f} %)")
    print(f"ratio bookings/s : replay of their SQL = {100 * rate / replay_rate:.0f} %")
    print(
        json.dumps(
            {
                "bookings_per_s": rate,
                "one_client_bookings_per_s": single / single_elapsed,
                "raw_inserts_per_s": raw_rate,
                "sql_replay_per_s": replay_rate,
                "statements": statements,
                "clients": CLIENTS,
                "processes": PROCESSES,
                "overlaps": overlaps,
                "refused": lost,
            }
        )
    )


if __name__ == "__main__":
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    main()
