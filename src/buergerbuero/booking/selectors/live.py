"""The booking state now: booking queries, free times and the claimed masks of the day cache, the offers of the
citizen's pages, staff day lists, appointments by code, reminders due and the e-mail limit."""

import bisect
import contextlib
import datetime as dt
import time
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking import availability
from buergerbuero.booking.models import Appointment, AppointmentService, Claim, DayStamp
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.capacity.rules import DayPlan
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.catalog.models import Office, Service
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import DomainError, NotFound, lazy_date, lazy_format

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


def _day_stamps(office_ids: list[int], first: dt.date, last: dt.date) -> dict[int, str]:
    """The DayStamps of the stamped days, one text per office ("<ISO day><stamp>,…", see `_parse_stamps`): one
    row per office-day cost 10× as much on SQLite as the query itself (5,600 rows for 100 offices × 8 weeks), and
    an office whose text is unchanged since the last query has unchanged days (`_local_ranges`)."""
    ops = connection.ops
    if connection.vendor == "sqlite":
        joined = "group_concat(CAST(day AS TEXT) || stamp, ',')"
    else:
        joined = "string_agg(to_char(day, 'YYYY-MM-DD') || stamp, ',')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT office_id, {joined} FROM {DayStamp._meta.db_table}"
            f" WHERE office_id IN ({_in(office_ids)}) AND day >= %s AND day <= %s GROUP BY office_id",
            [*office_ids, ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)],
        )
        return dict(cursor.fetchall())


def _parse_stamps(text: str | None) -> dict[str, str]:
    return {item[:10]: item[10:] for item in text.split(",")} if text else {}


_ISO_DAYS: dict[dt.date, str] = {}


def _iso(day: dt.date) -> str:
    text = _ISO_DAYS.get(day)
    if text is None:
        if len(_ISO_DAYS) > 10_000:
            _ISO_DAYS.clear()
        text = _ISO_DAYS[day] = day.isoformat()
    return text


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


def _remember(key: tuple, masks: dict[int, int], clock: float, lifetime: int | None = None) -> None:
    if key[3] == NO_STAMP:
        return
    _local_taken[key] = (clock + (_lifetime() if lifetime is None else lifetime), masks)
    if len(_local_taken) > _MAX_LOCAL_DAYS:
        with contextlib.suppress(KeyError):  # emptied by another thread of the web process meanwhile
            _local_taken.popitem(last=False)


def _recall(key: tuple, clock: float) -> dict[int, int] | None:
    hit = _local_taken.get(key)
    return hit[1] if hit is not None and hit[0] > clock else None


def _shared_key(key: tuple) -> str:
    return "bb:taken:{}:{}:{}:{}".format(*key)


# The masks of a whole range of days of one office, as the last query over that range found them, under the
# office's stamps text for the range (`_day_stamps`): the same text means the same stamp on every day, so the
# warm path compares one string per office instead of looking up every day. Kept only for ranges whose open days
# are all stamped; the plans' identity (first and last DayPlan of the calendar snapshot) covers calendar changes.
_MAX_LOCAL_RANGES = 2_000
_local_ranges: OrderedDict[tuple, tuple] = OrderedDict()


def _forget_local() -> None:
    """Empty the per-process copies (as after a restart)."""
    _local_taken.clear()
    _local_ranges.clear()


# Office-days read by one query of the cold path: bounds the rows held at once (a day of a busy office has a few
# hundred bookings; 600 office-days ≈ 250,000 rows ≈ 15 MB in the driver) while 100 offices × 14 days take 3 queries.
COLD_OFFICE_DAYS_PER_QUERY = 600


def encode_masks(slot_minutes: int, masks: dict[int, int]) -> str:
    """A day's claimed masks as kept in `DayStamp.masks`: "<slot minutes>|<counter>,<hex mask>,…"."""
    return f"{slot_minutes}|" + ",".join(f"{lane},{mask:x}" for lane, mask in sorted(masks.items()) if mask)


def decode_masks(text: str, slot_minutes: int) -> dict[int, int] | None:
    """The masks of `encode_masks`, or None if they were computed for another slot length. A counter may be named
    more than once (a confirmation appends its own units, booking.services): its masks are OR-ed."""
    head, _bar, body = text.partition("|")
    if head != str(slot_minutes):
        return None
    if not body:
        return {}
    parts = body.split(",")
    masks: dict[int, int] = {}
    for lane_text, mask_text in zip(parts[::2], parts[1::2], strict=True):
        lane = int(lane_text)
        masks[lane] = masks.get(lane, 0) | int(mask_text, 16)
    return masks


@dataclass(frozen=True, slots=True)
class DaySpan:
    """A local day as elapsed time (what the mask bits count from): the part of a DayPlan the claims need."""

    day: dt.date
    midnight: dt.datetime
    end: dt.datetime


def day_spans(office: Office, days) -> list[DaySpan]:
    tz = ZoneInfo(office.timezone)
    return [
        DaySpan(
            day,
            dt.datetime.combine(day, dt.time(0), tzinfo=tz),
            dt.datetime.combine(day + dt.timedelta(days=1), dt.time(0), tzinfo=tz),
        )
        for day in sorted(days)
    ]


def confirmed_day_masks(office: Office, days) -> dict[dt.date, dict[int, int]]:
    """Claimed units of confirmed bookings on some days of one office, read from the bookings (the writer's side
    of `DayStamp.masks`): one bounded query per run of days lying close together."""
    spans = day_spans(office, days)
    out: dict[dt.date, dict[int, int]] = {}
    run: list[DaySpan] = []
    for span in [*spans, None]:
        if run and (span is None or (span.day - run[-1].day).days > 3):
            out.update(_confirmed_masks({office: run})[office.pk])
            run = []
        if span is not None:
            run.append(span)
    return out


def _stored_masks(missing: dict[int, dict[dt.date, tuple]]) -> dict[tuple, dict[int, int]]:
    """Masks kept in the DayStamp rows for these cache keys (office → day → key), where the row still has the
    key's stamp and the office's slot length: one query over the day rows of the window, no bookings read."""
    if not missing:
        return {}
    ids = list(missing)
    first = min(day for days in missing.values() for day in days)
    last = max(day for days in missing.values() for day in days)
    ops = connection.ops
    out = {}
    day = "CAST(day AS TEXT)" if connection.vendor == "sqlite" else "day"  # no per-row converter (SQLite)
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT office_id, {day}, stamp, masks FROM {DayStamp._meta.db_table}"
            f" WHERE office_id IN ({_in(ids)}) AND day >= %s AND day <= %s AND masks <> ''",
            [*ids, ops.adapt_datefield_value(first), ops.adapt_datefield_value(last)],
        )
        for office_id, day, stamp, text in cursor.fetchall():
            key = missing[office_id].get(day if isinstance(day, dt.date) else dt.date.fromisoformat(day))
            if key is not None and key[3] == stamp:
                masks = decode_masks(text, key[1])
                if masks is not None:
                    out[key] = masks
    return out


def _epoch_sql(column: str) -> str:
    if connection.vendor == "sqlite":
        return f"CAST(strftime('%%s', {column}) AS INTEGER)"
    return f"CAST(FLOOR(date_part('epoch', {column})) AS BIGINT)"


def _confirmed_masks(
    missing: Mapping[Office, Sequence[availability.DayBounds]], *, ignore: int | None = None
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


def _by_office(keys) -> dict[int, dict[dt.date, tuple]]:
    out: dict[int, dict[dt.date, tuple]] = {}
    for key in keys:
        if key[3] != NO_STAMP:
            out.setdefault(key[0], {})[key[2]] = key
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
    # (office, pk, day plans): Office objects hash through their pk property, too slow for the warm loop
    asked = [(o, o.pk, days) for o, days in plans.items() if days]
    if not asked:
        return {o.pk: {} for o in plans}
    ids = [pk for _o, pk, _days in asked]
    first = min(days[0].day for _o, _pk, days in asked)
    last = max(days[-1].day for _o, _pk, days in asked)
    clock = time.monotonic() if clock is None else clock
    result: dict[int, dict[dt.date, dict[int, int]]] = {pk: {} for pk in ids}
    texts: dict[int, str] = {}
    stamps: dict[int, dict[str, str]] = {}
    ranges: dict[int, tuple] = {}  # office → range key, for the offices whose range is worth keeping
    if ignore is None:  # a move must not see its own booking: read fresh instead
        texts = _day_stamps(ids, first, last)  # before the claims: see docs/adr/0001-day-cache.md
        unknown = []
        local = _local_taken
        lifetime = _lifetime()
        for office, pk, days in asked:
            text = texts.get(pk)
            range_key = (pk, office.slot_minutes, days[0].day, days[-1].day)
            known = _local_ranges.get(range_key)
            if (
                known is not None
                and known[0] > clock
                and known[1] == text
                and known[2] is days[0]
                and known[3] is days[-1]
            ):
                full_before = known[5]
                if full_before is None:  # worked out on the first warm read, not on the cold one that stored it
                    full_before = availability.first_day_not_full(days, known[4], office.slot_minutes)
                    _local_ranges[range_key] = (*known[:5], full_before)
                result[pk] = availability.OfficeDays(known[4], full_before=full_before)  # a copy: holds go on it
                continue
            slot, found = office.slot_minutes, result[pk]
            office_stamps = stamps[pk] = _parse_stamps(text)
            every_day_stamped = True
            for plan in days:
                day = plan.day
                if not plan.windows:  # closed (weekend, holiday): nothing can be booked, claims don't matter
                    found[day] = {}
                    continue
                stamp = office_stamps.get(_ISO_DAYS.get(day) or _iso(day), NO_STAMP)
                every_day_stamped = every_day_stamped and stamp != NO_STAMP
                key = (pk, slot, day, stamp)
                hit = local.get(key)  # _recall, inlined: this loop runs for every office-day of a query
                if hit is not None and hit[0] > clock:
                    found[day] = hit[1]
                else:
                    unknown.append(key)
            if every_day_stamped:
                ranges[pk] = range_key
        if unknown:  # kept with the day's stamp (written by the transaction that renewed it)
            stored = _stored_masks(_by_office(unknown))
            for key, masks in stored.items():
                result[key[0]][key[2]] = masks
                _remember(key, masks, clock, lifetime)
        shared = {key: _shared_key(key) for key in unknown if key not in stored} if unknown else {}
        if shared:  # days without a stamp or without stored masks (written before they were kept)
            cached = cache.get_many(list(shared.values()))
            for key, name in shared.items():
                if name in cached:
                    result[key[0]][key[2]] = cached[name]
                    _remember(key, cached[name], clock)
    missing = {o: [p for p in days if p.day not in result[pk]] for o, pk, days in asked}
    fresh = _confirmed_masks({o: days for o, days in missing.items() if days}, ignore=ignore)
    stamped: dict[str, dict[int, int]] = {}
    unstamped: dict[str, dict[int, int]] = {}
    slots = {pk: office.slot_minutes for office, pk, _days in asked}
    for pk, fresh_days in fresh.items():
        result[pk].update(fresh_days)
        if ignore is None:
            office_stamps = stamps.get(pk, {})
            for day, masks in fresh_days.items():
                key = (pk, slots[pk], day, office_stamps.get(_iso(day), NO_STAMP))
                _remember(key, masks, clock)
                (unstamped if key[3] == NO_STAMP else stamped)[_shared_key(key)] = masks
    if stamped:
        cache.set_many(stamped, _lifetime())
    if unstamped:
        cache.set_many(unstamped, NO_STAMP_SECONDS)
    if ranges:
        for _office, pk, days in asked:
            if pk in ranges:
                _local_ranges[ranges[pk]] = (clock + lifetime, texts.get(pk), days[0], days[-1], dict(result[pk]), None)
        while len(_local_ranges) > _MAX_LOCAL_RANGES:
            with contextlib.suppress(KeyError):  # emptied by another thread of the web process meanwhile
                _local_ranges.popitem(last=False)
    running = _running(ids, now, ignore)
    for office, pk, days in asked:
        if running[pk]:
            live = availability.masks_by_day(days, running[pk], office.slot_minutes)
            office_days = result[pk]
            for day, masks in live.items():
                if masks:
                    office_days[day] = availability.merge_masks(office_days[day], masks)
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
        plans = [q.calendar.day_plans(day, end) for q in pending]
        taken = taken_many({q.office: days for q, days in zip(pending, plans, strict=True)}, now=now)
        still = []
        for q, days in zip(pending, plans, strict=True):
            pk = q.office.pk
            hit = availability.earliest(days, taken[pk], q.request)
            if hit or end >= q.request.last_day:
                found[pk] = hit
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


def appointments_of_tickets(ticket_ids: set[int]) -> QuerySet[Appointment]:
    """The appointments behind floor tickets, with only what names their citizen (e-mail, booking code)."""
    return Appointment.objects.filter(ticket__pk__in=ticket_ids).only("pk", "email", "code")


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
