"""Open data: the current lead time per office and service, public, for the city's website."""

import datetime as dt

from django.http import HttpResponse
from ninja import Router, Schema

from buergerbuero.insights import selectors

router = Router(tags=["Offene Daten"])


class LeadTimeOut(Schema):
    office: str
    office_name: str
    service: str
    service_name: str
    leika_key: str
    reference_service: bool
    lead_time_days: int | None
    earliest_start: dt.datetime | None
    measured_at: dt.datetime


@router.get(
    "/open/lead-times",
    response=list[LeadTimeOut],
    summary="Aktuelle Vorlaufzeit je Standort und Leistung",
    description=(
        "Tage bis zum nächsten freien Online-Termin für eine Person, aus der letzten stündlichen Messung. "
        "`lead_time_days` = null: kein freier Termin im Buchungshorizont. Lizenz: dl-de/zero-2-0."
    ),
)
def lead_times(request, response: HttpResponse):
    # Open data for any website: readable cross-origin, and cacheable because it changes once an hour.
    response["Access-Control-Allow-Origin"] = "*"
    response["Cache-Control"] = "public, max-age=300"
    return [
        {
            "office": s.office.slug,
            "office_name": s.office.name,
            "service": s.service.slug,
            "service_name": s.service.name_de,
            "leika_key": s.service.leika_key,
            "reference_service": s.office.reference_service_id == s.service_id,
            "lead_time_days": s.lead_time_days,
            "earliest_start": s.earliest_start,
            "measured_at": s.taken_at,
        }
        for s in selectors.latest_snapshots(engine_only=True)
    ]
