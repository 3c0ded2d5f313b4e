"""Waitlist services: register, offer freed capacity first-come-first-served, accept or decline an offer.

Whenever capacity frees up (a cancellation, a new roster or rule, a lapsed hold) `offer_freed_capacity` walks
the waiting entries of an office in queue order and gives each the earliest free time that matches its
services, date range and time windows: a hold (`services.hold`) valid for `WAITLIST_OFFER_HOURS`, and an
e-mail with a link. Accepting confirms the hold (`services.confirm`). An offer nobody answers lapses with its
hold; the entry goes to the back of the queue and the time passes to the next entry on the next run.

Runs: after every cancellation (`services.cancel` writes an outbox task in its transaction; the worker runs it),
and every few minutes from the scheduler (`run_scheduler`; catches rule/roster changes and lapsed offers).
The offer mail is an outbox message written with the offer.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy as _

from buergerbuero.background import services as outbox
from buergerbuero.booking import antibot, services
from buergerbuero.booking.models import Appointment, WaitlistEntry, WaitlistOffer, WaitlistWindow
from buergerbuero.booking.selectors import live
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core import contact
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import Conflict, DomainError, NotFound, lazy_format
from buergerbuero.core.tokens import hash_token

if TYPE_CHECKING:
    from uuid import UUID

    from buergerbuero.catalog.models import Office


MAX_RANGE_DAYS = 92
MAX_WINDOWS = 14


# Named windows a citizen can pick instead of exact times (local time of the office).
PRESETS = {
    "mornings": (dt.time(0, 0), dt.time(12, 0)),
    "afternoons": (dt.time(12, 0), dt.time(16, 0)),
    "evenings": (dt.time(16, 0), dt.time(23, 59, 59)),
}


@dataclass(frozen=True)
class Window:
    weekday: int | None  # 0 = Monday; None = every day
    start: dt.time
    end: dt.time

    def contains(self, local: dt.datetime) -> bool:
        return (self.weekday is None or local.weekday() == self.weekday) and self.start <= local.time() < self.end


def window_from_preset(preset: str, weekday: int | None = None) -> Window:
    if preset not in PRESETS:
        raise DomainError(_("Unbekanntes Zeitfenster."), field="windows")
    return Window(weekday, *PRESETS[preset])


@transaction.atomic
def register(
    *,
    office_slugs: list[str],
    service_slugs: list[str],
    persons: int = 1,
    date_from: dt.date,
    date_to: dt.date,
    windows: Sequence[Window] = (),
    email: str,
    name: str = "",
    language: str = "de",
    now: dt.datetime | None = None,
) -> tuple[WaitlistEntry, str]:
    """Put a citizen on the waitlist; returns the entry and a secret token to withdraw it."""
    now = now or timezone.now()
    email = contact.email_address(email)
    if not office_slugs:
        raise DomainError(_("Bitte mindestens einen Standort wählen."), field="offices")
    if len(set(office_slugs)) != len(office_slugs):
        raise DomainError(_("Jeden Standort bitte nur einmal wählen."), field="offices")
    offices = [catalog_selectors.office_by_slug(slug) for slug in office_slugs]
    for office in offices:  # the same checks as a booking: offered here, online, persons allowed
        live.booking_query(office=office, service_slugs=service_slugs, persons=persons, channel=Channel.WEB, now=now)
    today = now.astimezone(ZoneInfo(offices[0].timezone)).date()
    if date_to < date_from:
        raise DomainError(_("Das Enddatum liegt vor dem Anfangsdatum."), field="date_to")
    if date_to < today:
        raise DomainError(_("Der Zeitraum liegt in der Vergangenheit."), field="date_to")
    if (date_to - max(date_from, today)).days > MAX_RANGE_DAYS:
        raise DomainError(
            lazy_format(_("Bitte einen Zeitraum von höchstens %(days)d Tagen wählen."), {"days": MAX_RANGE_DAYS}),
            field="date_to",
        )
    if len(windows) > MAX_WINDOWS:
        raise DomainError(
            lazy_format(_("Bitte höchstens %(n)d Zeitfenster angeben."), {"n": MAX_WINDOWS}), field="windows"
        )
    for window in windows:
        if window.end <= window.start:
            raise DomainError(_("Ein Zeitfenster endet vor seinem Beginn."), field="windows")
        if window.weekday is not None and not 0 <= window.weekday <= 6:
            raise DomainError(_("Unbekannter Wochentag."), field="windows")
    active = WaitlistEntry.objects.filter(
        email=email, status__in=[WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]
    ).count()
    if active >= settings.WAITLIST_MAX_ACTIVE_PER_EMAIL:
        raise DomainError(
            lazy_format(
                _("Mit dieser E-Mail-Adresse stehen Sie bereits %(n)d-mal auf der Warteliste."),
                {"n": settings.WAITLIST_MAX_ACTIVE_PER_EMAIL},
            ),
            field="email",
            code="too_many_waitlist_entries",
        )
    token = secrets.token_urlsafe(24)
    entry = WaitlistEntry.objects.create(
        token_hash=hash_token(token),
        persons=persons,
        date_from=max(date_from, today),
        date_to=date_to,
        name=name.strip(),
        email=email,
        language="en" if language.startswith("en") else "de",
        created_at=now,
        queued_at=now,
    )
    entry.offices.set(offices)
    entry.services.set(catalog_selectors.services().filter(slug__in=service_slugs))
    WaitlistWindow.objects.bulk_create(
        WaitlistWindow(entry=entry, weekday=w.weekday, start_time=w.start, end_time=w.end) for w in windows
    )
    # A time may already be free (e.g. released this morning): offer it right away.
    for office in offices:
        on_capacity_freed(office.pk, now=now)
    return entry, token


@transaction.atomic
def register_for_citizen(
    *, proof: str | None, now: dt.datetime | None = None, **entry: Any
) -> tuple[WaitlistEntry, str]:
    """The sign-up of the citizen's paths (the waitlist page and `POST /api/waitlist`): the anti-bot proof is spent
    in the registration's transaction, so a refused registration gives it back. `entry`: as for `register`."""
    now = now or timezone.now()
    antibot.require(channel=Channel.WEB, payload=proof, now=now)
    return register(now=now, **entry)


@transaction.atomic
def withdraw(*, public_id: UUID, token: str, now: dt.datetime | None = None) -> WaitlistEntry:
    now = now or timezone.now()
    entry = WaitlistEntry.objects.select_for_update().filter(public_id=public_id).first()
    if entry is None or entry.token_hash != hash_token(token or ""):
        raise NotFound(_("Diesen Wartelisten-Eintrag gibt es nicht."), field="entry")
    if entry.status in (WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED):
        for offer in entry.offers.filter(status=WaitlistOffer.Status.OPEN).select_related("appointment"):
            _release_offer(offer, status=WaitlistOffer.Status.DECLINED, now=now)
            on_capacity_freed(offer.appointment.office_id, now=now)  # the held time goes to the next entry
        entry.status = WaitlistEntry.Status.WITHDRAWN
        entry.save(update_fields=["status"])
    return entry


def _windows(entry: WaitlistEntry) -> list[Window]:
    return [Window(w.weekday, w.start_time, w.end_time) for w in entry.windows.all()]


def _free_starts(query: live.BookingQuery, last: dt.date, *, now: dt.datetime) -> list[dt.datetime]:
    """Every free start from today to `last` (within the released horizon), in order."""
    first = now.astimezone(query.tz).date()
    last = min(last, query.request.last_day)
    out: list[dt.datetime] = []
    while first <= last:
        chunk_last = min(first + dt.timedelta(days=live.MAX_RANGE_DAYS), last)
        for times in live.free_times(query, first, chunk_last, now=now).values():
            out.extend(free.start for free in times)
        first = chunk_last + dt.timedelta(days=1)
    return out


def _first_match(
    starts: list[dt.datetime], entry: WaitlistEntry, windows: list[Window], tz: ZoneInfo
) -> dt.datetime | None:
    for start in starts:
        local = start.astimezone(tz)
        if entry.date_from <= local.date() <= entry.date_to and (
            not windows or any(w.contains(local) for w in windows)
        ):
            return start
    return None


def _release_offer(offer: WaitlistOffer, *, status: str, now: dt.datetime) -> None:
    appointment = offer.appointment
    held_until = appointment.blocks_until  # set while held
    if appointment.status == Appointment.Status.HELD and held_until is not None and held_until > now:
        # Give the time back at once (a held time is not a booked one: cancel with no release delay).
        appointment.status = Appointment.Status.CANCELLED
        appointment.cancelled_at = now
        appointment.blocks_until = now
        appointment.save(update_fields=["status", "cancelled_at", "blocks_until"])
        appointment.claims.update(expires_at=now)
    offer.status = status
    offer.answered_at = now if status != WaitlistOffer.Status.LAPSED else None
    offer.save(update_fields=["status", "answered_at"])


@transaction.atomic
def lapse_expired(*, now: dt.datetime | None = None) -> int:
    """Open offers past their expiry lapse (their hold has expired by itself); the entry queues again at the back.

    Entries whose date range has passed end.
    """
    now = now or timezone.now()
    lapsed = 0
    for offer in (
        WaitlistOffer.objects.select_for_update()
        .select_related("entry", "appointment")
        .filter(status=WaitlistOffer.Status.OPEN, expires_at__lte=now)
    ):
        _release_offer(offer, status=WaitlistOffer.Status.LAPSED, now=now)
        entry = offer.entry
        if entry.status == WaitlistEntry.Status.OFFERED:
            entry.status = WaitlistEntry.Status.WAITING
            entry.queued_at = now
            entry.save(update_fields=["status", "queued_at"])
        lapsed += 1
    WaitlistEntry.objects.filter(
        status=WaitlistEntry.Status.WAITING, date_to__lt=now.astimezone(dt.UTC).date() - dt.timedelta(days=1)
    ).update(status=WaitlistEntry.Status.ENDED)
    return lapsed


@transaction.atomic
def offer_freed_capacity(*, office: Office, now: dt.datetime | None = None) -> list[WaitlistOffer]:
    """Offer free times of one office to its waiting entries, first come first served."""
    now = now or timezone.now()
    lapse_expired(now=now)
    offers: list[WaitlistOffer] = []
    entries = list(
        WaitlistEntry.objects.select_for_update()
        .filter(status=WaitlistEntry.Status.WAITING, offices=office)
        .prefetch_related("services", "windows")
        .order_by("queued_at", "id")
    )
    if not entries:
        return offers
    tz = ZoneInfo(office.timezone)
    last = max(entry.date_to for entry in entries)
    # Free starts per kind of request (services × persons), read once and reused down the queue until an
    # offer takes capacity: a long queue costs one engine run per kind, not one per entry.
    free: dict[tuple[tuple[str, ...], int], tuple[live.BookingQuery, list[dt.datetime]] | None] = {}
    for entry in entries:
        key = (tuple(sorted(s.slug for s in entry.services.all())), entry.persons)
        if key not in free:
            try:
                query = live.booking_query(
                    office=office, service_slugs=list(key[0]), persons=entry.persons, channel=Channel.WEB, now=now
                )
            except DomainError:  # the service is no longer offered here: such entries cannot be served here
                free[key] = None
            else:
                free[key] = (query, _free_starts(query, last, now=now))
        found = free[key]
        if found is None:
            continue
        query, starts = found
        start = _first_match(starts, entry, _windows(entry), tz)
        if start is None:
            continue
        free.clear()  # the hold below (or a competing booking) changes what is free
        try:
            appointment, token = services.hold(
                query=query, start=start, now=now, hold_minutes=settings.WAITLIST_OFFER_HOURS * 60
            )
        except services.SlotTaken:
            continue
        appointment.name, appointment.email = entry.name, entry.email
        appointment.save(update_fields=["name", "email"])
        expires_at = appointment.blocks_until
        assert expires_at is not None  # a hold blocks its time until then
        offer = WaitlistOffer.objects.create(
            entry=entry, appointment=appointment, created_at=now, expires_at=expires_at
        )
        entry.status = WaitlistEntry.Status.OFFERED
        entry.save(update_fields=["status"])
        offers.append(offer)
        _queue_offer_mail(offer, token=token, now=now)
    return offers


def process_all(*, now: dt.datetime | None = None) -> int:
    """One scheduler run over every office; returns the number of offers made."""
    now = now or timezone.now()
    return sum(len(offer_freed_capacity(office=office, now=now)) for office in catalog_selectors.offices())


def _offer(public_id: UUID, token: str) -> WaitlistOffer:
    offer = (
        WaitlistOffer.objects.select_for_update()
        .select_related("entry", "appointment__office")
        .filter(public_id=public_id)
        .first()
    )
    if offer is None or offer.appointment.token_hash != hash_token(token or ""):
        raise NotFound(_("Dieses Angebot gibt es nicht."), field="offer")
    return offer


@transaction.atomic
def accept_offer(*, public_id: UUID, token: str, now: dt.datetime | None = None) -> Appointment:
    """Accepting confirms the held time; accepting twice answers with the same appointment."""
    now = now or timezone.now()
    offer = _offer(public_id, token)
    if offer.status == WaitlistOffer.Status.ACCEPTED:
        return offer.appointment
    if offer.status != WaitlistOffer.Status.OPEN or offer.expires_at <= now:
        raise Conflict(
            _("Dieses Angebot ist leider abgelaufen. Sie bleiben auf der Warteliste."),
            field="offer",
            code="offer_expired",
        )
    entry = offer.entry
    appointment = services.confirm(
        appointment=offer.appointment, name=entry.name or entry.email, email=entry.email, now=now
    )
    offer.status = WaitlistOffer.Status.ACCEPTED
    offer.answered_at = now
    offer.save(update_fields=["status", "answered_at"])
    entry.status = WaitlistEntry.Status.BOOKED
    entry.save(update_fields=["status"])
    return appointment


@transaction.atomic
def decline_offer(*, public_id: UUID, token: str, now: dt.datetime | None = None) -> WaitlistOffer:
    """Declining frees the time at once (for the next entry) and puts the entry at the back of the queue."""
    now = now or timezone.now()
    offer = _offer(public_id, token)
    if offer.status != WaitlistOffer.Status.OPEN:
        return offer
    _release_offer(offer, status=WaitlistOffer.Status.DECLINED, now=now)
    entry = offer.entry
    entry.status = WaitlistEntry.Status.WAITING
    entry.queued_at = now
    entry.save(update_fields=["status", "queued_at"])
    on_capacity_freed(offer.appointment.office_id, now=now)
    return offer


OFFERS_TASK = "booking.waitlist_offers"
OFFER_MAIL = "booking.waitlist_offer"


def on_capacity_freed(office_id: int, *, now: dt.datetime | None = None) -> None:
    """Call inside the transaction that freed capacity (e.g. a cancellation): the outbox runs the offers after
    the commit, and a killed worker's run is picked up again."""
    outbox.run_later(
        kind=OFFERS_TASK,
        key=f"waitlist-offers:{office_id}:{secrets.token_hex(8)}",
        payload={"office": office_id},
        office_id=office_id,
        now=now,
    )


def _queue_offer_mail(offer: WaitlistOffer, *, token: str, now: dt.datetime) -> None:
    # The link token exists only here (its hash is stored): the row carries it until it is delivered.
    outbox.send_later(
        kind=OFFER_MAIL,
        key=f"waitlist-offer:{offer.pk}",
        payload={"offer": offer.pk, "secret": token},
        recipient=offer.entry.email,
        office_id=offer.appointment.office_id,
        now=now,
    )


def offer_mail(payload: dict[str, Any], *, now: dt.datetime) -> EmailMessage | None:
    """The offer mail of an outbox row; None once the offer is no longer open."""
    offer = WaitlistOffer.objects.select_related("entry", "appointment__office").get(pk=payload["offer"])
    if offer.status != WaitlistOffer.Status.OPEN:
        return None
    entry, appointment = offer.entry, offer.appointment
    base = getattr(settings, "SITE_URL", "http://127.0.0.1:8000").rstrip("/")
    link = base + reverse("waitlist:offer", args=[offer.public_id]) + f"?token={payload['secret']}"
    with translation.override(entry.language):
        tz = ZoneInfo(appointment.office.timezone)
        context = {
            "entry": entry,
            "office": appointment.office,
            "start": appointment.start.astimezone(tz),
            "expires_at": offer.expires_at.astimezone(tz),
            "link": link,
            "services": [s.name for s in entry.services.all()],
        }
        subject = str(_("Ein Termin ist frei geworden – bitte bestätigen"))
        body = render_to_string("booking/mail/waitlist_offer.txt", context)
    return EmailMessage(subject, body, None, [entry.email])
