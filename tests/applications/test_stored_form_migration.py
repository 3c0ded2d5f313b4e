"""A service created before the guardian fields existed gets them from the data migration, so an applicant under 16
is asked for the guardian there too; reversing the migration removes exactly those fields."""

import importlib

from django.apps import apps

from buergerbuero.applications import idcard
from buergerbuero.applications.models import OnlineService

migration = importlib.import_module("buergerbuero.applications.migrations.0005_guardian_fields_in_stored_forms")


def names(service):
    service.refresh_from_db()
    return [field["name"] for field in service.form_schema["fields"]]


def test_an_old_stored_id_card_form_gets_the_guardian_fields_before_the_confirmation(online):
    service = online["id_card"]
    current = names(service)
    old = [f for f in idcard.FORM["fields"] if f["name"] not in idcard.GUARDIAN_FIELDS]
    OnlineService.objects.filter(pk=service.pk).update(form_schema={"fields": old})

    migration.add_guardian_fields(apps, None)
    assert names(service) == current  # the same order as the current form: guardian fields before "consent"

    migration.add_guardian_fields(apps, None)  # twice changes nothing
    assert names(service) == current
    migration.remove_guardian_fields(apps, None)
    assert names(service) == [f["name"] for f in old]


def test_other_services_and_forms_that_have_the_fields_are_left_alone(online):
    certificate = online["certificate"]
    before = certificate.form_schema
    migration.add_guardian_fields(apps, None)
    certificate.refresh_from_db()
    assert certificate.form_schema == before
