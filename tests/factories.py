"""Small, explicit builders for test data (real rows in the real database)."""

import datetime as dt
from decimal import Decimal

from buergerbuero.accounts.models import Organisation
from buergerbuero.capacity.models import ChannelShare, OpeningRule, RosterEntry
from buergerbuero.catalog.models import Counter, Office, OfficeService, Service

T = dt.time


def service(slug="personalausweis", minutes=20, leika="99008001000000", online=True, max_persons=4, **extra):
    return Service.objects.create(
        slug=slug,
        leika_key=leika,
        name_de=extra.pop("name_de", slug.title()),
        name_en=extra.pop("name_en", slug.title()),
        handling_minutes=minutes,
        fee=Decimal(extra.pop("fee", "46.00")),
        bookable_online=online,
        max_persons=max_persons,
        **extra,
    )


def office(
    *,
    slug="test-office",
    counters=2,
    services=(),
    weekdays="01234",
    hours=(T(8, 0), T(12, 0)),
    evening=True,
    shares=None,
    organisation=None,
    **fields,
):
    """An office open Mon–Fri mornings (+ a Thursday service evening) with `counters` staffed counters."""
    organisation = organisation or Organisation.objects.get_or_create(name="Stadt Test")[0]
    fields.setdefault("min_notice_minutes", 0)
    o = Office.objects.create(
        organisation=organisation,
        slug=slug,
        name=f"Bürgerbüro {slug}",
        street="Markt 1",
        postcode="44575",
        city="Teststadt",
        **fields,
    )
    OpeningRule.objects.create(office=o, weekdays=weekdays, start_time=hours[0], end_time=hours[1])
    if evening:
        OpeningRule.objects.create(office=o, weekdays="3", start_time=T(16), end_time=T(19, 30), label="Serviceabend")
    for number in range(1, counters + 1):
        counter = Counter.objects.create(office=o, number=number)
        RosterEntry.objects.create(counter=counter, weekdays=weekdays, start_time=hours[0], end_time=hours[1])
        if evening:
            RosterEntry.objects.create(counter=counter, weekdays="3", start_time=T(16), end_time=T(19, 30))
    for s in services:
        OfficeService.objects.create(office=o, service=s)
    for channel, percent in (shares or {}).items():
        ChannelShare.objects.create(office=o, channel=channel, percent=percent)
    return o


def next_weekday(weekday: int, after: dt.date | None = None, weeks_ahead: int = 1) -> dt.date:
    """The given weekday (0 = Monday) at least `weeks_ahead` weeks after `after` (default: today)."""
    after = after or dt.date.today()
    day = after + dt.timedelta(days=7 * weeks_ahead)
    return day + dt.timedelta(days=(weekday - day.weekday()) % 7)


def bearer(user, name="Skript") -> dict[str, str]:
    """Headers of a machine client acting as this staff member, with a freshly issued API token."""
    from django.utils import timezone

    from buergerbuero.accounts import services

    _token, key = services.issue_api_token(user=user, name=name, now=timezone.now())
    return {"Authorization": f"Bearer {key}"}
