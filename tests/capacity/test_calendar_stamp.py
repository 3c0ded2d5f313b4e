"""Cached day plans and offers follow every change of rules, roster, closures, shares, counters and the services
offered — by any write path.

The stamp is renewed by database triggers; these tests change the rows the way the admin, loaders or a person
with a SQL console would, and check the next answer of the selectors (not the stamp alone).
"""

import datetime as dt

import pytest
from django.db import connection, transaction

from buergerbuero.capacity import selectors
from buergerbuero.capacity.models import CalendarStamp, ChannelShare, Closure, OpeningRule, RosterEntry
from buergerbuero.catalog.models import Counter, Office, OfficeService, Service
from buergerbuero.core.errors import DomainError
from tests import factories

T = dt.time
pytestmark = pytest.mark.django_db


@pytest.fixture
def office():
    return factories.office(counters=2, evening=False)


def monday():
    return factories.next_weekday(0)


def lanes(office, day=None):
    """Staffed (counter id, start, end) windows of a day as the selectors answer now."""
    day = day or monday()
    plan = selectors.day_plans(Office.objects.get(pk=office.pk), day, day)[0]
    return sorted((w.lane, w.start, w.end) for w in plan.windows), plan.closed_reason


def stamp(office):
    return CalendarStamp.objects.get(office=office).stamp


def test_every_new_office_gets_a_stamp():
    created = factories.office(slug="neu")
    assert len(stamp(created)) == 32


def test_rule_changes_through_the_orm_show_in_the_next_answer(office):
    before, _ = lanes(office)
    assert [w[1:] for w in before] == [(480, 720), (480, 720)]
    rule = OpeningRule.objects.get(office=office)
    rule.end_time = T(11)
    rule.save()
    after, _ = lanes(office)
    assert [w[1:] for w in after] == [(480, 660), (480, 660)]
    rule.delete()
    assert lanes(office) == ([], None)


def test_closure_roster_skills_share_and_counter_changes_show(office):
    day = monday()
    old = stamp(office)
    Closure.objects.create(office=office, start_date=day, end_date=day, reason="Betriebsausflug")
    assert lanes(office) == ([], "Betriebsausflug")
    assert stamp(office) != old
    Closure.objects.filter(office=office).delete()
    assert len(lanes(office)[0]) == 2

    counter = Counter.objects.create(office=office, number=3)
    entry = RosterEntry.objects.create(counter=counter, weekdays="0", start_time=T(9), end_time=T(10))
    assert (counter.pk, 540, 600) in lanes(office)[0]

    service = factories.service(slug="reisepass", leika="99086001000000")
    entry.services.add(service)
    plan = selectors.day_plans(office, day, day)[0]
    assert next(w.skills for w in plan.windows if w.lane == counter.pk) == frozenset({service.pk})
    entry.services.remove(service)
    plan = selectors.day_plans(office, day, day)[0]
    assert next(w.skills for w in plan.windows if w.lane == counter.pk) is None

    counter.number = 0  # the order decides which counters go to which channel
    counter.save()
    plan = selectors.day_plans(office, day, day)[0]
    assert next(w.order for w in plan.windows if w.lane == counter.pk) == 0

    before = stamp(office)
    assert selectors.channel_shares(office) == ()
    ChannelShare.objects.create(office=office, channel="web", percent=50)
    assert stamp(office) != before
    assert selectors.channel_shares(office) == (("web", 50),)  # kept with the calendar rows


def test_a_change_by_hand_in_sql_shows_too(office):
    assert [w[1:] for w in lanes(office)[0]] == [(480, 720), (480, 720)]
    with connection.cursor() as cursor:
        cursor.execute("UPDATE capacity_rosterentry SET end_time = %s", ["10:00:00"])
    assert [w[1:] for w in lanes(office)[0]] == [(480, 600), (480, 600)]


def test_a_rolled_back_change_leaves_no_trace_in_the_cache(office):
    assert len(lanes(office)[0]) == 2
    with pytest.raises(RuntimeError), transaction.atomic():
        Closure.objects.create(office=office, start_date=monday(), end_date=monday(), reason="nie gespeichert")
        assert lanes(office)[1] == "nie gespeichert"  # cached under the uncommitted stamp
        raise RuntimeError
    windows, closed = lanes(office)
    assert closed is None and len(windows) == 2
    # A later committed change gets a fresh random stamp, never the rolled-back one.
    OpeningRule.objects.filter(office=office).update(start_time=T(9))
    assert [w[1:] for w in lanes(office)[0]] == [(540, 720), (540, 720)]


def test_an_office_with_rules_can_be_deleted(office):
    lanes(office)
    Office.objects.filter(pk=office.pk).delete()
    assert not CalendarStamp.objects.filter(office_id=office.pk).exists()


def offered(office, slug="personalausweis"):
    """(handling minutes, max persons) of a service at an office as a booking sees them now, or None."""
    entry = selectors.snapshot(Office.objects.get(pk=office.pk)).services.get(slug)
    return None if entry is None else (entry[1], entry[0].max_persons)


def test_changes_to_the_services_offered_show_in_the_next_booking():
    from django.utils import timezone

    from buergerbuero.booking.selectors import live as booking_live

    id_card = factories.service(minutes=20, max_persons=4)
    office = factories.office(services=[id_card])
    other = factories.office(slug="anderswo", services=[id_card])
    assert offered(office) == (20, 4) and offered(other) == (20, 4)

    OfficeService.objects.filter(office=office).update(handling_minutes=35)  # this office's own time
    assert offered(office) == (35, 4) and offered(other) == (20, 4)

    id_card.handling_minutes, id_card.max_persons = 25, 2  # the service itself: every office offering it
    id_card.save()
    assert offered(office) == (35, 2) and offered(other) == (25, 2)

    with connection.cursor() as cursor:  # by hand in SQL, too
        cursor.execute("UPDATE catalog_officeservice SET active = %s WHERE office_id = %s", [False, office.pk])
    assert offered(office) is None
    with pytest.raises(DomainError, match="nicht angeboten"):
        booking_live.booking_query(office=office, service_slugs=["personalausweis"], now=timezone.now())

    OfficeService.objects.filter(office=office).update(active=True)
    query = booking_live.booking_query(office=office, service_slugs=["personalausweis"], now=timezone.now())
    assert query.services == [(id_card, 35)]
    Service.objects.filter(pk=id_card.pk).delete()  # its offers go with it
    assert offered(office) is None and offered(other) is None
