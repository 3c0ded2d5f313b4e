"""Synthetic but realistic offices for the benchmarks (fully booked weeks, then gaps)."""

import datetime as dt
import random

from django.utils import timezone

from buergerbuero.accounts.models import Organisation
from buergerbuero.booking import services as booking_services
from buergerbuero.booking.models import Appointment, AppointmentService, Claim
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.capacity.models import OpeningRule, RosterEntry
from buergerbuero.catalog.models import Counter, Office, OfficeService, Service

T = dt.time


def services() -> dict[str, Service]:
    out = {}
    for slug, minutes, leika in [("kurz", 10, "99115003000000"), ("personalausweis", 20, "99008001000000")]:
        out[slug] = Service.objects.get_or_create(
            slug=slug, defaults=dict(leika_key=leika, name_de=slug, name_en=slug, handling_minutes=minutes)
        )[0]
    return out


def office(slug: str, counters: int, hours=(T(8), T(18))) -> Office:
    org = Organisation.objects.get_or_create(name="Bench")[0]
    o = Office.objects.create(
        organisation=org,
        slug=slug,
        name=slug,
        street="Markt 1",
        postcode="10115",
        city="Berlin",
        min_notice_minutes=0,
        horizon_days=56,
        land="BE",
    )
    OpeningRule.objects.create(office=o, weekdays="01234", start_time=hours[0], end_time=hours[1])
    entries = []
    for n in range(1, counters + 1):
        c = Counter.objects.create(office=o, number=n)
        entries.append(RosterEntry(counter=c, weekdays="01234", start_time=hours[0], end_time=hours[1]))
    RosterEntry.objects.bulk_create(entries)
    for s in services().values():
        OfficeService.objects.create(office=o, service=s)
    return o


def book(o: Office, *, full_days: int, seed: int = 1, fill_after: float = 0.7, rows_only: bool = False) -> int:
    """Book every counter solid for `full_days` days from today, then leave gaps.

    `rows_only`: the appointments without their items and claims (enough for availability reads, a third of
    the rows to write)."""
    rng = random.Random(seed)
    svc = services()
    today = timezone.localdate()
    now = timezone.now()
    appointments: list[Appointment] = []
    items: list[Service] = []
    for plan in capacity_selectors.day_plans(o, today, today + dt.timedelta(days=o.horizon_days)):
        offset = (plan.day - today).days
        for w in plan.windows:
            t = w.start
            while t < w.end:
                if offset >= full_days and rng.random() > fill_after:
                    t += 20
                    continue
                slug = rng.choice(["kurz", "personalausweis"])
                minutes = svc[slug].handling_minutes
                if t + minutes > w.end:
                    slug, minutes = "kurz", 10
                begin = plan.midnight + dt.timedelta(minutes=t)
                appointments.append(
                    Appointment(
                        code=f"{o.pk:03d}{len(appointments):06d}",
                        token_hash="x",
                        office=o,
                        counter_id=w.lane,
                        start=begin,
                        end=begin + dt.timedelta(minutes=minutes),
                        claim_end=begin + dt.timedelta(minutes=minutes),
                        channel="web",
                        status="confirmed",
                        created_at=now,
                        confirmed_at=now,
                    )
                )
                items.append(svc[slug])
                t += minutes
    Appointment.objects.bulk_create(appointments, batch_size=2000)
    if rows_only:
        booking_services.touch_days(o, [a.start for a in appointments])
        return len(appointments)
    AppointmentService.objects.bulk_create(
        (
            AppointmentService(appointment=a, service=s, minutes=s.handling_minutes)
            for a, s in zip(appointments, items, strict=True)
        ),
        batch_size=5000,
    )
    step = dt.timedelta(minutes=10)
    Claim.objects.bulk_create(
        (
            Claim(appointment=a, counter_id=a.counter_id, unit_start=a.start + i * step)
            for a in appointments
            for i in range(round((a.claim_end - a.start) / step))
        ),
        batch_size=5000,
    )
    booking_services.touch_days(o, [a.start for a in appointments])
    return len(appointments)


def copy_bookings(source: Office, target: Office) -> int:
    """The appointments of `source` again for `target` (same counters by number, same times), in one INSERT …
    SELECT: seeding a region of 100 offices in seconds instead of minutes. Rows only (no items, no claims)."""
    from django.db import connection

    table = Appointment._meta.db_table
    offset = target.counters.order_by("number")[0].pk - source.counters.order_by("number")[0].pk
    uuid = "lower(hex(randomblob(16)))" if connection.vendor == "sqlite" else "gen_random_uuid()"
    columns = 'code, token_hash, office_id, counter_id, start, "end", claim_end, persons, channel, status, '
    columns += "name, email, phone, created_at, confirmed_at, language, sequence, managed_at"
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (public_id, {columns})"
            f' SELECT {uuid}, %s || substr(code, 4), token_hash, %s, counter_id + %s, start, "end", claim_end,'
            " persons, channel, status, name, email, phone, created_at, confirmed_at, language, sequence, managed_at"
            f" FROM {table} WHERE office_id = %s",
            [f"{target.pk:03d}", target.pk, offset, source.pk],
        )
        copied = cursor.rowcount
    starts = Appointment.objects.filter(office=target).values_list("start", flat=True)
    booking_services.touch_days(target, list(starts))
    return copied
