"""API of fair release: anti-bot challenge, open availability feed, waitlist (citizens and staff). Thin."""

import datetime as dt
from typing import Literal
from uuid import UUID

from django.conf import settings
from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.accounts.auth import staff_auth
from buergerbuero.booking import antibot, feed
from buergerbuero.booking.models import WaitlistEntry
from buergerbuero.booking.waitlist import selectors as waitlist_selectors
from buergerbuero.booking.waitlist import services as waitlist
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core import problems, ratelimit
from buergerbuero.core.errors import DomainError, Forbidden
from buergerbuero.core.schemas import LocalTime
from buergerbuero.privacy import audit

router = Router(tags=["Faire Vergabe"])


# --- anti-bot -------------------------------------------------------------------------------------------


class ChallengeParametersOut(Schema):
    algorithm: str
    cost: int
    keyLength: int
    keyPrefix: str
    nonce: str
    salt: str
    keySignature: str | None = None
    expiresAt: int | None = None


class ChallengeOut(Schema):
    parameters: ChallengeParametersOut
    signature: str


@router.get(
    "/antibot/challenge",
    response={200: ChallengeOut, **problems.responses(429)},
    url_name="antibot_challenge",
    summary="Anti-Bot-Aufgabe (ALTCHA, Proof-of-Work)",
    description="Lösung als base64-Payload im Feld `altcha` von POST /api/holds senden (Kanal web). "
    "Jede Lösung gilt für genau eine Reservierung.",
)
def antibot_challenge(request, response: HttpResponse):
    ratelimit.hit(request, "challenge")
    response["Cache-Control"] = "no-store"
    return antibot.create_challenge()


# --- open availability feed ---------------------------------------------------------------------------------


class FeedDayOut(Schema):
    date: dt.date
    free_times: int
    first: dt.datetime


class FeedServiceOut(Schema):
    service: str
    leika_key: str
    name_de: str
    name_en: str
    earliest: dt.datetime | None
    days_from_today: int | None
    days: list[FeedDayOut]


class FeedOfficeOut(Schema):
    office: str
    name: str
    address: str
    timezone: str
    release_time: str
    horizon_days: int
    bookable_until: dt.date
    next_release_at: dt.datetime
    services: list[FeedServiceOut]


class FeedOut(Schema):
    version: int
    generated_at: dt.datetime
    max_age_seconds: int
    persons: int
    channel: str
    offices: list[FeedOfficeOut]


@router.get(
    "/open/availability",
    response={200: FeedOut, **problems.responses(429)},
    url_name="open_availability",
    summary="Offener Verfügbarkeits-Feed (JSON)",
    description="Nächster freier Termin und Tage mit freien Zeiten je Standort und Leistung (1 Person, online). "
    "Höchstens eine Minute alt; mit ETag/If-None-Match und Cache-Control. Siehe docs/fair-release.md.",
)
def open_availability(request):
    ratelimit.hit(request, "feed")
    rendered = feed.cached()
    age = max(0, int((timezone.now() - rendered.generated_at).total_seconds()))
    max_age = max(0, settings.OPEN_FEED_CACHE_SECONDS - age)
    if rendered.etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
        response = HttpResponse(status=304)
    else:
        response = HttpResponse(rendered.body, content_type="application/json; charset=utf-8")
    response["ETag"] = rendered.etag
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Age"] = str(age)
    response["Access-Control-Allow-Origin"] = "*"
    return response


# --- waitlist -----------------------------------------------------------------------------------------------


class WindowIn(Schema):
    weekday: int | None = Field(None, ge=0, le=6, description="0 = Montag; leer = jeder Tag")
    preset: Literal["mornings", "afternoons", "evenings"] | None = None
    time_from: LocalTime | None = Field(None, alias="from")
    time_to: LocalTime | None = Field(None, alias="to")


class WaitlistIn(Schema):
    offices: list[str] = Field(..., min_length=1, max_length=10)
    services: list[str] = Field(..., min_length=1, max_length=5)
    persons: int = Field(1, ge=1, le=10)
    date_from: dt.date
    date_to: dt.date
    windows: list[WindowIn] = Field(default_factory=list, max_length=14, description="leer = jede Zeit")
    email: str = Field(..., max_length=254)
    name: str = Field("", max_length=120)
    language: Literal["de", "en"] = "de"
    altcha: str | None = Field(None, max_length=4096, description="Anti-Bot-Nachweis wie bei POST /api/holds")


class WaitlistCreated(Schema):
    entry_id: UUID
    token: str
    status: str
    position: int


def _window(item: WindowIn) -> waitlist.Window:
    if item.preset:
        return waitlist.window_from_preset(item.preset, item.weekday)
    if item.time_from is None or item.time_to is None:
        raise DomainError(_("Bitte Beginn und Ende des Zeitfensters angeben."), field="windows")
    return waitlist.Window(item.weekday, item.time_from, item.time_to)


@router.post(
    "/waitlist",
    response={201: WaitlistCreated, **problems.responses(429)},
    url_name="waitlist_register",
    summary="Auf die Warteliste",
)
def register_waitlist(request, payload: WaitlistIn):
    ratelimit.hit(request, "waitlist")
    now = timezone.now()
    windows = [_window(w) for w in payload.windows]
    entry, token = waitlist.register_for_citizen(
        proof=payload.altcha,
        office_slugs=payload.offices,
        service_slugs=payload.services,
        persons=payload.persons,
        date_from=payload.date_from,
        date_to=payload.date_to,
        windows=windows,
        email=payload.email,
        name=payload.name,
        language=payload.language,
        now=now,
    )
    return 201, {
        "entry_id": entry.public_id,
        "token": token,
        "status": entry.status,
        "position": waitlist_selectors.position(entry),
    }


class TokenIn(Schema):
    token: str = Field(..., max_length=64)


class OfferAnswerOut(Schema):
    status: str
    code: str | None = None
    start: dt.datetime


@router.post("/waitlist/{entry_id}/withdraw", response=dict, summary="Von der Warteliste abmelden")
def withdraw_waitlist(request, entry_id: UUID, payload: TokenIn):
    entry = waitlist.withdraw(public_id=entry_id, token=payload.token)
    return {"status": entry.status}


@router.post("/waitlist/offers/{offer_id}/accept", response=OfferAnswerOut, summary="Angebot annehmen")
def accept_offer(request, offer_id: UUID, payload: TokenIn):
    appointment = waitlist.accept_offer(public_id=offer_id, token=payload.token)
    return {"status": "accepted", "code": appointment.code, "start": appointment.start}


@router.post("/waitlist/offers/{offer_id}/decline", response=OfferAnswerOut, summary="Angebot ablehnen")
def decline_offer(request, offer_id: UUID, payload: TokenIn):
    offer = waitlist.decline_offer(public_id=offer_id, token=payload.token)
    return {"status": offer.status, "start": offer.appointment.start}


class StaffOfferOut(Schema):
    status: str
    start: dt.datetime
    counter: int
    created_at: dt.datetime
    expires_at: dt.datetime
    answered_at: dt.datetime | None


class StaffWaitlistOut(Schema):
    position: int | None
    status: str
    email: str
    name: str
    services: list[str]
    offices: list[str]
    persons: int
    date_from: dt.date
    date_to: dt.date
    windows: list[str]
    created_at: dt.datetime
    offers: list[StaffOfferOut]


class StaffWaitlistParams(Schema):
    status: list[Literal[tuple(WaitlistEntry.Status.values)]] = Field(  # type: ignore[valid-type]
        default_factory=lambda: [WaitlistEntry.Status.WAITING, WaitlistEntry.Status.OFFERED]
    )


@router.get(
    "/staff/offices/{slug}/waitlist",
    response=list[StaffWaitlistOut],
    auth=staff_auth,
    summary="Warteliste und Angebote eines Standorts (Personal)",
)
def staff_waitlist(request, slug: str, params: Query[StaffWaitlistParams]):
    office = catalog_selectors.office_by_slug(slug)
    if not account_selectors.may_see_day_list(request.auth, office):
        raise Forbidden(_("Diesen Standort dürfen Sie nicht sehen."), field="office")
    out = []
    entries = list(waitlist_selectors.entries_for_office(office, statuses=params.status))
    audit.record_list(
        request,
        object_type="booking.waitlistentry",
        view="waitlist:staff",
        objects=entries,
        subjects=[
            t for _pos, e in entries for t in audit.tokens(email=e.email, object_type="booking.waitlistentry", pk=e.pk)
        ],
        fields=("name", "email"),
    )
    for position, entry in entries:
        out.append(
            {
                "position": position,
                "status": entry.status,
                "email": entry.email,
                "name": entry.name,
                "services": [s.slug for s in entry.services.all()],
                "offices": [o.slug for o in entry.offices.all()],
                "persons": entry.persons,
                "date_from": entry.date_from,
                "date_to": entry.date_to,
                "windows": [waitlist_selectors.describe_window(w) for w in entry.windows.all()],
                "created_at": entry.created_at,
                "offers": [
                    {
                        "status": o.status,
                        "start": o.appointment.start,
                        "counter": o.appointment.counter.number,
                        "created_at": o.created_at,
                        "expires_at": o.expires_at,
                        "answered_at": o.answered_at,
                    }
                    for o in entry.offers.all()
                    if o.appointment.office_id == office.pk
                ],
            }
        )
    return out
