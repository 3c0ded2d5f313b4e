"""JSON API of the online services: the ID-card fee calculator and the citizen's application status."""

import datetime as dt
from decimal import Decimal
from uuid import UUID

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from ninja import Header, Query, Router, Schema

from buergerbuero.applications import fees, selectors
from buergerbuero.core.errors import DomainError

router = Router(tags=["Online-Anträge"])


class FeeParams(Schema):
    birth_date: dt.date
    on: dt.date | None = None
    direct_delivery: bool = False
    photo_in_office: bool = False
    outside_responsibility: bool = False


class FeeLineOut(Schema):
    key: str
    label: str
    amount: Decimal


class FeeOut(Schema):
    total: Decimal
    lines: list[FeeLineOut]


class StatusOut(Schema):
    reference: str
    service: str
    status: str
    status_label: str
    fee: Decimal | None
    appointment_code: str
    info_request: str
    submitted_at: dt.datetime | None


@router.get("/applications/fees/id-card", response=FeeOut, summary="Gebühr für den Personalausweis berechnen")
def id_card_fee(request, params: Query[FeeParams]):
    on = params.on or timezone.localdate()
    try:
        fee = fees.id_card_fee(
            birth_date=params.birth_date,
            application_date=on,
            direct_delivery=params.direct_delivery,
            photo_in_office=params.photo_in_office,
            outside_responsibility=params.outside_responsibility,
        )
    except fees.FeeError as exc:
        messages = {
            "delivery": _("Direktversand ist erst ab 16 Jahren möglich."),
            "birth_date": _("Das Geburtsdatum liegt in der Zukunft."),
        }
        field = {"delivery": "direct_delivery"}.get(exc.field, exc.field)
        message = messages.get(exc.field, _("Für dieses Datum gibt es keinen Gebührensatz."))
        raise DomainError(message, field=field) from exc
    return {"total": fee.total, "lines": [vars(line) for line in fee.lines]}


@router.get("/applications/{public_id}", response=StatusOut, summary="Stand eines Antrags (mit Zugangsschlüssel)")
def application_status(
    request, public_id: UUID, application_token: str = Header("", alias="X-Application-Token", max_length=64)
):
    application = selectors.application_for_citizen(public_id, application_token)
    return {
        "reference": application.reference,
        "service": application.service.slug,
        "status": application.status,
        "status_label": application.get_status_display(),
        "fee": application.fee,
        "appointment_code": application.appointment_code,
        "info_request": application.info_request,
        "submitted_at": application.submitted_at,
    }
