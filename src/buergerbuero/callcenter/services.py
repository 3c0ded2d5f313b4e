"""Writes of the call-center app: articles, calls, callback tickets, interval imports, bookings for callers."""

from __future__ import annotations

import csv
import datetime as dt
import io
import itertools
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.booking import services as booking_services
from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.callcenter import search, selectors, sla, text
from buergerbuero.callcenter.models import Article, Call, Contract, IntervalStat, Ticket, TicketPause
from buergerbuero.callcenter.selectors import Viewer
from buergerbuero.catalog.models import Office, Service
from buergerbuero.core import contact
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import Conflict, DomainError, NotFound

if TYPE_CHECKING:
    from django.contrib.auth.models import User
    from django_stubs_ext import StrOrPromise

    from buergerbuero.booking.models import Appointment

# --- small parsers (shared by API and HTML forms) ---


DURATION = re.compile(r"^\s*(?:(\d{1,3}):([0-5]?\d)|(\d{1,5}))\s*$")


def parse_duration(raw: str, *, field: str = "duration") -> int:
    """Seconds from "3:20" (minutes:seconds) or "4" (whole minutes) — quick to type during a call."""
    match = DURATION.match(raw or "")
    if not match:
        raise DomainError(_("Dauer bitte als Minuten (4) oder Minuten:Sekunden (3:20) angeben."), field=field)
    seconds = int(match[1]) * 60 + int(match[2]) if match[1] is not None else int(match[3]) * 60
    if not 0 < seconds <= 4 * 3600:
        raise DomainError(_("Die Dauer muss zwischen 1 Sekunde und 4 Stunden liegen."), field=field)
    return seconds


# --- knowledge base ---


@transaction.atomic
def save_article(
    *,
    viewer: Viewer,
    leika_key: str,
    title: str,
    summary: str,
    caller_script: str,
    review_due: dt.date,
    keywords: str = "",
    documents: str = "",
    fees: str = "",
    online: str = "",
    internal_notes: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
    owner: User | None = None,
    municipality_id: int | None = None,
    now: dt.datetime | None = None,
) -> Article:
    """Create or update the municipality's article for the service with this LeiKa key."""
    selectors.require(viewer, "kb_write")
    municipality_id = viewer.org_id if not viewer.superuser else municipality_id
    if municipality_id is None:
        raise DomainError(_("Bitte die Kommune angeben."), field="municipality")
    if not account_selectors.is_municipality(municipality_id):
        raise NotFound(_("Diese Kommune gibt es nicht."), field="municipality_id")
    if not re.fullmatch(r"\d{14}", leika_key or ""):
        raise DomainError(_("Der LeiKa-Schlüssel hat genau 14 Ziffern."), field="leika_key")
    service = Service.objects.filter(leika_key=leika_key).order_by("pk").first()
    if service is None:
        raise NotFound(_("Zu diesem LeiKa-Schlüssel gibt es keine Leistung im Katalog."), field="leika_key")
    for name, value in (("title", title), ("summary", summary), ("caller_script", caller_script)):
        if not (value or "").strip():
            raise DomainError(_("Dieses Feld darf nicht leer sein."), field=name)
    if valid_from and valid_to and valid_to < valid_from:
        raise DomainError(_("„Gültig bis“ liegt vor „gültig ab“."), field="valid_to")
    now = now or timezone.now()
    article = Article.objects.filter(municipality_id=municipality_id, service=service).first() or Article(
        municipality_id=municipality_id, service=service
    )
    article.title, article.keywords, article.summary = title.strip(), keywords.strip(), summary.strip()
    article.documents, article.fees, article.online = documents.strip(), fees.strip(), online.strip()
    article.caller_script, article.internal_notes = caller_script.strip(), internal_notes.strip()
    article.valid_from, article.valid_to, article.review_due = valid_from, valid_to, review_due
    article.owner = owner or article.owner if article.pk else (owner or viewer.person)
    article.updated_at = now
    article.index_title = f"{article.title} {article.keywords} {service.name_de}"
    article.index_body = article.search_body()
    article.save()
    search.index_article(article)
    search.add_vocabulary(text.terms(f"{article.index_title} {article.index_body}"))
    return article


@transaction.atomic
def reindex_articles(articles: Iterable[Article]) -> None:
    """Rebuild index rows and vocabulary for many articles (bulk loads: demo, benchmark)."""
    words: set[str] = set()
    for article in articles:
        search.index_article(article)
        words.update(text.terms(f"{article.index_title} {article.index_body}"))
    search.add_vocabulary(words)


# --- calls ---


@transaction.atomic
def log_call(
    *,
    viewer: Viewer,
    office: Office,
    outcome: str,
    duration_seconds: int,
    service: Service | None = None,
    article: Article | None = None,
    caller_number: str = "",
    appointment: Appointment | None = None,
    started_at: dt.datetime | None = None,
) -> Call:
    selectors.require(viewer, "call_log")
    now = timezone.now()
    started_at = started_at or now - dt.timedelta(seconds=duration_seconds)
    contract = selectors.agent_contract(viewer, municipality_id=office.organisation_id, now=started_at)
    if outcome not in Call.Outcome.values:
        raise DomainError(_("Unbekanntes Ergebnis."), field="outcome")
    if service is None and outcome != Call.Outcome.OUT_OF_SCOPE:
        raise DomainError(_("Bitte das Thema (Leistung) angeben."), field="service")
    if service is not None:
        selectors.require_covered(contract, service)
    if article is not None and (article.municipality_id != contract.municipality_id):
        raise NotFound(_("Diesen Wissensartikel gibt es nicht."), field="article")
    if not 0 < duration_seconds <= 4 * 3600:
        raise DomainError(_("Die Dauer muss zwischen 1 Sekunde und 4 Stunden liegen."), field="duration_seconds")
    if started_at > now + dt.timedelta(minutes=5):
        raise DomainError(_("Der Anruf kann nicht in der Zukunft liegen."), field="started_at")
    return Call.objects.create(
        contract=contract,
        agent=viewer.person,
        service=service,
        article=article,
        outcome=outcome,
        started_at=started_at,
        duration_seconds=duration_seconds,
        caller_number=contact.phone_number(caller_number, field="caller_number"),
        appointment=appointment,
    )


# --- callback tickets ---

CALENDAR_DAYS = 62


def compute_due(ticket: Ticket, *, now: dt.datetime, pauses: list[TicketPause] | None = None) -> dt.datetime | None:
    """Due moment from creation + SLA minutes of the contract's service hours (minus the client city's public
    holidays), skipping closed pauses; None while waiting."""
    pauses = list(ticket.pauses.all()) if pauses is None else pauses
    spans = [(p.start, p.end) for p in pauses if p.end is not None]
    if len(spans) < len(pauses):
        return None
    first = timezone.localdate(ticket.created_at)
    days = CALENDAR_DAYS
    for _attempt in range(4):
        last = max(first, timezone.localdate(now)) + dt.timedelta(days=days)
        hours = selectors.service_hours(ticket.contract, ticket.office, first, last)
        try:
            return sla.due_at(hours, ticket.created_at, ticket.sla_minutes, until_day=last, pauses=spans)
        except sla.CalendarTooShort:
            days *= 3
    raise DomainError(
        _("Der Vertrag hat in absehbarer Zeit keine Servicezeiten; keine Frist berechenbar."), field="office"
    )


@transaction.atomic
def create_ticket(
    *,
    viewer: Viewer,
    office: Office,
    reason: str,
    caller_name: str,
    caller_phone: str = "",
    caller_email: str = "",
    service: Service | None = None,
    article: Article | None = None,
    call: Call | None = None,
    now: dt.datetime | None = None,
) -> Ticket:
    selectors.require(viewer, "ticket_create")
    now = now or timezone.now()
    contract = selectors.agent_contract(viewer, municipality_id=office.organisation_id, now=now)
    if service is not None:
        selectors.require_covered(contract, service)
    if article is not None and article.municipality_id != office.organisation_id:
        raise NotFound(_("Diesen Wissensartikel gibt es nicht."), field="article")
    if not (reason or "").strip():
        raise DomainError(_("Bitte das Anliegen beschreiben."), field="reason")
    if len((caller_name or "").strip()) < 2:
        raise DomainError(_("Bitte den Namen des Anrufers angeben."), field="caller_name")
    phone = contact.phone_number(caller_phone, field="caller_phone")
    email = contact.email_address(caller_email, field="caller_email", required=False)
    if not phone and not email:
        raise DomainError(_("Bitte eine Rufnummer oder E-Mail-Adresse für den Rückruf angeben."), field="caller_phone")
    if call is not None and (call.contract_id != contract.pk or call.agent_id != viewer.person.pk):
        raise NotFound(_("Diesen Anruf gibt es nicht."), field="call")
    ticket = Ticket(
        contract=contract,
        office=office,
        call=call,
        service=service or (article.service if article else None),
        article=article,
        reason=reason.strip(),
        caller_name=caller_name.strip(),
        caller_phone=phone,
        caller_email=email,
        sla_minutes=contract.callback_sla_hours * 60,
        created_at=now,
        created_by=viewer.user,
    )
    ticket.due_at = compute_due(ticket, now=now, pauses=[])
    ticket.save()
    return ticket


def _locked(viewer: Viewer, ticket_id: int, *, now: dt.datetime) -> Ticket:
    selectors.require(viewer, "ticket_work")
    found = selectors.ticket(viewer, ticket_id, now=now)
    return Ticket.objects.select_for_update().select_related("office").get(pk=found.pk)


@transaction.atomic
def wait_for_citizen(*, viewer: Viewer, ticket_id: int, note: str = "", now: dt.datetime | None = None) -> Ticket:
    """Stop the SLA clock: the back office waits for the citizen (e.g. documents, a call back)."""
    now = now or timezone.now()
    ticket = _locked(viewer, ticket_id, now=now)
    if ticket.status != Ticket.Status.OPEN:
        raise Conflict(_("Nur offene Tickets können auf den Bürger warten."), field="status")
    TicketPause.objects.create(ticket=ticket, start=now, note=note.strip()[:300])
    ticket.status, ticket.due_at = Ticket.Status.WAITING, None
    ticket.save(update_fields=["status", "due_at"])
    return ticket


@transaction.atomic
def resume(*, viewer: Viewer, ticket_id: int, now: dt.datetime | None = None) -> Ticket:
    now = now or timezone.now()
    ticket = _locked(viewer, ticket_id, now=now)
    if ticket.status != Ticket.Status.WAITING:
        raise Conflict(_("Dieses Ticket wartet nicht auf den Bürger."), field="status")
    ticket.pauses.filter(end__isnull=True).update(end=now)
    ticket.status = Ticket.Status.OPEN
    ticket.due_at = compute_due(ticket, now=now)
    ticket.save(update_fields=["status", "due_at"])
    return ticket


@transaction.atomic
def close_ticket(*, viewer: Viewer, ticket_id: int, note: str, now: dt.datetime | None = None) -> Ticket:
    now = now or timezone.now()
    ticket = _locked(viewer, ticket_id, now=now)
    if ticket.status == Ticket.Status.CLOSED:
        raise Conflict(_("Dieses Ticket ist bereits erledigt."), field="status")
    if not (note or "").strip():
        raise DomainError(_("Bitte eine Abschlussnotiz schreiben."), field="note")
    ticket.pauses.filter(end__isnull=True).update(end=now)
    ticket.status, ticket.closed_at, ticket.closed_by = Ticket.Status.CLOSED, now, viewer.person
    ticket.closing_note = note.strip()
    ticket.save(update_fields=["status", "closed_at", "closed_by", "closing_note"])
    return ticket


# --- booking for a caller ---


def partner_query(
    *, viewer: Viewer, office: Office, service: Service, persons: int = 1, now: dt.datetime
) -> booking_live.BookingQuery:
    """The booking question through the agents' channel share (who may ask it — a live contract that covers
    the service — is decided once, by accounts.selectors.channel_refusal)."""
    account_selectors.require_book_channel(viewer.user, Channel.PARTNER, office=office, services=[service], now=now)
    return booking_live.booking_query(
        office=office, service_slugs=[service.slug], persons=persons, channel=Channel.PARTNER, now=now
    )


@transaction.atomic
def book_for_caller(
    *,
    viewer: Viewer,
    office: Office,
    service: Service,
    start: dt.datetime,
    name: str,
    email: str,
    phone: str = "",
    persons: int = 1,
    now: dt.datetime | None = None,
) -> Appointment:
    """Hold and confirm at once while the caller is on the line; the agent reads out the booking code."""
    now = now or timezone.now()
    if len((name or "").strip()) < 2:
        raise DomainError(_("Bitte den Namen des Anrufers angeben."), field="name")
    email = contact.email_address(email)
    phone = contact.phone_number(phone)
    query = partner_query(viewer=viewer, office=office, service=service, persons=persons, now=now)
    if timezone.is_naive(start):
        start = start.replace(tzinfo=ZoneInfo(office.timezone))
    appointment, _token = booking_services.hold(query=query, start=start, now=now)
    return booking_services.confirm(appointment=appointment, name=name, email=email, phone=phone, now=now)


# --- interval statistics import ---

REQUIRED = ("interval", "offered", "answered", "abandoned", "handle_time")
LENGTH_COLUMNS = ("interval_end", "interval_minutes")  # optional: the interval's end, or its length in minutes
WITHIN = re.compile(r"^answered_within_(\d{1,3})s?$")
MAX_INTERVAL_MINUTES = 24 * 60
MAX_HANDLE_SECONDS = 4 * 3600


@dataclass(frozen=True)
class ImportResult:
    created: int
    replaced: int
    first: dt.datetime | None
    last: dt.datetime | None


class ImportError_(DomainError):
    code = "csv_invalid"


def decode_csv(raw: bytes) -> str:
    """Text of an uploaded CSV: UTF-8 (with or without BOM), else Windows-1252 — what Excel and most German
    telephony systems write. Anything else is refused naming the encodings we read."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("cp1252")
    except UnicodeDecodeError:
        raise DomainError(
            _("Die Datei ist weder UTF-8- noch Windows-1252-kodiert (cp1252). Bitte als UTF-8 speichern."),
            field="file",
            code="csv_encoding",
        ) from None


def _csv_error(line: int | None, field: str | None, message: StrOrPromise) -> ImportError_:
    if line is None:
        text_ = _("CSV: %(message)s") % {"message": message}
    elif field is None:
        text_ = _("CSV Zeile %(line)d: %(message)s") % {"line": line, "message": message}
    else:
        text_ = _("CSV Zeile %(line)d, Feld „%(field)s“: %(message)s") % {
            "line": line,
            "field": field,
            "message": message,
        }
    return ImportError_(text_, field="file", extra={"line": line, "column": field})


def _parse_interval(value: str, tz: dt.tzinfo) -> dt.datetime:
    value = value.strip()
    for fmt in ("%Y-%m-%d %H:%M", "%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%d.%m.%Y %H:%M"):
        try:
            return dt.datetime.strptime(value, fmt).replace(tzinfo=tz)
        except ValueError:
            continue
    parsed = dt.datetime.fromisoformat(value)  # with an offset
    if parsed.tzinfo is None:
        raise ValueError(value)
    return parsed


def _parse_end(value: str, start: dt.datetime, tz: dt.tzinfo) -> dt.datetime:
    """The end column: a full timestamp, or only a time of day ("08:15") on the start's local day (midnight
    "00:00" meaning the next day)."""
    value = value.strip()
    try:
        clock = dt.datetime.strptime(value, "%H:%M").time()
    except ValueError:
        return _parse_interval(value, tz)
    local = start.astimezone(tz)
    day = local.date() + dt.timedelta(days=1) if clock <= local.time() else local.date()
    return dt.datetime.combine(day, clock, tzinfo=tz)


def _local(moment: dt.datetime, tz: dt.tzinfo) -> str:
    return f"{moment.astimezone(tz):%d.%m.%Y %H:%M}"


@transaction.atomic
def import_intervals(
    *, viewer: Viewer, contract: Contract, data: str, interval_minutes: int | None = None
) -> ImportResult:
    """Import the telephony system's interval CSV — all rows or none.

    Columns (header names, `;` or `,`): interval (start, local time), offered, answered, abandoned,
    answered_within_<t>s (t = service-level threshold in seconds), handle_time (average seconds),
    optional asa (average speed of answer, seconds), and optionally the interval's length: `interval_end`
    (a timestamp or a time of day) or `interval_minutes`. Without a length column every row lasts
    `interval_minutes` (the import form's field; 30 if not given). Rows whose time spans overlap — in the
    file or with stored rows of other start times — are refused naming both lines; rows for intervals
    already stored (same start) are replaced.
    """
    selectors.require(viewer, "numbers")
    if interval_minutes is None:
        interval_minutes = 30
    if not 0 < interval_minutes <= MAX_INTERVAL_MINUTES:
        raise DomainError(_("Die Intervalllänge muss zwischen 1 und 1.440 Minuten liegen."), field="interval_minutes")
    if not (data or "").strip():
        raise _csv_error(None, None, _("Die Datei ist leer."))
    sample = data[:2000]
    delimiter = ";" if sample.count(";") >= sample.count(",") else ","
    reader = csv.reader(io.StringIO(data.lstrip("\ufeff")), delimiter=delimiter, strict=True)
    try:
        header = [h.strip().lower() for h in next(reader)]
    except (csv.Error, StopIteration):
        raise _csv_error(1, None, _("Kopfzeile fehlt oder ist nicht lesbar.")) from None
    within = [h for h in header if WITHIN.match(h)]
    missing = [c for c in REQUIRED if c not in header] + ([] if within else ["answered_within_<t>s"])
    if missing:
        raise _csv_error(
            1,
            missing[0],
            _("Spalte fehlt. Erwartet: %(cols)s")
            % {
                "cols": "interval, offered, answered, abandoned, answered_within_30s, handle_time"
                "[, asa][, interval_end | interval_minutes]"
            },
        )
    known = set(REQUIRED) | {"asa", within[0], *LENGTH_COLUMNS}
    unknown = [h for h in header if h not in known]
    if unknown or len(within) > 1 or len(header) != len(set(header)):
        raise _csv_error(1, (unknown or within[1:] or header)[0], _("Unbekannte oder doppelte Spalte."))
    if all(c in header for c in LENGTH_COLUMNS):
        raise _csv_error(1, "interval_minutes", _("Bitte nur eine der Spalten interval_end oder interval_minutes."))
    match = WITHIN.match(within[0])
    assert match is not None  # `within` holds only the names the pattern matches
    threshold = int(match[1])
    index = {h: i for i, h in enumerate(header)}
    tz = timezone.get_current_timezone()
    rows: dict[dt.datetime, IntervalStat] = {}
    lines: dict[dt.datetime, int] = {}
    line = 1
    try:
        while True:
            line = reader.line_num + 1  # where the next record starts (a broken quote may run on for lines)
            record = next(reader, None)
            if record is None:
                break
            if not any(cell.strip() for cell in record):
                continue
            if len(record) != len(header):
                raise _csv_error(
                    line, None, _("%(got)d Felder statt %(want)d.") % {"got": len(record), "want": len(header)}
                )
            values: dict[str, Any] = {}  # by column: the start (datetime), counts and seconds (int), asa (or None)
            for name in header:
                raw = record[index[name]].strip()
                if name == "interval":
                    try:
                        values[name] = _parse_interval(raw, tz)
                    except ValueError:
                        raise _csv_error(
                            line, name, _("„%(v)s“ ist kein Zeitpunkt (JJJJ-MM-TT HH:MM).") % {"v": raw}
                        ) from None
                elif name == "interval_end":
                    continue  # needs the start: below
                elif name == "asa" and raw == "":
                    values[name] = None
                else:
                    try:
                        number = float(raw.replace(",", ".")) if name in ("handle_time", "asa") else int(raw)
                    except ValueError:
                        raise _csv_error(line, name, _("„%(v)s“ ist keine Zahl.") % {"v": raw}) from None
                    if number < 0:
                        raise _csv_error(line, name, _("Der Wert darf nicht negativ sein."))
                    values[name] = round(number) if isinstance(number, float) else number
            start = values["interval"]
            if "interval_end" in index:
                raw = record[index["interval_end"]].strip()
                try:
                    end = _parse_end(raw, start, tz)
                except ValueError:
                    message = _("„%(v)s“ ist kein Zeitpunkt (JJJJ-MM-TT HH:MM oder HH:MM).") % {"v": raw}
                    raise _csv_error(line, "interval_end", message) from None
                seconds = (end - start).total_seconds()
                if seconds % 60:
                    raise _csv_error(line, "interval_end", _("Das Intervall muss ganze Minuten lang sein."))
                minutes = int(seconds // 60)
                length_field = "interval_end"
            else:
                minutes = values.get("interval_minutes", interval_minutes)
                length_field = "interval_minutes"
            if not 0 < minutes <= MAX_INTERVAL_MINUTES:
                raise _csv_error(line, length_field, _("Das Intervall muss zwischen 1 und 1.440 Minuten lang sein."))
            if values["handle_time"] > MAX_HANDLE_SECONDS:
                raise _csv_error(line, "handle_time", _("Mehr als 4 Stunden mittlere Bearbeitungszeit."))
            offered, answered, abandoned = values["offered"], values["answered"], values["abandoned"]
            if answered + abandoned > offered:
                raise _csv_error(line, "abandoned", _("Angenommen + aufgelegt ist größer als angeboten."))
            if values[within[0]] > answered:
                raise _csv_error(line, within[0], _("Mehr Anrufe in der Schwelle angenommen als insgesamt."))
            if start in rows:
                raise _csv_error(
                    line,
                    "interval",
                    _("Dieses Intervall steht doppelt in der Datei (auch in Zeile %(other)d).")
                    % {"other": lines[start]},
                )
            lines[start] = line
            rows[start] = IntervalStat(
                contract=contract,
                start=start,
                minutes=minutes,
                offered=offered,
                answered=answered,
                abandoned=abandoned,
                answered_within=values[within[0]],
                threshold_seconds=threshold,
                handle_seconds=values["handle_time"],
                asa_seconds=values.get("asa"),
            )
    except csv.Error as exc:
        hint = _("Anführungszeichen nicht geschlossen?") if '"' in str(exc) or "end of data" in str(exc) else ""
        raise _csv_error(line, None, _("Zeile nicht lesbar (%(e)s). %(hint)s") % {"e": exc, "hint": hint}) from None
    if not rows:
        raise _csv_error(None, None, _("Die Datei enthält keine Intervalle."))
    _refuse_overlaps(contract, rows, lines, tz)
    existing = IntervalStat.objects.filter(contract=contract, start__in=list(rows))
    replaced = existing.count()
    existing.delete()
    IntervalStat.objects.bulk_create(rows.values(), batch_size=1000)
    return ImportResult(len(rows) - replaced, replaced, min(rows), max(rows))


def _end(row: IntervalStat) -> dt.datetime:
    return row.start + dt.timedelta(minutes=row.minutes)


def _refuse_overlaps(
    contract: Contract, rows: dict[dt.datetime, IntervalStat], lines: dict[dt.datetime, int], tz: dt.tzinfo
) -> None:
    """Two intervals may not share a minute: calls would be counted twice and the load per minute be wrong.
    Checked in the file (sorted by start) and against stored rows the import does not replace."""
    ordered = sorted(rows.values(), key=lambda r: r.start)
    for before, after in itertools.pairwise(ordered):
        if after.start < _end(before):
            raise _csv_error(
                lines[after.start],
                "interval",
                _(
                    "Das Intervall ab %(start)s überschneidet sich mit dem aus Zeile %(other)d "
                    "(%(other_start)s, %(minutes)d Minuten). Intervalllänge prüfen."
                )
                % {
                    "start": _local(after.start, tz),
                    "other": lines[before.start],
                    "other_start": _local(before.start, tz),
                    "minutes": before.minutes,
                },
            )
    first, last = ordered[0].start, max(_end(r) for r in ordered)
    stored = IntervalStat.objects.filter(
        contract=contract, start__lt=last, start__gte=first - dt.timedelta(minutes=MAX_INTERVAL_MINUTES)
    ).exclude(start__in=list(rows))
    # One sweep by start: a file row starting before the latest end of a stored row (or the reverse) overlaps it.
    merged = sorted([(r.start, 0, r) for r in ordered] + [(o.start, 1, o) for o in stored], key=lambda t: t[:2])
    latest: list[IntervalStat | None] = [None, None]  # the row with the latest end so far: [file, stored]
    for _start, kind, row in merged:
        other = latest[1 - kind]
        if other is not None and row.start < _end(other):
            new_row, old = (row, other) if kind == 0 else (other, row)
            raise _csv_error(
                lines[new_row.start],
                "interval",
                _(
                    "Das Intervall ab %(start)s überschneidet sich mit einem bereits importierten "
                    "(%(other_start)s, %(minutes)d Minuten). Intervalllänge prüfen."
                )
                % {"start": _local(new_row.start, tz), "other_start": _local(old.start, tz), "minutes": old.minutes},
            )
        if (mine := latest[kind]) is None or _end(row) > _end(mine):
            latest[kind] = row
