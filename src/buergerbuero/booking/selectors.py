import bisect
import contextlib
import datetime as dt
import time
from collections import OrderedDict
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking import availability
from buergerbuero.booking.models import Appointment, AppointmentService, Claim, DayStamp
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.capacity.models import Channel
from buergerbuero.capacity.rules import DayPlan
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.catalog.models import Office, Service
from buergerbuero.core.errors import DomainError, NotFound, lazy_date, lazy_format
from buergerbuero.core.tokens import hash_token

MAX_RANGE_DAYS = 62
# Days that never had a stamp are cached this long only: nothing renews their key if rows are written by hand.
# Stamped days live until their stamp changes (settings.AVAILABILITY_CACHE_SECONDS bounds memory, not staleness;
# docs/adr/0001-day-cache.md).
NO_STAMP_SECONDS = 600
NO_STAMP = "-"  # a day whose bookings never changed through the services


@dataclass(frozen=True)
class BookingQuery:
    """A validated question: which office, which services for how many persons, through which channel."""

    office: Office
    services: list[tuple[Service, int]]
    persons: int
    channel: str
    request: availability.Request
    calendar: capacity_selectors.OfficeSnapshot  # the office's calendar as of building: one stamp read per request

    @property
    def minutes(self) -> int:
        return sum(minutes for _service, minutes in self.services) * self.persons

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.office.timezone)


def _validated(services: list[tuple[Service, int]], persons: int, channel: str) -> None:
    if channel == Channel.WEB and any(not s.bookable_online for s, _m in services):
        raise DomainError(_("Diese Leistung kann nicht online gebucht werden."), field="services")
    max_persons = min(s.max_persons for s, _m in services)
    if not 1 <= persons <= max_persons:
        raise DomainError(
            lazy_format(_("Für diese Leistung sind 1 bis %(max)d Personen je Termin möglich."), {"max": max_persons}),
            field="persons",
        )


def booking_queries(
    *,
    offices: list[Office],
    service_slugs: list[str],
    persons: int = 1,
    channel: str = Channel.WEB,
    now: dt.datetime,
) -> list[BookingQuery]:
    """Validated questions for several offices at once (offices that lack a service are left out)."""
    if channel not in Channel.values:
        raise DomainError(_("Unbekannter Buchungskanal."), field="channel")
    if not service_slugs or len(set(service_slugs)) != len(service_slugs):
        catalog_selectors.check_slugs(service_slugs)  # raises with the reason
    snapshots = capacity_selectors.snapshots(offices)  # the offer is kept with the calendar: no catalog query
    queries = []
    for office in offices:
        calendar = snapshots[office.pk]
        if not all(slug in calendar.services for slug in service_slugs):
            continue
        services = [calendar.services[slug] for slug in service_slugs]
        _validated(services, persons, channel)
        minutes = sum(m for _s, m in services) * persons + office.buffer_minutes
        request = availability.Request(
            service_ids=frozenset(s.id for s, _m in services),
            units=availability.units_needed(minutes, office.slot_minutes),
            slot_minutes=office.slot_minutes,
            channel=channel,
            shares=calendar.shares,
            not_before=now + dt.timedelta(minutes=office.min_notice_minutes),
            last_day=availability.last_bookable_day(
                now, office.horizon_days, office.release_time, ZoneInfo(office.timezone)
            ),
        )
        queries.append(BookingQuery(office, services, persons, channel, request, calendar))
    if len(queries) < len(offices):
        # Only now tell an unknown service (404) from one an office lacks: this runs on every booking.
        catalog_selectors.check_slugs(service_slugs)
    return queries


def booking_query(
    *,
    office: Office,
    service_slugs: list[str],
    persons: int = 1,
    channel: str = Channel.WEB,
    now: dt.datetime,
) -> BookingQuery:
    queries = booking_queries(offices=[office], service_slugs=service_slugs, persons=persons, channel=channel, now=now)
    if not queries:
        raise DomainError(_("Diese Leistung wird an diesem Standort nicht angeboten."), field="services")
    return queries[0]


def intervals(office: Office, first: dt.date, last: dt.date, *, ignore: int | None = None) -> list[availability.Busy]:
    """Intervals claimed by confirmed bookings of an office (availability reads them for many offices at once
    in `_confirmed_masks`; this per-office form is the reference the tests and the benchmark compare with)."""
    # A day's local midnight differs by at most a few hours from UTC midnight; widen by a day and let
    # masks_by_day drop what falls outside the office's own days.
    start = dt.datetime.combine(first - dt.timedelta(days=1), dt.time(0), tzinfo=dt.UTC)
    end = dt.datetime.combine(last + dt.timedelta(days=2), dt.time(0), tzinfo=dt.UTC)
    # An appointment lies within one opening day, so one starting a day before `start` cannot reach into it: the
    # lower bound lets the (office, start) index read only the window instead of the whole history before `end`.
    rows = Appointment.objects.filter(
        office=office,
        start__gt=start - dt.timedelta(days=1),
        start__lt=end,
        claim_end__gt=start,
        blocks_until__isnull=True,
    )
    if ignore is not None:
        rows = rows.exclude(pk=ignore)
    return [
        availability.Busy(lane, s, e)
        for lane, s, e in rows.order_by("start").values_list("counter_id", "start", "claim_end")
    ]


# Raw SQL for the reads every availability query and every hold makes (ORM query building cost more than the
# queries themselves; docs/benchmarks.md, Foundation).
def _aware(value) -> dt.datetime:
    """SQLite hands back naive UTC datetimes from a raw cursor, PostgreSQL aware ones."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _in(values) -> str:
    return ", ".join(["%s"] * len(values))


def _day_stamps(office_ids: list[int], first: dt.date, last: dt.date) -> dict[tuple[int, dt.date], str]:
    ops = connection.ops
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT office_id, day, stamp FROM {DayStamp._meta.db_table}"
            f" WHERE office_id IN ({_in(office_ids)}) AND day >= %s AND day <= %s",
            [*office_ids, ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)],
        )
        return {
            (office_id, day if isinstance(day, dt.date) else dt.date.fromisoformat(day)): stamp
            for office_id, day, stamp in cursor.fetchall()
        }


def _running(office_ids: list[int], now: dt.datetime, ignore: int | None) -> dict[int, list[availability.Busy]]:
    """Holds and cancelled times within their release delay, still blocking at `now` (few; partial index)."""
    out: dict[int, list[availability.Busy]] = {pk: [] for pk in office_ids}
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT office_id, counter_id, start, claim_end, id FROM {Appointment._meta.db_table}"
            f" WHERE office_id IN ({_in(office_ids)}) AND blocks_until > %s ORDER BY start",
            [*office_ids, connection.ops.adapt_datetimefield_value(now)],
        )
        for office_id, lane, start, end, pk in cursor.fetchall():
            if pk != ignore:
                out[office_id].append(availability.Busy(lane, _aware(start), _aware(end)))
    return out


# Claimed units of confirmed bookings per (office, slot minutes, day, DayStamp): a bounded per-process copy in
# front of the shared Django cache (no pickling, no round trip). Keyed by the stamp, so never older than the last
# booking through the services, and kept until the stamp changes: a stale key is simply never asked for again and
# leaves with the oldest entries (bound: _MAX_LOCAL_DAYS, about 100 offices × 62 days × 3 generations). The
# lifetime (settings.AVAILABILITY_CACHE_SECONDS, a week by default) only bounds how long a forgotten entry lingers.
# Days that never had a stamp are left to the shared cache alone, for NO_STAMP_SECONDS.
_MAX_LOCAL_DAYS = 20_000
_local_taken: OrderedDict[tuple, tuple[float, dict[int, int]]] = OrderedDict()


def _lifetime() -> int:
    return settings.AVAILABILITY_CACHE_SECONDS


def _remember(key: tuple, masks: dict[int, int], clock: float) -> None:
    if key[3] == NO_STAMP:
        return
    _local_taken[key] = (clock + _lifetime(), masks)
    if len(_local_taken) > _MAX_LOCAL_DAYS:
        with contextlib.suppress(KeyError):  # emptied by another thread of the web process meanwhile
            _local_taken.popitem(last=False)


def _recall(key: tuple, clock: float) -> dict[int, int] | None:
    hit = _local_taken.get(key)
    return hit[1] if hit is not None and hit[0] > clock else None


def _shared_key(key: tuple) -> str:
    return "bb:taken:{}:{}:{}:{}".format(*key)


# Office-days read by one query of the cold path: bounds the rows held at once (a day of a busy office has a few
# hundred bookings; 600 office-days ≈ 250,000 rows ≈ 15 MB in the driver) while 100 offices × 14 days take 3 queries.
COLD_OFFICE_DAYS_PER_QUERY = 600


def _epoch_sql(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%%s', {column}) AS INTEGER)"
    return f"CAST(FLOOR(date_part('epoch', {column})) AS BIGINT)"


def _confirmed_masks(
    missing: dict[Office, list[DayPlan]], *, ignore: int | None = None
) -> dict[int, dict[dt.date, dict[int, int]]]:
    """Claimed units of confirmed bookings for the given days of several offices: one query per set of offices
    that miss the same days (bounded by COLD_OFFICE_DAYS_PER_QUERY), reading only the window of those days from
    the (office, start) index. Same masks as `masks_by_day(plans, intervals(...))`, built straight from epoch
    seconds (no datetime objects per row)."""
    out: dict[int, dict[dt.date, dict[int, int]]] = {}
    groups: dict[tuple[dt.date, dt.date], list[Office]] = {}
    for office, plans in missing.items():
        if plans:
            groups.setdefault((plans[0].day, plans[-1].day), []).append(office)
    table = Appointment._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    for group in groups.values():
        days = len(missing[group[0]])
        step = max(1, COLD_OFFICE_DAYS_PER_QUERY // days)
        for n in range(0, len(group), step):
            batch = group[n : n + step]
            # office → (day midnights, day ends as epoch seconds, each day's masks, slot seconds)
            index: dict[int, tuple[list[int], list[int], list[dict[int, int]], int]] = {}
            low = high = None
            for office in batch:
                plans = missing[office]
                found: dict[dt.date, dict[int, int]] = {plan.day: {} for plan in plans}
                out[office.pk] = found
                index[office.pk] = (
                    [int(plan.midnight.timestamp()) for plan in plans],
                    [int(plan.end.timestamp()) for plan in plans],
                    [found[plan.day] for plan in plans],
                    office.slot_minutes * 60,
                )
                low = min(low or plans[0].midnight, plans[0].midnight)
                high = max(high or plans[-1].end, plans[-1].end)
            # An appointment lies within its opening day (claims never cross midnight): the rows starting within
            # the window are all that can reach into its days.
            with connection.cursor() as cursor:
                cursor.execute(
                    f"SELECT office_id, counter_id, {_epoch_sql('start')}, {_epoch_sql('claim_end')} FROM {table}"
                    f" WHERE office_id IN ({_in(batch)}) AND start >= %s AND start < %s"
                    " AND blocks_until IS NULL AND claim_end > start AND id <> %s",
                    [*(o.pk for o in batch), adapt(low), adapt(high), ignore or 0],
                )
                while rows := cursor.fetchmany(5000):
                    for office_id, lane, s, e in rows:
                        mids, ends, day_masks, slot = index[office_id]
                        i = bisect.bisect_right(mids, s) - 1
                        if i < 0 or s >= ends[i]:
                            continue
                        mid = mids[i]
                        a, b = (s - mid) // slot, -((mid - e) // slot)
                        if b > a:
                            masks = day_masks[i]
                            masks[lane] = masks.get(lane, 0) | (((1 << (b - a)) - 1) << a)
    return out


def taken_many(
    plans: dict[Office, list[DayPlan]],
    *,
    now: dt.datetime,
    ignore: int | None = None,
    clock: float | None = None,
) -> dict[int, dict[dt.date, dict[int, int]]]:
    """Claimed units per office, day and counter: confirmed bookings (cached per day under its DayStamp) plus
    the holds and release delays still running at `now` (always read fresh, so an expired hold frees at once).
    Two small queries for any number of offices once the cache is warm; cold days of all offices are read
    together (`_confirmed_masks`). `clock` is the monotonic time the per-process entries are judged by."""
    offices = [o for o, days in plans.items() if days]
    if not offices:
        return {o.pk: {} for o in plans}
    ids = [o.pk for o in offices]
    first = min(days[0].day for days in plans.values() if days)
    last = max(days[-1].day for days in plans.values() if days)
    clock = time.monotonic() if clock is None else clock
    result: dict[int, dict[dt.date, dict[int, int]]] = {pk: {} for pk in ids}
    keys: dict[tuple[int, dt.date], tuple] = {}
    if ignore is None:  # a move must not see its own booking: read fresh instead
        stamps = _day_stamps(ids, first, last)  # before the claims: see docs/adr/0001-day-cache.md
        shared = {}
        for office, pk in zip(offices, ids, strict=True):
            slot, found = office.slot_minutes, result[pk]
            for plan in plans[office]:
                if not plan.windows:  # closed (weekend, holiday): nothing can be booked, claims don't matter
                    found[plan.day] = {}
                    continue
                key = (pk, slot, plan.day, stamps.get((pk, plan.day), NO_STAMP))
                keys[pk, plan.day] = key
                masks = _recall(key, clock)
                if masks is None:
                    shared[key] = _shared_key(key)
                else:
                    found[plan.day] = masks
        if shared:
            cached = cache.get_many(list(shared.values()))
            for key, name in shared.items():
                if name in cached:
                    result[key[0]][key[2]] = cached[name]
                    _remember(key, cached[name], clock)
    missing = {o: [p for p in plans[o] if p.day not in result[o.pk]] for o in offices}
    fresh = _confirmed_masks({o: days for o, days in missing.items() if days}, ignore=ignore)
    stamped: dict[str, dict[int, int]] = {}
    unstamped: dict[str, dict[int, int]] = {}
    for pk, days in fresh.items():
        result[pk].update(days)
        if keys:
            for day, masks in days.items():
                key = keys[pk, day]
                _remember(key, masks, clock)
                (unstamped if key[3] == NO_STAMP else stamped)[_shared_key(key)] = masks
    if stamped:
        cache.set_many(stamped, _lifetime())
    if unstamped:
        cache.set_many(unstamped, NO_STAMP_SECONDS)
    running = _running(ids, now, ignore)
    for office, pk in zip(offices, ids, strict=True):
        if running[pk]:
            live = availability.masks_by_day(plans[office], running[pk], office.slot_minutes)
            days = result[pk]
            for day, masks in live.items():
                if masks:
                    days[day] = availability.merge_masks(days[day], masks)
    return result


def taken(
    office: Office, plans: list[DayPlan], *, now: dt.datetime, ignore: int | None = None
) -> dict[dt.date, dict[int, int]]:
    return taken_many({office: plans}, now=now, ignore=ignore)[office.pk]


def claimed_lanes(lanes: tuple[int, ...], units: list[dt.datetime], *, now: dt.datetime, ignore: int | None = None):
    """Which of these lanes have a claim still counting at `now` on any of the units (raw SQL: every hold)."""
    if not lanes:
        return set()
    adapt = connection.ops.adapt_datetimefield_value
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT DISTINCT counter_id FROM {Claim._meta.db_table}"
            f" WHERE counter_id IN ({_in(lanes)}) AND unit_start IN ({_in(units)})"
            " AND (expires_at IS NULL OR expires_at > %s) AND appointment_id <> %s",
            [*lanes, *(adapt(u) for u in units), adapt(now), ignore or 0],
        )
        return {lane for (lane,) in cursor.fetchall()}


def clamp_range(query: BookingQuery, first: dt.date, last: dt.date, now: dt.datetime) -> tuple[dt.date, dt.date]:
    today = now.astimezone(query.tz).date()
    if last < first:
        raise DomainError(_("Das Enddatum liegt vor dem Anfangsdatum."), field="to")
    if last < today:
        raise DomainError(_("Der Zeitraum liegt in der Vergangenheit."), field="to")
    if (last - first).days > MAX_RANGE_DAYS:
        raise DomainError(
            lazy_format(_("Bitte höchstens %(days)d Tage auf einmal abfragen."), {"days": MAX_RANGE_DAYS}), field="to"
        )
    if first > query.request.last_day:
        raise DomainError(
            lazy_format(
                _("Termine werden nur bis %(day)s vergeben."),
                {"day": lazy_date(query.request.last_day, "SHORT_DATE_FORMAT")},
            ),
            field="from",
        )
    return max(first, today), min(last, query.request.last_day)


def free_times(
    query: BookingQuery, first: dt.date, last: dt.date, *, now: dt.datetime
) -> dict[dt.date, list[availability.FreeTime]]:
    first, last = clamp_range(query, first, last, now)
    plans = query.calendar.day_plans(first, last)
    return availability.free_times(plans, taken(query.office, plans, now=now), query.request)


def earliest_many(
    queries: list[BookingQuery], *, now: dt.datetime, first_chunk_days: int = 14
) -> dict[int, availability.FreeTime | None]:
    """Earliest free start per office. The first two weeks are looked at first (where most offices find a
    time), then the rest of the horizon for the offices still searching – at most two rounds of queries even
    when the first free time is weeks away; the engine stops at each office's first free day."""
    if not queries:
        return {}
    found: dict[int, availability.FreeTime | None] = {}
    pending = list(queries)
    first = day = min(now.astimezone(q.tz).date() for q in queries)
    last = max(q.request.last_day for q in queries)
    while pending:
        end = min(day + dt.timedelta(days=first_chunk_days - 1), last) if day == first else last
        plans = {q.office.pk: q.calendar.day_plans(day, end) for q in pending}
        taken = taken_many({q.office: plans[q.office.pk] for q in pending}, now=now)
        still = []
        for q in pending:
            hit = availability.earliest(plans[q.office.pk], taken[q.office.pk], q.request)
            if hit or end >= q.request.last_day:
                found[q.office.pk] = hit
            else:
                still.append(q)
        pending = still
        day = end + dt.timedelta(days=1)
    return found


def earliest(query: BookingQuery, *, now: dt.datetime) -> availability.FreeTime | None:
    return earliest_many([query], now=now)[query.office.pk]


def lead_time_days(office: Office, service: Service, *, now: dt.datetime | None = None) -> int | None:
    """Days from today until the earliest free web appointment for one person (the lead-time KPI)."""
    now = now or timezone.now()
    query = booking_query(office=office, service_slugs=[service.slug], now=now)
    hit = earliest(query, now=now)
    if hit is None:
        return None
    return (hit.start.astimezone(query.tz).date() - now.astimezone(query.tz).date()).days


def appointment_for_citizen(code: str, token: str) -> Appointment:
    appointment = (
        Appointment.objects.select_related("office", "counter")
        .prefetch_related("items__service")
        .filter(code=code.strip().upper())
        .first()
    )
    if appointment is None or not token or appointment.token_hash != hash_token(token):
        # One message for both: a wrong token must not reveal that the code exists.
        raise NotFound(_("Kein Termin mit diesem Buchungscode und Schlüssel gefunden."), field="code")
    return appointment


def hold_for_citizen(public_id, token: str) -> Appointment:
    appointment = Appointment.objects.select_related("office").filter(public_id=public_id).first()
    if appointment is None or appointment.token_hash != hash_token(token or ""):
        raise NotFound(_("Diese Reservierung gibt es nicht."), field="hold")
    return appointment


def staff_day(office: Office, day: dt.date) -> QuerySet[Appointment]:
    tz = ZoneInfo(office.timezone)
    start = dt.datetime.combine(day, dt.time(0), tzinfo=tz)
    return (
        Appointment.objects.filter(
            office=office,
            status=Appointment.Status.CONFIRMED,
            start__gte=start,
            start__lt=start + dt.timedelta(days=1),
        )
        .select_related("counter")
        .prefetch_related("items__service")
        .order_by("counter__number", "start")
    )


def staff_days(office: Office, first: dt.date, last: dt.date) -> dict[dt.date, list[Appointment]]:
    """Confirmed appointments of several days in `staff_day` order, in two queries (the demo's year of history).

    Each appointment carries `first_service_id` (its first item's service) instead of prefetched items.
    """
    tz = ZoneInfo(office.timezone)
    start = dt.datetime.combine(first, dt.time(0), tzinfo=tz)
    end = dt.datetime.combine(last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
    rows = list(
        Appointment.objects.filter(office=office, status=Appointment.Status.CONFIRMED, start__gte=start, start__lt=end)
        .select_related("counter")
        .only("id", "start", "persons", "counter_id", "counter__number")
        .order_by("counter__number", "start")
    )
    first_service: dict[int, int] = {}
    items = AppointmentService.objects.filter(
        appointment__office=office,
        appointment__status=Appointment.Status.CONFIRMED,
        appointment__start__gte=start,
        appointment__start__lt=end,
    )
    for appointment_id, service_id in items.order_by("id").values_list("appointment_id", "service_id"):
        first_service.setdefault(appointment_id, service_id)
    days: dict[dt.date, list[Appointment]] = {}
    for a in rows:
        a.first_service_id = first_service.get(a.pk)
        days.setdefault(a.start.astimezone(tz).date(), []).append(a)
    return days


# The appointments counted against an address's limit (parameters: the lowercased address, now). Raw SQL:
# every confirmation runs it; lower(email) and the literal status match the partial index appointment_email_confirmed.
ACTIVE_FOR_EMAIL = "lower(email) = %s AND status = 'confirmed' AND start > %s"


def active_count_for_email(email: str, *, now: dt.datetime) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT COUNT(*) FROM {Appointment._meta.db_table} WHERE {ACTIVE_FOR_EMAIL}",
            [email.lower(), connection.ops.adapt_datetimefield_value(now)],
        )
        return cursor.fetchone()[0]


# --- reads for the planner's calibration (planning/calibration.py) ---


def booked_items(office: Office, *, created_from: dt.datetime, created_to: dt.datetime):
    """Services booked in a period, one row per appointment item: (service slug, minutes, persons, channel,
    created_at, status). The planner calibrates demand, service mix and channel split from them."""
    from buergerbuero.booking.models import AppointmentService

    return (
        AppointmentService.objects.filter(
            appointment__office=office,
            appointment__created_at__gte=created_from,
            appointment__created_at__lt=created_to,
        )
        .exclude(appointment__status=Appointment.Status.HELD)
        .values_list(
            "service__slug",
            "minutes",
            "appointment__persons",
            "appointment__channel",
            "appointment__created_at",
            "appointment__status",
        )
    )


def _starting(office: Office, first: dt.datetime, last: dt.datetime) -> QuerySet[Appointment]:
    return Appointment.objects.filter(office=office, start__gte=first, start__lt=last)


def booked_ahead(
    office: Office,
    *,
    first: dt.datetime,
    last: dt.datetime,
    now: dt.datetime,
    created_before: dt.datetime | None = None,
):
    """Appointments (and unexpired holds) starting in [first, last): (start, claim_end, channel) rows.

    What the planner starts from: the capacity already taken at `now`, a running hold included.
    `created_before`: only what had been booked by then (the planner's backtest starts from a past day)."""
    rows = _starting(office, first, last).filter(Q(blocks_until__isnull=True) | Q(blocks_until__gt=now))
    if created_before is not None:
        rows = rows.filter(created_at__lt=created_before)
    return rows.exclude(status=Appointment.Status.CANCELLED).values_list("start", "claim_end", "channel")


def appointment_starts(office: Office, *, first: dt.datetime, last: dt.datetime) -> QuerySet:
    """Start times of the confirmed appointments starting in [first, last); holds and cancellations excluded.

    What the office floor compares its check-ins with: the appointments citizens actually had."""
    return _starting(office, first, last).filter(status=Appointment.Status.CONFIRMED).values_list("start", flat=True)


# --- citizen web pages ---

PARTS_OF_DAY = {
    # local start time range [from, to) for the "only mornings / only evenings" filters
    "morning": (dt.time(0), dt.time(12)),
    "afternoon": (dt.time(12), dt.time(16)),
    "evening": (dt.time(16), dt.time(23, 59)),
}


@dataclass(frozen=True)
class Offer:
    """A free start time as the citizen sees it: local time and the label of its opening rule."""

    start: dt.datetime  # aware, office time zone
    label: str


@dataclass(frozen=True)
class DayOffers:
    day: dt.date
    offers: list[Offer]


def _label(plan, start: dt.datetime) -> str:
    minute = int((start - plan.midnight).total_seconds() // 60)
    for first, last, label in plan.labels:
        if first <= minute < last:
            return label
    return ""


def _matches(local: dt.datetime, part: str, weekday: int | None) -> bool:
    if weekday is not None and local.weekday() != weekday:
        return False
    if part in PARTS_OF_DAY:
        low, high = PARTS_OF_DAY[part]
        return low <= local.time() < high
    return True


def day_offers(
    query: BookingQuery,
    *,
    first: dt.date,
    now: dt.datetime,
    part: str = "",
    weekday: int | None = None,
    max_days: int = 7,
    chunk_days: int = 14,
) -> list[DayOffers]:
    """The next `max_days` days from `first` that have free times matching the filters (days without any are skipped).

    Reads the calendar two weeks at a time, so the first page is also the jump to the first free day.
    """
    out: list[DayOffers] = []
    today = now.astimezone(query.tz).date()
    first = max(first, today)
    while first <= query.request.last_day and len(out) < max_days:
        last = min(first + dt.timedelta(days=chunk_days - 1), query.request.last_day)
        plan_list = query.calendar.day_plans(first, last)
        plans = {plan.day: plan for plan in plan_list}
        free = availability.free_times(plan_list, taken(query.office, plan_list, now=now), query.request)
        for day in sorted(free):
            offers = []
            for item in free[day]:
                local = item.start.astimezone(query.tz)
                if _matches(local, part, weekday):
                    offers.append(Offer(local, _label(plans[day], item.start)))
            if offers:
                out.append(DayOffers(day, offers))
                if len(out) >= max_days:
                    break
        first = last + dt.timedelta(days=1)
    return out


def earliest_offer(query: BookingQuery, *, now: dt.datetime) -> Offer | None:
    """The earliest free time with the label of its opening rule (e.g. "Serviceabend")."""
    hit = earliest(query, now=now)
    if hit is None:
        return None
    local = hit.start.astimezone(query.tz)
    plan = query.calendar.day_plans(local.date(), local.date())[0]
    return Offer(local, _label(plan, hit.start))


def appointment_by_code(code: str) -> Appointment | None:
    return Appointment.objects.select_related("office").filter(code=code.strip().upper()).first()


def is_active(appointment: Appointment, *, now: dt.datetime) -> bool:
    """Still ahead: a hold that has not lapsed (e.g. waiting for the e-mail opt-in) or a confirmed future visit."""
    if appointment.status == Appointment.Status.HELD:
        return appointment.blocks_until is not None and appointment.blocks_until > now
    return appointment.status == Appointment.Status.CONFIRMED and appointment.start > now


def appointment_by_public_id(public_id) -> Appointment:
    appointment = (
        Appointment.objects.select_related("office", "counter")
        .prefetch_related("items__service")
        .filter(public_id=public_id)
        .first()
    )
    if appointment is None:
        raise NotFound(_("Diesen Termin gibt es nicht (mehr)."), field="link")
    return appointment


def query_for(appointment: Appointment, *, now: dt.datetime) -> BookingQuery:
    """The booking question an existing appointment answers (same office, services and persons)."""
    return booking_query(
        office=appointment.office,
        service_slugs=[item.service.slug for item in appointment.items.all()],
        persons=appointment.persons,
        channel=appointment.channel,
        now=now,
    )


def due_reminders(*, now: dt.datetime, hours: int) -> QuerySet[Appointment]:
    """Confirmed appointments starting within `hours` whose reminder for the current version is not queued.

    Appointments booked inside the reminder window get none (their confirmation just arrived).
    """
    window = dt.timedelta(hours=hours)
    return (
        Appointment.objects.filter(
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
            start__lte=now + window,
            confirmed_at__lt=F("start") - window,
        )
        .exclude(email="")
        .exclude(reminded_sequence=F("sequence"))
        .order_by("start")
    )


def confirmed_by_code_and_email(code: str, email: str, *, now: dt.datetime) -> Appointment | None:
    return (
        Appointment.objects.filter(
            code=code.strip().upper(),
            email__iexact=email.strip(),
            status=Appointment.Status.CONFIRMED,
            start__gt=now,
        )
        .select_related("office")
        .first()
    )
