"""Rule validation in the service layer (shared by admin, loader and API): clear errors, nothing saved."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from buergerbuero.capacity import services
from buergerbuero.capacity.models import ChannelShare, Closure, OpeningRule, RosterEntry
from buergerbuero.catalog.models import Service

T = dt.time


def save(instance, validator):
    services.save_validated(instance, validator)


def test_overlapping_rules_of_the_same_kind_are_refused(small_office):
    rule = OpeningRule(office=small_office, weekdays="1", start_time=T(11), end_time=T(13))
    with pytest.raises(ValidationError) as exc:
        save(rule, services.validate_opening_rule)
    assert "start_time" in exc.value.message_dict
    assert OpeningRule.objects.filter(office=small_office).count() == 2
    # Another kind at the same time is fine (walk-in hours beside appointments).
    save(
        OpeningRule(office=small_office, weekdays="1", start_time=T(11), end_time=T(13), kind="walk_in"),
        services.validate_opening_rule,
    )


def test_end_before_start_and_closure_reversed(small_office):
    with pytest.raises(ValidationError) as exc:
        save(
            OpeningRule(office=small_office, weekdays="5", start_time=T(12), end_time=T(8)),
            services.validate_opening_rule,
        )
    assert "end_time" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        save(
            Closure(office=small_office, start_date=dt.date(2026, 12, 31), end_date=dt.date(2026, 12, 24), reason="x"),
            services.validate_closure,
        )
    assert "end_date" in exc.value.message_dict
    assert not Closure.objects.exists()


def test_database_refuses_a_reversed_closure_even_without_the_service(small_office):
    with pytest.raises(IntegrityError), transaction.atomic():
        Closure.objects.create(
            office=small_office, start_date=dt.date(2026, 12, 31), end_date=dt.date(2026, 12, 1), reason="x"
        )


def test_roster_outside_opening_hours_names_the_weekday(small_office):
    counter = small_office.counters.first()
    with pytest.raises(ValidationError) as exc:
        save(
            RosterEntry(counter=counter, weekdays="5", start_time=T(8), end_time=T(12)), services.validate_roster_entry
        )
    assert "Sa" in exc.value.message_dict["start_time"][0]
    with pytest.raises(ValidationError):  # the counter is already staffed then
        save(
            RosterEntry(counter=counter, weekdays="0", start_time=T(9), end_time=T(10)), services.validate_roster_entry
        )


def test_weekdays_must_be_digits_0_to_6(small_office):
    with pytest.raises(ValidationError) as exc:
        save(
            OpeningRule(office=small_office, weekdays="7", start_time=T(8), end_time=T(9)),
            services.validate_opening_rule,
        )
    assert "weekdays" in exc.value.message_dict


def test_channel_shares_cannot_exceed_100(small_office):
    save(ChannelShare(office=small_office, channel="web", percent=80), services.validate_channel_share)
    with pytest.raises(ValidationError):
        save(ChannelShare(office=small_office, channel="partner", percent=30), services.validate_channel_share)


def test_leika_key_has_14_digits_in_form_and_database(db):
    service = Service(slug="x", leika_key="9900800100000", name_de="X", name_en="X", handling_minutes=10)
    with pytest.raises(ValidationError) as exc:
        service.full_clean()
    assert "leika_key" in exc.value.message_dict
    with pytest.raises(IntegrityError), transaction.atomic():
        service.save()


def test_a_rule_change_shows_in_the_next_answer(client, small_office):
    """No slot table to rebuild: adding a Saturday rule and roster makes Saturday bookable at once."""
    from tests.factories import next_weekday

    saturday = next_weekday(5)
    params = {"office": small_office.slug, "services": "personalausweis", "from": saturday, "to": saturday}
    assert client.get("/api/availability/days", params).json()[0]["free_times"] == 0
    save(
        OpeningRule(office=small_office, weekdays="5", start_time=T(9), end_time=T(12)), services.validate_opening_rule
    )
    save(
        RosterEntry(counter=small_office.counters.first(), weekdays="5", start_time=T(9), end_time=T(12)),
        services.validate_roster_entry,
    )
    assert client.get("/api/availability/days", params).json()[0]["free_times"] == 17
    save(
        Closure(office=small_office, start_date=saturday, end_date=saturday, reason="Betriebsausflug"),
        services.validate_closure,
    )
    assert client.get("/api/availability/days", params).json()[0]["free_times"] == 0
