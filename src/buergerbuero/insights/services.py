"""Writes of the insights app: hourly lead-time snapshots, target bands and events."""

import datetime as dt
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from buergerbuero.booking import availability
from buergerbuero.booking.selectors import live as booking_live
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.catalog.models import Office, Service
from buergerbuero.core.errors import DomainError
from buergerbuero.insights.models import Event, KPISnapshot, OfficeTarget

log = logging.getLogger(__name__)
FREE_SLOT_DAYS = 14


def snapshot_hour(moment: dt.datetime) -> dt.datetime:
    """The full UTC hour a moment falls in (UTC, so the doubled local hour of the autumn DST switch stays apart)."""
    if moment.tzinfo is None:
        raise ValueError("snapshot times must be timezone-aware")
    return moment.astimezone(dt.UTC).replace(minute=0, second=0, microsecond=0)


@dataclass(frozen=True)
class Measurement:
    office: Office
    service: Service
    lead_time_days: int | None
    earliest_start: dt.datetime | None
    horizon_days: int
    free_slots_14d: int


def measure_office(*, office: Office, services: list[Service], now: dt.datetime) -> list[Measurement]:
    """Ask the citizen's availability engine for every service of one office: earliest free web time for one person.

    Same request (`booking.selectors.live.booking_query`), same reads (`capacity.selectors.day_plans`,
    `booking.selectors.live.taken`) and same pure engine (`booking.availability.earliest`) as
    `booking.selectors.live.lead_time_days` — but the office's calendar and claims for the whole horizon are read once
    and shared by all its services, instead of once per service.
    """
    queries = []
    for service in services:
        try:
            queries.append((service, booking_live.booking_query(office=office, service_slugs=[service.slug], now=now)))
        except DomainError as exc:  # e.g. not offered online after all: skip, never fail the run
            log.warning("lead time of %s at %s not measured: %s", service.slug, office.slug, exc)
    if not queries:
        return []
    tz = ZoneInfo(office.timezone)
    today = now.astimezone(tz).date()
    last_day = max(query.request.last_day for _service, query in queries)
    plans = capacity_selectors.day_plans(office, today, last_day)
    taken = booking_live.taken(office, plans, now=now)
    window = [plan for plan in plans if (plan.day - today).days < FREE_SLOT_DAYS]
    out = []
    for service, query in queries:
        hit = availability.earliest(plans, taken, query.request)
        free = availability.free_times(window, taken, query.request)
        out.append(
            Measurement(
                office=office,
                service=service,
                lead_time_days=(hit.start.astimezone(tz).date() - today).days if hit else None,
                earliest_start=hit.start if hit else None,
                horizon_days=(query.request.last_day - today).days,
                free_slots_14d=sum(len(times) for times in free.values()),
            )
        )
    return out


def take_snapshots(*, now: dt.datetime, offices: Iterable[Office] | None = None) -> int:
    """Measure every office × online-bookable service and store one row per hour (idempotent).

    The engine runs outside the write transaction so bookings are never blocked by the measurement;
    the rows are then written in one short transaction. Returns the number of rows written.
    """
    hour = snapshot_hour(now)
    measurements = []
    for office in offices if offices is not None else catalog_selectors.offices():
        services = list(catalog_selectors.services(office=office, online_only=True))
        measurements += measure_office(office=office, services=services, now=now)
    return store_snapshots(measurements=measurements, hour=hour, taken_at=now)


@transaction.atomic
def store_snapshots(*, measurements: list[Measurement], hour: dt.datetime, taken_at: dt.datetime) -> int:
    for m in measurements:
        KPISnapshot.objects.update_or_create(
            office=m.office,
            service=m.service,
            hour=hour,
            defaults={
                "taken_at": taken_at,
                "lead_time_days": m.lead_time_days,
                "earliest_start": m.earliest_start,
                "horizon_days": m.horizon_days,
                "free_slots_14d": m.free_slots_14d,
                "source": KPISnapshot.Source.ENGINE,
            },
        )
    return len(measurements)


@transaction.atomic
def set_target(*, office: Office, min_days: int, max_days: int) -> OfficeTarget:
    if min_days < 0:
        raise DomainError(_("Die Untergrenze darf nicht negativ sein."), field="min_days")
    if max_days < 1 or max_days > 365:
        raise DomainError(_("Die Obergrenze muss zwischen 1 und 365 Tagen liegen."), field="max_days")
    if min_days > max_days:
        raise DomainError(_("Die Untergrenze darf nicht über der Obergrenze liegen."), field="min_days")
    target, _created = OfficeTarget.objects.update_or_create(
        office=office, defaults={"min_days": min_days, "max_days": max_days}
    )
    return target


@transaction.atomic
def record_event(*, office: Office, day: dt.date, title: str, kind: str = Event.Kind.MEASURE) -> Event:
    title = title.strip()
    if not title:
        raise DomainError(_("Bitte eine Bezeichnung angeben."), field="title")
    if kind not in Event.Kind.values:
        raise DomainError(_("Unbekannte Art des Ereignisses."), field="kind")
    event, _created = Event.objects.get_or_create(office=office, day=day, title=title, defaults={"kind": kind})
    return event
