"""The open availability feed (reads only): per office and service the earliest free time and the days with free
times in the released horizon, as everybody may see them — so that scraping the booking pages has no purpose.

Computed by the same engine the booking pages use (one person, channel web), once per office for all its
services (the calendar and the claims are read once), and kept in the Django cache for
`OPEN_FEED_CACHE_SECONDS`; every web process shares it when the cache is Redis. Documented in
docs/fair-release.md.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from django.conf import settings
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import timezone

from buergerbuero.booking import availability
from buergerbuero.booking.selectors import live
from buergerbuero.capacity import selectors as capacity_selectors
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core.channels import Channel
from buergerbuero.core.errors import DomainError

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Office

CACHE_KEY = "open-feed:v1"
FORMAT_VERSION = 1


@dataclass(frozen=True)
class Rendered:
    body: bytes
    etag: str
    generated_at: dt.datetime


def _next_release(office: Office, now: dt.datetime) -> dt.datetime:
    tz = ZoneInfo(office.timezone)
    local = now.astimezone(tz)
    candidate = dt.datetime.combine(local.date(), office.release_time, tzinfo=tz)
    if candidate <= local:
        candidate = dt.datetime.combine(local.date() + dt.timedelta(days=1), office.release_time, tzinfo=tz)
    return candidate


def office_feed(office: Office, *, now: dt.datetime) -> dict:
    tz = ZoneInfo(office.timezone)
    today = now.astimezone(tz).date()
    last_day = availability.last_bookable_day(now, office.horizon_days, office.release_time, tz)
    plans = capacity_selectors.day_plans(office, today, last_day)
    taken = live.taken(office, plans, now=now)
    rows = []
    for service in catalog_selectors.services(office=office, online_only=True):
        try:
            query = live.booking_query(office=office, service_slugs=[service.slug], channel=Channel.WEB, now=now)
        except DomainError:
            continue
        days = availability.free_times(plans, taken, query.request)
        free_days = [(day, times) for day, times in days.items() if times]
        earliest = free_days[0][1][0].start if free_days else None
        rows.append(
            {
                "service": service.slug,
                "leika_key": service.leika_key,
                "name_de": service.name_de,
                "name_en": service.name_en,
                "earliest": earliest,
                "days_from_today": (earliest.astimezone(tz).date() - today).days if earliest else None,
                "days": [{"date": day, "free_times": len(times), "first": times[0].start} for day, times in free_days],
            }
        )
    return {
        "office": office.slug,
        "name": office.name,
        "address": f"{office.street}, {office.postcode} {office.city}",
        "timezone": office.timezone,
        "release_time": office.release_time.strftime("%H:%M"),
        "horizon_days": office.horizon_days,
        "bookable_until": last_day,
        "next_release_at": _next_release(office, now),
        "services": rows,
    }


def compute(*, now: dt.datetime | None = None) -> dict:
    now = now or timezone.now()
    return {
        "version": FORMAT_VERSION,
        "generated_at": now,
        "max_age_seconds": settings.OPEN_FEED_CACHE_SECONDS,
        "persons": 1,
        "channel": Channel.WEB.value,
        "offices": [office_feed(office, now=now) for office in catalog_selectors.offices()],
    }


def render(*, now: dt.datetime | None = None) -> Rendered:
    now = now or timezone.now()
    body = json.dumps(compute(now=now), cls=DjangoJSONEncoder, ensure_ascii=False).encode()
    return Rendered(body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"', now)


def cached(*, now: dt.datetime | None = None) -> Rendered:
    """The feed from the cache, computed at most once per `OPEN_FEED_CACHE_SECONDS` (per cache, not per process)."""
    hit = cache.get(CACHE_KEY)
    if hit is not None:
        return hit
    rendered = render(now=now)
    cache.set(CACHE_KEY, rendered, settings.OPEN_FEED_CACHE_SECONDS)
    return rendered
