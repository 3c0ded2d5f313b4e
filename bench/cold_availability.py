"""Cold availability across a region (issue 19, "Cold availability").

    .venv/bin/python -m bench.cold_availability            # SQLite file under var/bench/
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bb_bench .venv/bin/python -m bench.cold_availability
    BENCH_OFFICES=100 BENCH_HISTORY=15000,150000,1500000 …  # the defaults

100 offices × 6 counters (a region: 600 counters), every office booked solid for 42 days, then 70 % full to the
end of its 8-week horizon. Measured in-process, all in the same run:

1. Earliest free time for one service across N = 1 / 10 / 50 / 100 offices with nothing cached (the per-process
   maps and the shared cache emptied before each call, untimed: a restart), beside the same call with the day
   cache warm and beside the cold path as it was before the day masks were kept with the stamps (every booking
   of the missing days read, for all offices at once) – the ratios are the result, the absolute times depend on
   the machine's load. The first cold call over all offices is checked against the per-office reads of the
   first version (`intervals()` + `masks_by_day` one office at a time).
2. History: rows of past appointments (15k → 150k → 1.5M) added to the first ten offices; cold earliest free
   for 1 and 10 offices at each size, as a ratio to the first size.
"""

import datetime as dt
import io
import json
import os
import random
import resource
import statistics
import sys
import time

from bench.common import report, setup_django, timed


def main() -> None:
    setup_django("cold_availability")
    from django.core.cache import cache
    from django.utils import timezone

    from bench import seed
    from buergerbuero.booking import availability
    from buergerbuero.booking.models import Appointment
    from buergerbuero.booking.selectors import live
    from buergerbuero.catalog.models import Office

    n_offices = int(os.environ.get("BENCH_OFFICES", "100"))
    history_sizes = [int(n) for n in os.environ.get("BENCH_HISTORY", "15000,150000,1500000").split(",")]
    sizes = [n for n in (1, 10, 50, 100) if n <= n_offices]
    started = time.perf_counter()
    offices: list[Office] = []
    booked = 0
    for n in range(n_offices):
        office = seed.office(f"amt-{n:03d}", counters=6)
        if offices:
            booked += seed.copy_bookings(offices[0], office)
        else:
            booked += seed.book(office, full_days=42, rows_only=True)
        offices.append(office)
    print(
        f"{n_offices} offices × 6 counters booked out 42 days: {booked} appointments ({time.perf_counter() - started:.0f} s)"
    )

    now = timezone.now()
    queries = live.booking_queries(offices=offices, service_slugs=["personalausweis"], now=now)

    def forget():
        live._forget_local()
        cache.clear()

    def cold(qs):
        def run():
            return live.earliest_many(qs, now=now)

        run.before = forget  # emptied before each timed call, outside the timing
        return run

    def from_bookings(qs):
        # The cold path before the masks were kept with the day stamps: the missing days' bookings are read.
        def run():
            kept, live._stored_masks = live._stored_masks, lambda missing: {}
            try:
                return live.earliest_many(qs, now=now)
            finally:
                live._stored_masks = kept

        run.before = forget
        return run

    def timed_cold(fn, repeat):
        samples = []
        for _ in range(repeat + 1):
            fn.before()
            start = time.perf_counter()
            fn()
            samples.append((time.perf_counter() - start) * 1000)
        return samples[1:]

    def old_cold(qs):
        # Before: the missing days of each office read one office at a time (intervals + masks_by_day), then
        # the same engine. Same days as earliest_many's two rounds.
        def run():
            found = {}
            pending = list(qs)
            first = day = min(now.astimezone(q.tz).date() for q in qs)
            last = max(q.request.last_day for q in qs)
            while pending:
                end = min(day + dt.timedelta(days=13), last) if day == first else last
                still = []
                for q in pending:
                    plans = q.calendar.day_plans(day, end)
                    busy = live.intervals(q.office, plans[0].day, plans[-1].day)
                    taken = availability.masks_by_day(plans, busy, q.office.slot_minutes)
                    hit = availability.earliest(plans, taken, q.request)
                    if hit or end >= q.request.last_day:
                        found[q.office.pk] = hit
                    else:
                        still.append(q)
                pending = still
                day = end + dt.timedelta(days=1)
            return found

        return run

    forget()
    hits = cold(queries)()
    days_out = statistics.median((h.start.date() - now.date()).days for h in hits.values() if h)
    print(f"earliest free: median {days_out} days ahead; {sum(1 for h in hits.values() if h)} offices with a time")
    assert hits == old_cold(queries)(), "cold path and per-office reads disagree"

    results = []
    warm_100 = None

    def paired(first, second, repeat):
        """Both, alternately, so that both see the same load of the shared machine."""
        first(), second()
        a, b = [], []
        for _ in range(repeat):
            for fn, samples in ((first, a), (second, b)):
                fn.before()
                start = time.perf_counter()
                fn()
                samples.append((time.perf_counter() - start) * 1000)
        return a, b

    for n in sizes:
        qs = queries[:n]
        repeat = 7 if n <= 10 else 3
        warm = report(
            f"earliest across {n} offices, day cache warm",
            timed(lambda qs=qs: live.earliest_many(qs, now=now), 20),
            25 if n == 100 else None,
        )
        new_samples, old_samples = paired(cold(qs), from_bookings(qs), repeat)
        new = report(f"earliest across {n} offices, cold (nothing cached)", new_samples, 5 * n if n < 100 else 150)
        old = report(f"  baseline: bookings read, as before, {n} offices", old_samples)
        print(
            f"  cold / warm = {new['median_ms'] / warm['median_ms']:.1f}×, bookings read / cold ="
            f" {old['median_ms'] / new['median_ms']:.1f}×, cold per office {new['median_ms'] / n:.2f} ms"
        )
        results += [warm, new, old]
        if n == 100:
            warm_100 = warm
    if warm_100:
        print(f"warm 100 offices: {warm_100['median_ms']:.1f} ms (target ≤ 25 ms)")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process so far (incl. the old per-office path and seeding): {peak:.0f} MB")

    # History: past appointments of the first ten offices, the days before today.
    history = []
    rng = random.Random(7)
    have = 0
    codes = 0
    ten = offices[:10]
    counters = {o.pk: list(o.counters.values_list("pk", flat=True)) for o in ten}
    base: dict[str, float] = {}
    for size in history_sizes:
        rows: list[Appointment] = []
        while have + len(rows) < size:
            o = ten[(have + len(rows)) % len(ten)]
            back = dt.timedelta(days=rng.randrange(1, 730), minutes=8 * 60 + 20 * rng.randrange(30))
            start = now.replace(second=0, microsecond=0) - back
            codes += 1
            rows.append(
                Appointment(
                    code=f"H{codes:09d}",
                    token_hash="x",
                    office=o,
                    counter_id=rng.choice(counters[o.pk]),
                    start=start,
                    end=start + dt.timedelta(minutes=20),
                    claim_end=start + dt.timedelta(minutes=20),
                    channel="web",
                    status="confirmed",
                    created_at=start - dt.timedelta(days=20),
                    confirmed_at=start - dt.timedelta(days=20),
                )
            )
            if len(rows) >= 20_000:
                Appointment.objects.bulk_create(rows, batch_size=5000)
                have += len(rows)
                rows = []
        Appointment.objects.bulk_create(rows, batch_size=5000)
        have += len(rows)
        one = report(f"history {have:>9,}: cold earliest, 1 office", timed_cold(cold(queries[:1]), 10))
        many = report(f"history {have:>9,}: cold earliest, 10 offices", timed_cold(cold(queries[:10]), 10))
        base.setdefault("one", one["median_ms"])
        base.setdefault("many", many["median_ms"])
        print(
            f"  ratio to {history_sizes[0]:,} rows of history: 1 office {one['median_ms'] / base['one']:.2f}×,"
            f" 10 offices {many['median_ms'] / base['many']:.2f}×"
        )
        history.append({"history_rows": have, "one_ms": one["median_ms"], "ten_ms": many["median_ms"]})
    print(json.dumps({"results": results, "history": history, "database": os.environ["DATABASE_URL"].split(":")[0]}))


if __name__ == "__main__":
    if isinstance(sys.stdout, io.TextIOWrapper):
        sys.stdout.reconfigure(line_buffering=True)
    main()
