"""Writes of the booking app: hold, confirm, cancel, reschedule. Claims make overlaps impossible."""

import contextlib
import datetime as dt
import functools
import secrets
from collections.abc import Sequence
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Field  # generic in the stubs only: subscripted in quotes
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking import antibot, availability, mails
from buergerbuero.booking.mails import Kind as MailKind
from buergerbuero.booking.models import Appointment, AppointmentService, Claim, DayStamp
from buergerbuero.booking.selectors import access, live
from buergerbuero.catalog.models import Office, Service
from buergerbuero.core import contact, metrics
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import Conflict, DomainError, lazy_date, lazy_format
from buergerbuero.core.tokens import hash_token

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: codes are read out on the phone
assert 256 % len(CODE_ALPHABET) == 0, "new_code maps random bytes onto the letters evenly"
ALTERNATIVES = 5


class SlotTaken(Conflict):
    code = "slot_taken"


class HoldExpired(Conflict):
    """The hold lapsed, or another booking took any of its units; `extra["alternatives"]` has the next times."""

    code = "hold_expired"


def new_code() -> str:
    # one random byte per letter: 256 is a multiple of the alphabet's 32 letters, so every letter is equally likely
    # (a tenth of the CPU of eight secrets.choice calls; every hold makes a code)
    raw = "".join([CODE_ALPHABET[b % len(CODE_ALPHABET)] for b in secrets.token_bytes(8)])
    return f"{raw[:4]}-{raw[4:]}"


def _alternatives(query: live.BookingQuery, *, after: dt.datetime, now: dt.datetime) -> list[dt.datetime]:
    day = after.astimezone(query.tz).date()
    out: list[dt.datetime] = []
    while len(out) < ALTERNATIVES and day <= query.request.last_day:
        last = min(day + dt.timedelta(days=13), query.request.last_day)
        for times in live.free_times(query, day, last, now=now).values():
            out.extend(t.start for t in times if t.start >= after)
            if len(out) >= ALTERNATIVES:
                break
        day = last + dt.timedelta(days=1)
    return out[:ALTERNATIVES]


def _candidate_lanes(query: live.BookingQuery, start: dt.datetime) -> tuple[int, ...]:
    """The lanes this start could go to by the rules (not asking the claims); refuses a start out of range."""
    day = start.astimezone(query.tz).date()
    if start < query.request.not_before:
        raise DomainError(_("Dieser Zeitpunkt ist zu kurzfristig oder vergangen."), field="start")
    if day > query.request.last_day:
        raise DomainError(
            lazy_format(
                _("Termine werden nur bis %(day)s vergeben."),
                {"day": lazy_date(query.request.last_day, "SHORT_DATE_FORMAT")},
            ),
            field="start",
        )
    plan = query.calendar.day_plans(day, day)[0]
    return availability.lanes_for_start(plan, query.request, start)


def _free_lanes(
    query: live.BookingQuery, start: dt.datetime, *, now: dt.datetime, ignore: int | None = None
) -> tuple[int, ...]:
    candidates = _candidate_lanes(query, start)
    # Only the units of this start matter: ask the claims (the source of truth) instead of reading the day.
    busy = live.claimed_lanes(candidates, _claim_units(query, start), now=now, ignore=ignore)
    return tuple(lane for lane in candidates if lane not in busy)


def touch_days(office: Office, starts: list[dt.datetime]) -> None:
    """Give the days of these starts a new stamp: cached availability of those days is no longer used.

    Called in the same transaction as every change to confirmed bookings (and by bulk loaders)."""
    tz = ZoneInfo(office.timezone)
    _renew_stamps(office, {start.astimezone(tz).date() for start in starts})


def _renew_stamps(office: Office, days: set[dt.date]) -> None:
    """New stamps for these days, then the days' claimed masks kept beside them (what a cold availability read
    takes instead of the bookings). The stamp is written first: its row lock orders concurrent writers of a day,
    so the masks are read after every earlier writer of the day committed (READ COMMITTED reads anew per
    statement; SQLite holds one write lock anyway) and the last writer leaves the masks of all of them."""
    ops = connection.ops
    ordered = sorted(days)
    table = DayStamp._meta.db_table
    with transaction.atomic(savepoint=False), connection.cursor() as cursor:
        for n in range(0, len(ordered), 300):  # 900 parameters a statement at most
            chunk = ordered[n : n + 300]
            params = []
            for day in chunk:
                params += [office.pk, ops.adapt_datefield_value(day), secrets.token_hex(8)]
            cursor.execute(  # raw SQL: every cancellation and move runs it
                f"INSERT INTO {table} (office_id, day, stamp, masks)"
                f" VALUES {', '.join(["(%s, %s, %s, '')"] * len(chunk))}"
                " ON CONFLICT (office_id, day) DO UPDATE SET stamp = excluded.stamp, masks = ''",
                params,
            )
        _store_masks(office, live.confirmed_day_masks(office, ordered))


def _store_masks(office: Office, masks: dict[dt.date, dict[int, int]]) -> None:
    """Write the days' claimed masks beside their stamps (rows the caller's transaction has locked: it renewed
    their stamps)."""
    ops = connection.ops
    ordered = sorted(masks)
    table = DayStamp._meta.db_table
    with connection.cursor() as cursor:
        for n in range(0, len(ordered), 200):  # an upsert that always updates: one statement for many rows
            chunk = ordered[n : n + 200]
            params = []
            for day in chunk:
                encoded = live.encode_masks(office.slot_minutes, masks[day])
                params += [office.pk, ops.adapt_datefield_value(day), "", encoded]
            cursor.execute(
                f"INSERT INTO {table} (office_id, day, stamp, masks) VALUES"
                f" {', '.join(['(%s, %s, %s, %s)'] * len(chunk))}"
                " ON CONFLICT (office_id, day) DO UPDATE SET masks = excluded.masks",
                params,
            )


# A confirmation adds its own claimed units to its day's masks instead of reading the day's bookings again: it
# renews the stamp and appends "<counter>,<hex mask>" to the masks in the same upsert (a counter named twice is
# read as the OR of its masks, `live.decode_masks`). The upsert takes the row's lock and PostgreSQL evaluates the
# SET on the latest committed row after waiting for it, so two confirmations of one day append both, never one
# over the other. Masks not known (a new row, or another slot length) stay empty and are read from the bookings.
def _append_masks_sql(day_from: str, counter: str) -> str:
    """The upsert's text; its parameters: day, stamp, "<slot>|%", "%|", hex mask (after those of `day_from`)."""
    table = DayStamp._meta.db_table
    return (
        f"INSERT INTO {table} (office_id, day, stamp, masks) {day_from}"
        f" ON CONFLICT (office_id, day) DO UPDATE SET stamp = excluded.stamp, masks = CASE"
        f" WHEN {table}.masks LIKE %s THEN {table}.masks || CASE WHEN {table}.masks LIKE %s THEN '' ELSE ',' END"
        f" || CAST({counter} AS TEXT) || ',' || %s ELSE '' END RETURNING masks"
    )


# Appended entries make the text grow with every confirmation of the day; past this length the confirmation that
# finds it so writes it back merged (it holds the row's lock), so readers parse a few entries per counter.
MASKS_COMPACT_CHARS = 3000


def _day_mask(office: Office, start: dt.datetime, claim_end: dt.datetime) -> tuple[dt.date, int]:
    """The local day of an appointment and the units it claims as that day's mask (the bits `_confirmed_masks`
    sets for it)."""
    day = start.astimezone(ZoneInfo(office.timezone)).date()
    span = live.day_spans(office, [day])[0]
    return day, availability.busy_masks(span, [availability.Busy(0, start, claim_end)], office.slot_minutes).get(0, 0)


def _append_params(office: Office, day: dt.date, mask: int) -> list[Any]:
    return [
        connection.ops.adapt_datefield_value(day),
        secrets.token_hex(8),
        f"{office.slot_minutes}|%",
        "%|",
        f"{mask:x}",
    ]


def _keep_masks(office: Office, day: dt.date, text: str) -> None:
    """After a confirmation appended to its day's masks (`text`: the masks as the upsert left them): read the day
    from the bookings if the masks were not known, or write them back merged if they grew long."""
    if not text:
        _store_masks(office, live.confirmed_day_masks(office, [day]))
    elif len(text) > MASKS_COMPACT_CHARS:
        masks = live.decode_masks(text, office.slot_minutes)
        if masks is not None:
            _store_masks(office, {day: masks})


@transaction.atomic
def renew_day_stamps(*, offices: Sequence[Office], first: dt.date, last: dt.date) -> int:
    """New stamps for every day from `first` to `last` of these offices: availability reads those days' bookings
    again. For rows written without the booking services (SQL console, an import that forgot `touch_days`):
    cached days live until their stamp changes (docs/adr/0001-day-cache.md). Returns the number of days renewed."""
    days = {first + dt.timedelta(days=n) for n in range((last - first).days + 1)}
    for office in offices:
        _renew_stamps(office, days)
    return len(days) * len(offices)


def _claim_units(query: live.BookingQuery, start: dt.datetime) -> list[dt.datetime]:
    step = dt.timedelta(minutes=query.office.slot_minutes)
    return [start + i * step for i in range(query.request.units)]


def _insert_claims(
    appointment: Appointment, lane: int, units: list[dt.datetime], expires_at: dt.datetime | None
) -> int:
    """Insert the claims that are free; a unit another booking holds is skipped, not raised (so no savepoint is
    needed and the transaction stays usable). On PostgreSQL a unit inserted by a transaction still running is
    waited for: skipped if it commits, ours if it rolls back. Returns how many were inserted."""
    ops = connection.ops
    expires = ops.adapt_datetimefield_value(expires_at) if expires_at else None
    params = []
    for unit in units:
        params += [appointment.pk, lane, ops.adapt_datetimefield_value(unit), expires]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {Claim._meta.db_table} (appointment_id, counter_id, unit_start, expires_at)"
            f" VALUES {', '.join(['(%s, %s, %s, %s)'] * len(units))} ON CONFLICT DO NOTHING RETURNING id",
            params,
        )
        return len(cursor.fetchall())


# The hold's own rows are written with raw statements: the ORM's insert compiler cost more than the inserts
# themselves, and every booking runs them (docs/benchmarks.md, Foundation). On PostgreSQL the whole hold is one
# statement (docs/architecture.md, point 7).
@functools.cache
def _appointment_fields() -> list["Field[Any, Any]"]:
    """The columns of a new appointment the hold writes: all but its id and counter (the statement picks it)."""
    return [f for f in Appointment._meta.concrete_fields if not f.primary_key and f.name != "counter"]


# Values the driver takes as they are: a field prepares them unchanged (str for text, int for numbers, None), so
# the hold skips the fields' preparation for them – 21 columns on every hold.
_PLAIN = frozenset({str, int, type(None)})


@functools.cache
def _prepared_by_field() -> list[tuple[str, "Field[Any, Any] | None"]]:
    """(attribute, the field if its value must always go through it): fields that set the value on save."""
    return [
        (f.attname, f if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False) else None)
        for f in _appointment_fields()
    ]


def _appointment_values(appointment: Appointment) -> list[Any]:
    """The values of `_appointment_fields`, prepared by the fields as in save() (defaults, UUID, time zone)."""
    values = []
    for (attname, always), f in zip(_prepared_by_field(), _appointment_fields(), strict=True):
        value = getattr(appointment, attname)
        if always is not None or type(value) not in _PLAIN:
            value = f.get_db_prep_save(f.pre_save(appointment, True), connection)
        values.append(value)
    return values


def _placeholder(field: "Field[Any, Any]") -> str:
    """PostgreSQL types a parameter of an INSERT … SELECT by itself only as text: cast it to the column's type."""
    return f"%s::{field.db_type(connection)}" if connection.vendor == "postgresql" else "%s"


# The hold statement's text per database vendor: building it (column types, quoting) cost a third of the hold's
# Python time, and it never changes while the process runs.
_HOLD_SQL: dict[str, str] = {}


def _hold_sql() -> str:
    """The one statement of a hold on PostgreSQL (see `_hold_rows`)."""
    text = _HOLD_SQL.get(connection.vendor)
    if text is None:
        fields = _appointment_fields()
        table, claim_table, item_table = (
            Appointment._meta.db_table,
            Claim._meta.db_table,
            AppointmentService._meta.db_table,
        )
        # the stub types `column` as optional for every field; a concrete field always has one
        columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[arg-type]
        placeholders = ", ".join(_placeholder(f) for f in fields)
        text = _HOLD_SQL[connection.vendor] = f"""WITH lane AS (
                    SELECT l.lane FROM unnest(%s::bigint[]) WITH ORDINALITY AS l(lane, n)
                    WHERE NOT EXISTS (SELECT 1 FROM {claim_table} c WHERE c.counter_id = l.lane
                        AND c.unit_start = ANY(%s::timestamptz[]) AND (c.expires_at IS NULL OR c.expires_at > %s))
                    ORDER BY l.n LIMIT 1
                ), lapsed AS (
                    DELETE FROM {claim_table} WHERE counter_id = (SELECT lane FROM lane)
                        AND unit_start = ANY(%s::timestamptz[]) AND expires_at <= %s RETURNING 1
                ), appointment AS (
                    INSERT INTO {table} ({columns}, counter_id) SELECT {placeholders}, lane FROM lane
                    RETURNING id, counter_id
                ), claims AS (
                    INSERT INTO {claim_table} (appointment_id, counter_id, unit_start, expires_at)
                    SELECT a.id, a.counter_id, u, %s::timestamptz FROM appointment a, unnest(%s::timestamptz[]) u
                    WHERE (SELECT count(*) FROM lapsed) >= 0
                    ON CONFLICT DO NOTHING RETURNING 1
                ), items AS (
                    INSERT INTO {item_table} (appointment_id, service_id, minutes)
                    SELECT a.id, i.service, i.minutes
                    FROM appointment a, unnest(%s::bigint[], %s::int[]) i(service, minutes)
                )
                SELECT id, counter_id, (SELECT count(*) FROM claims) FROM appointment"""
    return text


def _hold_rows(
    appointment: Appointment,
    lanes: tuple[int, ...],
    units: list[dt.datetime],
    services: list[tuple[Service, int]],
    *,
    expires_at: dt.datetime | None,
    now: dt.datetime,
) -> tuple[int, int] | None:
    """Insert the hold on the first of `lanes` without a claim counting at `now` on any unit: the appointment,
    its claims (a unit another booking inserted meanwhile is skipped, not raised, so the transaction stays
    usable) and its items. Expired claims of those units on that lane go first: a lapsed hold or a cancelled time
    past its release delay gives its units up here, inside this transaction – no cleanup job is needed.

    Returns (counter, claims inserted), or None if every lane is taken. One statement on PostgreSQL, three on
    SQLite (no data-modifying WITH there; its statements are calls within the process, not round trips)."""
    values = _appointment_values(appointment)
    adapt = connection.ops.adapt_datetimefield_value
    unit_values, now_value = [adapt(u) for u in units], adapt(now)
    expires = adapt(expires_at) if expires_at else None
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                _hold_sql(),
                [
                    list(lanes), unit_values, now_value,
                    unit_values, now_value,
                    *values,
                    expires, unit_values,
                    [s.pk for s, _m in services], [m for _s, m in services],
                ],
            )  # fmt: skip
            row = cursor.fetchone()
            if row is None:
                return None
            appointment.pk, counter, inserted = row
        else:
            fields, table, claim_table = _appointment_fields(), Appointment._meta.db_table, Claim._meta.db_table
            columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)  # type: ignore[arg-type]
            placeholders = ", ".join(_placeholder(f) for f in fields)
            choices = ", ".join(["(%s, %s)"] * len(lanes))
            cursor.execute(
                f"WITH lanes(lane, n) AS (VALUES {choices})"
                f" INSERT INTO {table} ({columns}, counter_id) SELECT {placeholders}, lane FROM lanes"
                f" WHERE NOT EXISTS (SELECT 1 FROM {claim_table} c WHERE c.counter_id = lanes.lane"
                f" AND c.unit_start IN ({', '.join(['%s'] * len(units))})"
                " AND (c.expires_at IS NULL OR c.expires_at > %s))"
                " ORDER BY n LIMIT 1 RETURNING id, counter_id",
                [*(v for n, lane in enumerate(lanes) for v in (lane, n)), *values, *unit_values, now_value],
            )
            row = cursor.fetchone()
            if row is None:
                return None
            appointment.pk, counter = row
            inserted = 0
        appointment.counter_id = counter
        appointment._state.adding, appointment._state.db = False, connection.alias  # as save() leaves an instance
        if connection.vendor != "postgresql":
            _insert_items(appointment, services)
            inserted = _insert_claims(appointment, counter, units, expires_at)
    return counter, inserted


def _insert_items(appointment: Appointment, services: list[tuple[Service, int]]) -> None:
    params = [value for service, minutes in services for value in (appointment.pk, service.pk, minutes)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {AppointmentService._meta.db_table} (appointment_id, service_id, minutes)"
            f" VALUES {', '.join(['(%s, %s, %s)'] * len(services))}",
            params,
        )


def _take_lane(
    appointment: Appointment,
    lane: int,
    units: list[dt.datetime],
    *,
    expires_at: dt.datetime | None,
    now: dt.datetime,
    inserted: int | None = None,
) -> bool:
    """Claim the units on one lane; False (and nothing claimed) if another booking holds any of them.
    `inserted`: the claims of this lane the caller has inserted already (none inserted yet if not given)."""
    if inserted is None:
        inserted = _insert_claims(appointment, lane, units, expires_at)
    # Expired claims (a lapsed hold, a cancelled time past its release delay) give their units up here,
    # inside this transaction – no cleanup job is needed for correctness.
    if (
        inserted < len(units)
        and Claim.objects.filter(counter_id=lane, unit_start__in=units, expires_at__lte=now).delete()[0]
    ):
        inserted += _insert_claims(appointment, lane, units, expires_at)
    if inserted < len(units):
        Claim.objects.filter(appointment=appointment, counter_id=lane).delete()
        return False
    return True


def hold(
    *,
    query: live.BookingQuery,
    start: dt.datetime,
    now: dt.datetime | None = None,
    hold_minutes: int | None = None,
) -> tuple[Appointment, str]:
    """Reserve a start time for a few minutes. Returns the hold and its secret token (shown once)."""
    now = now or timezone.now()
    start = start.astimezone(dt.UTC)
    candidates = _candidate_lanes(query, start)
    expires_at = now + dt.timedelta(minutes=hold_minutes or settings.BOOKING_HOLD_MINUTES)
    if connection.vendor == "postgresql" and not connection.in_atomic_block and connection.get_autocommit():
        # Not inside a caller's transaction: the hold's one statement commits by itself (no BEGIN/COMMIT round
        # trips). Only a hold that found a unit of its lane taken meanwhile needs the transaction below.
        appointment, token = _new_hold(query, start, expires_at, now)
        units = _claim_units(query, start)
        held = _hold_rows(appointment, candidates, units, query.services, expires_at=expires_at, now=now)
        if held is None:
            raise _slot_taken(query, start, now)
        if held[1] == len(units):
            metrics.count_after_commit(metrics.HOLDS, channel=query.channel)
            return appointment, token
        _discard(appointment.pk)  # what the statement committed; the transaction below starts over
    return _hold_in_transaction(query, start, candidates, expires_at, now)


def _new_hold(
    query: live.BookingQuery, start: dt.datetime, expires_at: dt.datetime, now: dt.datetime
) -> tuple[Appointment, str]:
    units = query.request.units
    token = secrets.token_urlsafe(24)
    appointment = Appointment(
        code=new_code(),
        token_hash=hash_token(token),
        office=query.office,
        start=start,
        end=start + dt.timedelta(minutes=query.minutes),
        claim_end=start + units * dt.timedelta(minutes=query.office.slot_minutes),
        persons=query.persons,
        channel=query.channel,
        status=Appointment.Status.HELD,
        blocks_until=expires_at,
        created_at=now,
    )
    return appointment, token


def _discard(pk: int) -> None:
    """Delete a hold written outside a transaction with its claims and items (one statement)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH claims AS (DELETE FROM {Claim._meta.db_table} WHERE appointment_id = %s),"
            f" items AS (DELETE FROM {AppointmentService._meta.db_table} WHERE appointment_id = %s)"
            f" DELETE FROM {Appointment._meta.db_table} WHERE id = %s",
            [pk, pk, pk],
        )


def _slot_taken(query: live.BookingQuery, start: dt.datetime, now: dt.datetime) -> SlotTaken:
    return SlotTaken(
        _("Dieser Termin ist leider gerade vergeben worden. Bitte wählen Sie eine andere Zeit."),
        field="start",
        extra={"alternatives": [t.isoformat() for t in _alternatives(query, after=start, now=now)]},
    )


@transaction.atomic
def _hold_in_transaction(
    query: live.BookingQuery,
    start: dt.datetime,
    candidates: tuple[int, ...],
    expires_at: dt.datetime,
    now: dt.datetime,
) -> tuple[Appointment, str]:
    units = _claim_units(query, start)
    appointment, token = _new_hold(query, start, expires_at, now)
    held = (
        _hold_rows(appointment, candidates, units, query.services, expires_at=expires_at, now=now)
        if candidates
        else None
    )
    if held is not None:
        lane, inserted = held
        if _take_lane(appointment, lane, units, expires_at=expires_at, now=now, inserted=inserted):
            metrics.count_after_commit(metrics.HOLDS, channel=query.channel)
            return appointment, token
        # Another booking took a unit of that lane between the check and the insert: the other lanes, one by one.
        for other in _free_lanes(query, start, now=now, ignore=appointment.pk):
            if other != lane and _take_lane(appointment, other, units, expires_at=expires_at, now=now):
                appointment.counter_id = other
                appointment.save(update_fields=["counter"])
                metrics.count_after_commit(metrics.HOLDS, channel=query.channel)
                return appointment, token
    # Leaving by this exception rolls the unclaimed appointment row back with the transaction.
    raise _slot_taken(query, start, now)


@transaction.atomic
def hold_for_citizen(
    *, query: live.BookingQuery, start: dt.datetime, proof: str | None, now: dt.datetime | None = None
) -> tuple[Appointment, str]:
    """The one fair-release hold of every citizen path: booking pages, `POST /api/holds` and the short appointment
    of an online pre-application (docs/fair-release.md). The anti-bot proof is spent in the hold's transaction,
    so a time lost to someone else gives the proof back. The caller counts the request against the per-IP limit
    (`ratelimit.hit(request, "hold")`) and confirms only through the e-mail opt-in (`request_opt_in`)."""
    now = now or timezone.now()
    antibot.require(channel=query.channel, payload=proof, now=now)
    return hold(query=query, start=start, now=now)


def _too_many_appointments(office: Office) -> DomainError:
    return DomainError(
        lazy_format(
            _("Mit dieser E-Mail-Adresse sind bereits %(n)d Termine gebucht. Bitte sagen Sie zuerst einen ab."),
            {"n": office.max_active_per_email},
        ),
        field="email",
        code="too_many_appointments",
    )


def _check_email_limit(office: Office, email: str, *, now: dt.datetime) -> None:
    """At most `max_active_per_email` future appointments per address. Bookings without an address (made by
    staff or a partner agent for a caller) are not counted against each other."""
    if email.strip() and live.active_count_for_email(email.strip(), now=now) >= office.max_active_per_email:
        raise _too_many_appointments(office)


def _is_live_hold(appointment: Appointment, now: dt.datetime) -> bool:
    blocks_until = appointment.blocks_until  # set while held
    return appointment.status == Appointment.Status.HELD and blocks_until is not None and blocks_until > now


def _lapsed() -> HoldExpired:
    return HoldExpired(_("Die Reservierung ist abgelaufen. Bitte wählen Sie die Zeit erneut."), field="hold")


def _unit_count(appointment: Appointment, office: Office) -> int:
    """How many claims the appointment owns when it is whole: one per unit from its start to `claim_end`."""
    return round((appointment.claim_end - appointment.start) / dt.timedelta(minutes=office.slot_minutes))


@functools.cache
def _confirm_sql(vendor: str) -> str:
    """The conditional update of `_confirm_hold`, built once per database vendor (quoting every column on every
    confirmation cost more than sending it)."""
    table, quote = Appointment._meta.db_table, connection.ops.quote_name
    return (
        f"UPDATE {table} SET status = 'confirmed', blocks_until = NULL, confirmed_at = %s,"
        " name = %s, email = %s, phone = %s"
        " WHERE id = %s AND status = 'held' AND blocks_until > %s"
        f" AND (%s = '' OR (SELECT COUNT(*) FROM {table} WHERE {live.ACTIVE_FOR_EMAIL})"
        f" < (SELECT max_active_per_email FROM {Office._meta.db_table} WHERE id = {table}.office_id))"
        # the stub types `column` as optional for every field; a concrete field always has one
        f" RETURNING {', '.join(quote(f.column) for f in Appointment._meta.concrete_fields)}"  # type: ignore[arg-type]
    )


def _confirm_hold(
    appointment: Appointment, office: Office, *, name: str, email: str, phone: str, now: dt.datetime
) -> tuple[Appointment | None, int, str | None]:
    """Confirm a live hold whose address is below its limit and make its claims permanent: returns the confirmed
    appointment (None if the hold did not qualify; nothing changed then), how many claims it still had, and on
    PostgreSQL its day's masks after adding its units (`_append_masks_sql`; None: not added yet).

    One statement on PostgreSQL: a conditional `UPDATE … RETURNING` of the appointment – its row lock makes a
    double submit wait and then match nothing, so no SELECT … FOR UPDATE beforehand – the `UPDATE` of its
    claims and the day's new stamp and masks. The claims' update locks the claim rows: a booking that wants them as
    expired waits and then finds them permanent (PostgreSQL re-reads `expires_at` after the wait); one that deleted
    them first has made us wait for its commit, and they are not counted. The day and its mask come from the
    caller's hold (a hold's time never changes; `_confirm` checks it against the row). SQLite runs the two updates
    one after the other (one writer at a time)."""
    claim_table = Claim._meta.db_table
    adapt = connection.ops.adapt_datetimefield_value
    pk = appointment.pk
    update = _confirm_sql(connection.vendor)
    params = [adapt(now), name, email, phone, pk, adapt(now), email, email, adapt(now)]
    if connection.vendor == "postgresql":
        day, mask = _day_mask(office, appointment.start, appointment.claim_end)
        stamp = _append_masks_sql(
            "SELECT office_id, %s::date, %s, '' FROM confirmed", "(SELECT counter_id FROM confirmed)"
        )
        with connection.cursor() as cursor:  # a cursor, not raw(): the row becomes the instance without a compiler
            cursor.execute(
                f"WITH confirmed AS ({update}), kept AS ("
                f"UPDATE {claim_table} SET expires_at = NULL"
                " WHERE appointment_id = %s AND EXISTS (SELECT 1 FROM confirmed) RETURNING 1),"
                f" stamp AS ({stamp})"
                " SELECT *, (SELECT count(*) FROM kept), (SELECT masks FROM stamp) FROM confirmed",
                [*params, pk, *_append_params(office, day, mask)],
            )
            row = cursor.fetchone()
        if row is None:
            return None, 0, None
        # psycopg hands back every column as the field's Python value (aware datetimes, UUID): no converters
        names = [f.attname for f in Appointment._meta.concrete_fields]  # all of them, in the RETURNING's order
        return Appointment.from_db(connection.alias, names, row[:-2]), row[-2], row[-1]
    rows = list(Appointment.objects.raw(update, params))
    if not rows:
        return None, 0, None
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {claim_table} SET expires_at = NULL WHERE appointment_id = %s", [pk])
        return rows[0], cursor.rowcount, None


def _add_to_day(office: Office, confirmed: Appointment) -> str:
    """Renew the stamp of a confirmed appointment's day and append its units to the day's masks (SQLite: the one
    writer at a time); the masks as left."""
    day, mask = _day_mask(office, confirmed.start, confirmed.claim_end)
    with connection.cursor() as cursor:
        cursor.execute(
            _append_masks_sql("VALUES (%s, %s, %s, '')", "%s"),
            [office.pk, *_append_params(office, day, mask)[:4], confirmed.counter_id, f"{mask:x}"],
        )
        masks: str = cursor.fetchone()[0]
        return masks


@transaction.atomic
def _confirm(*, appointment: Appointment, name: str, email: str, phone: str, now: dt.datetime) -> Appointment:
    office = appointment.office  # the caller's (cached on a hold): its time zone and slot length name the day
    confirmed, kept, masks = _confirm_hold(appointment, office, name=name, email=email, phone=phone, now=now)
    if confirmed is None:  # say why, from the row as it is now
        current = Appointment.objects.select_related("office").get(pk=appointment.pk)
        if current.status == Appointment.Status.CONFIRMED:
            return current
        if not _is_live_hold(current, now):
            raise _lapsed()
        raise _too_many_appointments(current.office)  # the one condition left: the address was at its limit
    confirmed.office = office
    # `blocks_until > now` above is this process's clock; another booking's clock may already have seen the
    # hold lapse and taken some of its units. The claims decide: all of them still ours, or no appointment.
    if kept != _unit_count(confirmed, office):
        raise _lapsed()
    if masks is None:
        masks = _add_to_day(office, confirmed)
    elif (confirmed.start, confirmed.claim_end) != (appointment.start, appointment.claim_end):
        # the caller's copy was not the row (a hold's time does not change): both days read from the bookings
        touch_days(office, [appointment.start, confirmed.start])
        masks = None
    if masks is not None:
        _keep_masks(office, confirmed.start.astimezone(ZoneInfo(office.timezone)).date(), masks)
    metrics.count_after_commit(metrics.BOOKINGS, channel=confirmed.channel)
    return confirmed


def confirm(
    *, appointment: Appointment, name: str, email: str, phone: str = "", now: dt.datetime | None = None
) -> Appointment:
    """Turn a live hold into an appointment. Confirming twice answers with the same appointment.

    A hold that lapsed, or lost any of its units to another booking, answers 409 `hold_expired` with the next
    free times; nothing is changed then."""
    now = now or timezone.now()
    # Staff and partner agents may book for a caller who gives no address; a citizen's own booking needs one.
    email = contact.email_address(email, required=appointment.channel == Channel.WEB)
    name, phone = name.strip(), contact.phone_number(phone)
    try:
        return _confirm(appointment=appointment, name=name, email=email, phone=phone, now=now)
    except HoldExpired as exc:
        # Looked up after the rollback: the next free times must not see (nor cache) the undone confirmation.
        exc.extra["alternatives"] = []
        with contextlib.suppress(DomainError):  # not bookable as asked any more (service withdrawn): none to offer
            query = live.query_for(appointment, now=now)
            exc.extra["alternatives"] = [t.isoformat() for t in _alternatives(query, after=appointment.start, now=now)]
        raise


@transaction.atomic
def cancel(*, appointment: Appointment, now: dt.datetime | None = None, release_delay_minutes: int = 0) -> Appointment:
    """Cancel; a confirmed time becomes bookable again after the release delay (0 = at once), a hold at once.

    A hold never gets longer by being cancelled: an expired hold may already have lost its units to
    another booking, so its block must not come back."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CANCELLED:
        return appointment
    if appointment.start <= now:
        raise DomainError(_("Vergangene Termine können nicht abgesagt werden."), field="code", code="in_past")
    if appointment.status == Appointment.Status.HELD:
        release_at = min(appointment.blocks_until or now, now)  # a hold has `blocks_until`
    else:
        release_at = now + dt.timedelta(minutes=release_delay_minutes)
    appointment.status = Appointment.Status.CANCELLED
    appointment.cancelled_at = now
    appointment.blocks_until = release_at
    appointment.save()
    appointment.claims.update(expires_at=release_at)
    touch_days(appointment.office, [appointment.start])
    # The freed time goes to the waitlist first: an outbox task of this transaction (docs/fair-release.md).
    # Imported here: waitlist builds on this module.
    from buergerbuero.booking.waitlist import services as waitlist

    waitlist.on_capacity_freed(appointment.office_id, now=now)
    return appointment


@transaction.atomic
def reschedule(
    *,
    appointment: Appointment,
    query: live.BookingQuery,
    start: dt.datetime,
    now: dt.datetime | None = None,
    by_owner: bool = False,
) -> Appointment:
    """Move a confirmed appointment atomically: if the new time is gone, the old one stays.

    An appointment another process owns (`managed_at`) is moved only by that process (`by_owner`)."""
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.managed_at and not by_owner:
        raise Conflict(
            _("Dieser Termin gehört zu Ihrem Online-Antrag. Bitte verschieben Sie ihn dort."),
            field="start",
            code="managed_elsewhere",
            extra={"manage_url": appointment.managed_at},
        )
    if appointment.status != Appointment.Status.CONFIRMED:
        raise DomainError(_("Nur bestätigte Termine können verschoben werden."), field="code", code="not_confirmed")
    if appointment.start <= now:
        raise DomainError(_("Vergangene Termine können nicht verschoben werden."), field="code", code="in_past")
    start = start.astimezone(dt.UTC)
    units = _claim_units(query, start)
    with transaction.atomic():
        # Our own claims must not count against the new time (e.g. moving by 10 minutes on one counter).
        appointment.claims.all().delete()
        for lane in _free_lanes(query, start, now=now, ignore=appointment.pk):
            if _take_lane(appointment, lane, units, expires_at=None, now=now):
                before = appointment.start
                appointment.counter_id = lane
                appointment.start = start
                appointment.end = start + dt.timedelta(minutes=query.minutes)
                appointment.claim_end = units[-1] + dt.timedelta(minutes=query.office.slot_minutes)
                appointment.persons = query.persons
                appointment.save()
                touch_days(appointment.office, [before, start])  # after the move: the days' masks are read anew
                appointment.items.all().delete()
                AppointmentService.objects.bulk_create(
                    AppointmentService(appointment=appointment, service=s, minutes=m) for s, m in query.services
                )
                return appointment
        transaction.set_rollback(True)
    raise SlotTaken(
        _("Diese Zeit ist nicht mehr frei. Ihr bisheriger Termin bleibt bestehen."),
        field="start",
        extra={"alternatives": [t.isoformat() for t in _alternatives(query, after=start, now=now)]},
    )


# --- citizen web flow: double opt-in, citizen cancel/move, e-mails (docs/citizen-web.md) ---


def _renew_hold(appointment: Appointment, *, now: dt.datetime, minutes: int) -> None:
    """Give a hold a new expiry. A hold that lapsed meanwhile takes its time again if it is still free."""
    expires_at = now + dt.timedelta(minutes=minutes)
    # Live by this clock and still owning every unit: extend it. A booking with a later clock may have taken
    # some units already; then the hold counts as lapsed.
    still_live = appointment.blocks_until and appointment.blocks_until > now
    if still_live and appointment.claims.update(expires_at=expires_at) == _unit_count(appointment, appointment.office):
        appointment.blocks_until = expires_at
        appointment.save(update_fields=["blocks_until"])
        return
    query = live.query_for(appointment, now=now)
    units = _claim_units(query, appointment.start)
    appointment.claims.all().delete()
    for lane in _free_lanes(query, appointment.start, now=now, ignore=appointment.pk):
        if _take_lane(appointment, lane, units, expires_at=expires_at, now=now):
            appointment.counter_id = lane
            appointment.blocks_until = expires_at
            appointment.save(update_fields=["counter", "blocks_until"])
            return
    raise HoldExpired(
        _("Ihre Reservierung ist abgelaufen und die Zeit wurde inzwischen vergeben. Bitte wählen Sie eine andere."),
        field="start",
        extra={"alternatives": [t.isoformat() for t in _alternatives(query, after=appointment.start, now=now)]},
    )


@transaction.atomic
def request_opt_in(
    *,
    appointment: Appointment,
    name: str,
    email: str,
    phone: str = "",
    language: str = "de",
    base_url: str,
    now: dt.datetime | None = None,
    managed_at: str = "",
) -> Appointment:
    """Store the contact data on a hold, keep the time for the opt-in period and e-mail the confirmation link.

    Asking again (e.g. after correcting a typo in the address) sends a new link to the new address. `managed_at`:
    the page of the process that owns the appointment and moves it (see Appointment.managed_at).
    """
    now = now or timezone.now()
    email, phone = contact.email_address(email), contact.phone_number(phone)
    appointment = Appointment.objects.select_for_update().select_related("office").get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CONFIRMED:
        raise Conflict(_("Dieser Termin ist bereits bestätigt."), field="hold", code="already_confirmed")
    if appointment.status == Appointment.Status.CANCELLED:
        raise Conflict(_("Dieser Termin wurde abgesagt."), field="hold", code="cancelled")
    _check_email_limit(appointment.office, email, now=now)
    _renew_hold(appointment, now=now, minutes=settings.BOOKING_OPT_IN_MINUTES)
    appointment.name, appointment.email, appointment.phone = name.strip(), email, phone
    appointment.language = language[:8] or "de"
    appointment.opt_in_sent_at = now
    appointment.managed_at = managed_at
    appointment.save(update_fields=["name", "email", "phone", "language", "opt_in_sent_at", "managed_at"])
    mails.queue(appointment, MailKind.OPT_IN, ref=now.isoformat(), base_url=base_url, now=now)
    return appointment


@transaction.atomic
def confirm_opt_in(
    *, appointment: Appointment, base_url: str, now: dt.datetime | None = None
) -> tuple[Appointment, bool]:
    """The citizen used the e-mail link: confirm the hold. Returns (appointment, whether it changed now).

    A second click answers with the same appointment and sends no second mail. If the hold lapsed, the
    time is taken again when it is still free; otherwise HoldExpired carries alternatives.
    """
    now = now or timezone.now()
    appointment = Appointment.objects.select_for_update().get(pk=appointment.pk)
    if appointment.status == Appointment.Status.CONFIRMED:
        return appointment, False
    if appointment.status == Appointment.Status.CANCELLED or appointment.opt_in_sent_at is None:
        raise Conflict(
            _("Dieser Termin kann nicht mehr bestätigt werden. Bitte wählen Sie einen neuen."),
            field="link",
            code="not_confirmable",
        )
    # Renewed first, also when it looks live: a hold that lost units to a booking with a later clock takes its
    # time again where it is still free (maybe at another counter) instead of failing the confirmation.
    _renew_hold(appointment, now=now, minutes=settings.BOOKING_HOLD_MINUTES)
    appointment = confirm(
        appointment=appointment, name=appointment.name, email=appointment.email, phone=appointment.phone, now=now
    )
    mails.queue(appointment, MailKind.CONFIRMED, ref=str(appointment.sequence), base_url=base_url, now=now)
    return appointment, True


@transaction.atomic
def cancel_by_citizen(*, appointment: Appointment, base_url: str, now: dt.datetime | None = None) -> Appointment:
    """Cancel through the signed link; the time is released after BOOKING_CANCEL_RELEASE_MINUTES."""
    now = now or timezone.now()
    was = Appointment.objects.select_for_update().get(pk=appointment.pk).status
    if was != Appointment.Status.CONFIRMED:
        if was == Appointment.Status.CANCELLED:
            return Appointment.objects.get(pk=appointment.pk)
        raise DomainError(_("Nur bestätigte Termine können abgesagt werden."), field="link", code="not_confirmed")
    appointment = cancel(
        appointment=appointment, now=now, release_delay_minutes=settings.BOOKING_CANCEL_RELEASE_MINUTES
    )
    appointment.sequence += 1
    appointment.save(update_fields=["sequence"])
    mails.queue(appointment, MailKind.CANCELLED, ref=str(appointment.sequence), base_url=base_url, now=now)
    return appointment


@transaction.atomic
def reschedule_by_citizen(
    *,
    appointment: Appointment,
    start: dt.datetime,
    base_url: str,
    now: dt.datetime | None = None,
    by_owner: bool = False,
) -> Appointment:
    """Move through the signed link (same services and persons); the old time stays if the new one is gone."""
    now = now or timezone.now()
    query = live.query_for(appointment, now=now)
    appointment = reschedule(appointment=appointment, query=query, start=start, now=now, by_owner=by_owner)
    appointment.sequence += 1
    appointment.save(update_fields=["sequence"])
    mails.queue(appointment, MailKind.UPDATED, ref=str(appointment.sequence), base_url=base_url, now=now)
    return appointment


@transaction.atomic
def resend_links(*, code: str, email: str, base_url: str, now: dt.datetime | None = None) -> None:
    """Mail the links of a confirmed appointment again; silent when code and address do not match."""
    now = now or timezone.now()
    appointment = access.confirmed_by_code_and_email(code, email, now=now)
    if appointment is not None:
        mails.queue(appointment, MailKind.LINKS, ref=now.isoformat(), base_url=base_url, now=now)


def enqueue_due_reminders(*, now: dt.datetime | None = None, hours: int | None = None) -> int:
    """Queue reminder mails for appointments starting soon. Safe to run any number of times."""
    now = now or timezone.now()
    hours = settings.BOOKING_REMINDER_HOURS if hours is None else hours
    count = 0
    with transaction.atomic():
        for appointment in live.due_reminders(now=now, hours=hours).select_for_update():
            ref = str(appointment.sequence)
            mails.queue(appointment, MailKind.REMINDER, ref=ref, base_url=settings.SITE_URL, now=now)
            Appointment.objects.filter(pk=appointment.pk).update(reminded_sequence=appointment.sequence)
            count += 1
    return count
