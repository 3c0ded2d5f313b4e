import datetime as dt
import json
from uuid import UUID
from zoneinfo import ZoneInfo

from django.http import HttpResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Field, Header, Query, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.accounts.auth import staff_auth
from buergerbuero.booking import services
from buergerbuero.booking.selectors import access, live
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core import problems, ratelimit
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import Forbidden
from buergerbuero.privacy import audit

router = Router(tags=["Terminbuchung"])


class AvailabilityParams(Schema):
    office: str = Field(..., max_length=60)
    services: list[str] = Field(..., min_length=1, max_length=5, description="Leistungen (Kurznamen)")
    persons: int = Field(1, ge=1, le=10)
    channel: Channel = Channel.WEB


class DaysParams(AvailabilityParams):
    date_from: dt.date = Field(..., alias="from")
    date_to: dt.date = Field(..., alias="to")


class TimesParams(AvailabilityParams):
    date: dt.date


class EarliestParams(Schema):
    services: list[str] = Field(..., min_length=1, max_length=5)
    persons: int = Field(1, ge=1, le=10)
    offices: list[str] = Field(default_factory=list, max_length=100, description="leer = alle Standorte")
    channel: Channel = Channel.WEB


class DayOut(Schema):
    date: dt.date
    free_times: int
    first: dt.datetime | None


class TimeOut(Schema):
    start: dt.datetime
    counters: int


class EarliestOut(Schema):
    office: str
    start: dt.datetime | None
    days_from_today: int | None


class HoldIn(Schema):
    office: str = Field(..., max_length=60)
    services: list[str] = Field(..., min_length=1, max_length=5)
    persons: int = Field(1, ge=1, le=10)
    start: dt.datetime = Field(..., description="ISO 8601; ohne Zeitzone = Ortszeit des Standorts")
    channel: Channel = Channel.WEB
    altcha: str | None = Field(
        None,
        max_length=4096,
        description="Anti-Bot-Nachweis (Kanal web): ALTCHA-Payload zu GET /api/antibot/challenge",
    )


class HoldOut(Schema):
    hold_id: UUID
    token: str
    start: dt.datetime
    end: dt.datetime
    expires_at: dt.datetime


class ConfirmIn(Schema):
    token: str = Field(..., max_length=64)
    name: str = Field(..., min_length=2, max_length=120)
    email: str = Field(..., max_length=254)
    phone: str = Field("", max_length=40)


class AppointmentOut(Schema):
    code: str
    status: str
    office: str
    counter: int
    start: dt.datetime
    end: dt.datetime
    persons: int
    services: list[str]
    name: str
    email: str


class AppointmentCreated(AppointmentOut):
    token: str


class RescheduleIn(Schema):
    start: dt.datetime
    services: list[str] | None = Field(None, min_length=1, max_length=5)
    persons: int | None = Field(None, ge=1, le=10)


def _appointment_out(appointment) -> dict:
    return {
        "code": appointment.code,
        "status": appointment.status,
        "office": appointment.office.slug,
        "counter": appointment.counter.number,
        "start": appointment.start,
        "end": appointment.end,
        "persons": appointment.persons,
        "services": [item.service.slug for item in appointment.items.all()],
        "name": appointment.name,
        "email": appointment.email,
    }


def _query(request, params, *, office_slug: str, now: dt.datetime) -> live.BookingQuery:
    office = catalog_selectors.office_by_slug(office_slug)
    query = live.booking_query(
        office=office, service_slugs=params.services, persons=params.persons, channel=params.channel, now=now
    )
    _require_channel(request, query, now=now)
    return query


def _require_channel(request, query: live.BookingQuery, *, now: dt.datetime) -> None:
    account_selectors.require_book_channel(
        request.user, query.channel, office=query.office, services=[s for s, _m in query.services], now=now
    )


def _aware(value: dt.datetime, office) -> dt.datetime:
    if timezone.is_naive(value):
        return value.replace(tzinfo=ZoneInfo(office.timezone))
    return value


@router.get(
    "/availability/days", response={200: list[DayOut], **problems.responses(429)}, summary="Tage mit freien Terminen"
)
def availability_days(request, params: Query[DaysParams]):
    ratelimit.hit(request, "availability")
    now = timezone.now()
    query = _query(request, params, office_slug=params.office, now=now)
    days = live.free_times(query, params.date_from, params.date_to, now=now)
    return [
        {"date": day, "free_times": len(times), "first": times[0].start if times else None}
        for day, times in days.items()
    ]


@router.get(
    "/availability/times", response={200: list[TimeOut], **problems.responses(429)}, summary="Freie Zeiten eines Tages"
)
def availability_times(request, params: Query[TimesParams]):
    ratelimit.hit(request, "availability")
    now = timezone.now()
    query = _query(request, params, office_slug=params.office, now=now)
    days = live.free_times(query, params.date, params.date, now=now)
    # The list of `TimeOut` as JSON straight away, in the bytes the schema gives (the encoder is ninja's):
    # validating a day's plain rows through pydantic cost a fifth of this request (docs/benchmarks.md, Requests).
    rows = [{"start": t.start, "counters": len(t.lanes)} for t in days.get(params.date, [])]
    return HttpResponse(json.dumps(rows, cls=NinjaJSONEncoder), content_type="application/json; charset=utf-8")


@router.get(
    "/availability/earliest",
    response={200: list[EarliestOut], **problems.responses(429)},
    summary="Nächster freier Termin je Standort",
)
def availability_earliest(request, params: Query[EarliestParams]):
    ratelimit.hit(request, "availability")
    now = timezone.now()
    offices = (
        [catalog_selectors.office_by_slug(slug) for slug in params.offices]
        if params.offices
        else list(catalog_selectors.offices())
    )
    queries = live.booking_queries(
        offices=offices, service_slugs=params.services, persons=params.persons, channel=params.channel, now=now
    )
    if params.offices:
        for query in queries:
            _require_channel(request, query, now=now)
    else:  # "all offices" means all at which this user may book through the channel
        queries = [
            q
            for q in queries
            if account_selectors.may_book_channel(
                request.user, q.channel, office=q.office, services=[s for s, _m in q.services], now=now
            )
        ]
    found = live.earliest_many(queries, now=now)
    out = []
    for query in queries:
        hit = found[query.office.pk]
        days = (hit.start.astimezone(query.tz).date() - now.astimezone(query.tz).date()).days if hit else None
        out.append({"office": query.office.slug, "start": hit.start if hit else None, "days_from_today": days})
    out.sort(key=lambda row: (row["start"] is None, row["start"] or now))
    return out


@router.post("/holds", response={201: HoldOut, **problems.responses(429)}, summary="Zeit reservieren (Hold)")
def create_hold(request, payload: HoldIn):
    ratelimit.hit(request, "hold")
    if payload.channel == Channel.PARTNER:
        # Partner agents book while the caller is on the line: hold and confirm at once, logged against the
        # contract by the call-center app. This two-step citizen endpoint does not take partner bookings.
        raise Forbidden(
            _("Partner-Agenten buchen über POST /api/callcenter/appointments; dort wird der Vertrag geprüft."),
            field="channel",
        )
    now = timezone.now()
    query = _query(request, payload, office_slug=payload.office, now=now)
    appointment, token = services.hold_for_citizen(
        query=query, start=_aware(payload.start, query.office), proof=payload.altcha, now=now
    )
    return Status(
        201,
        {
            "hold_id": appointment.public_id,
            "token": token,
            "start": appointment.start,
            "end": appointment.end,
            "expires_at": appointment.blocks_until,
        },
    )


@router.post("/holds/{hold_id}/confirm", response={201: AppointmentCreated}, summary="Reservierung bestätigen")
def confirm_hold(request, hold_id: UUID, payload: ConfirmIn):
    hold = access.hold_for_citizen(hold_id, payload.token)
    appointment = services.confirm(appointment=hold, name=payload.name, email=payload.email, phone=payload.phone)
    appointment = access.appointment_for_citizen(appointment.code, payload.token)
    return Status(201, {**_appointment_out(appointment), "token": payload.token})


@router.get("/appointments/{code}", response=AppointmentOut, summary="Termin ansehen (mit Schlüssel)")
def get_appointment(request, code: str, booking_token: str = Header("", alias="X-Booking-Token", max_length=64)):
    ratelimit.hit(request, "lookup")
    return _appointment_out(access.appointment_for_citizen(code, booking_token))


@router.post("/appointments/{code}/cancel", response=AppointmentOut, summary="Termin absagen")
def cancel_appointment(request, code: str, booking_token: str = Header("", alias="X-Booking-Token", max_length=64)):
    ratelimit.hit(request, "cancel")
    appointment = access.appointment_for_citizen(code, booking_token)
    services.cancel(appointment=appointment)
    return _appointment_out(access.appointment_for_citizen(code, booking_token))


@router.post("/appointments/{code}/reschedule", response=AppointmentOut, summary="Termin verschieben")
def reschedule_appointment(
    request, code: str, payload: RescheduleIn, booking_token: str = Header("", alias="X-Booking-Token", max_length=64)
):
    ratelimit.hit(request, "lookup")
    now = timezone.now()
    appointment = access.appointment_for_citizen(code, booking_token)
    query = live.booking_query(
        office=appointment.office,
        service_slugs=payload.services or [item.service.slug for item in appointment.items.all()],
        persons=payload.persons or appointment.persons,
        channel=appointment.channel,
        now=now,
    )
    services.reschedule(appointment=appointment, query=query, start=_aware(payload.start, appointment.office), now=now)
    return _appointment_out(access.appointment_for_citizen(code, booking_token))


class StaffAppointmentOut(Schema):
    code: str
    counter: int
    start: dt.datetime
    end: dt.datetime
    services: list[str]
    persons: int
    name: str
    channel: str


@router.get(
    "/staff/offices/{slug}/day",
    response=list[StaffAppointmentOut],
    auth=staff_auth,
    summary="Tagesliste (Personal)",
)
def staff_day(request, slug: str, date: dt.date):
    office = catalog_selectors.office_by_slug(slug)
    if not account_selectors.may_see_day_list(request.auth, office):
        raise Forbidden(_("Diesen Standort dürfen Sie nicht sehen."), field="office")
    appointments = list(live.staff_day(office, date))
    audit.record_list(
        request,
        object_type="booking.appointment",
        view="booking:staff_day",
        objects=appointments,
        subjects=audit.appointment_subjects(appointments),
        fields=("name", "code"),
    )
    return [
        {
            "code": a.code,
            "counter": a.counter.number,
            "start": a.start,
            "end": a.end,
            "services": [item.service.name for item in a.items.all()],
            "persons": a.persons,
            "name": a.name,
            "channel": a.channel,
        }
        for a in appointments
    ]
