"""ID-card services created before the guardian fields existed keep their stored form: add the three fields there.

The field definitions are frozen here (as of this migration), not read from idcard.FORM, so the migration means the
same thing whenever it runs; a form that already has them, or was edited to leave them out on purpose by removing
only some, is left as it is."""

from typing import Any

from django.db import migrations

GUARDIAN_FIELDS: list[dict[str, Any]] = [
    {
        "name": "guardian_name",
        "type": "text",
        "max_length": 150,
        "label": {"de": "Name der sorgeberechtigten Person", "en": "Name of the parent or guardian"},
        "help": {
            "de": "Nur unter 16 Jahren: Sie kommt mit zum Termin.",
            "en": "Only under 16: they come along to the appointment.",
        },
    },
    {
        "name": "guardian_relation",
        "type": "choice",
        "label": {"de": "Sorgeberechtigt als", "en": "Guardian as"},
        "choices": [
            {"value": "parent", "label": {"de": "Elternteil", "en": "Parent"}},
            {"value": "guardian", "label": {"de": "Vormund", "en": "Legal guardian"}},
        ],
    },
    {
        "name": "guardian_phone",
        "type": "text",
        "max_length": 40,
        "pattern": r"\+?[0-9 /()-]{6,40}",
        "pattern_message": {"de": "Bitte geben Sie eine Telefonnummer an.", "en": "Please enter a phone number."},
        "label": {"de": "Telefon der sorgeberechtigten Person", "en": "Phone of the parent or guardian"},
    },
]
NAMES = {field["name"] for field in GUARDIAN_FIELDS}


def add_guardian_fields(apps, schema_editor):
    OnlineService = apps.get_model("applications", "OnlineService")
    for service in OnlineService.objects.filter(kind="id_card"):
        fields = list((service.form_schema or {}).get("fields", []))
        if not fields or NAMES & {field.get("name") for field in fields}:
            continue
        # Before the closing confirmation, as in the current form.
        at = next((i for i, field in enumerate(fields) if field.get("name") == "consent"), len(fields))
        fields[at:at] = GUARDIAN_FIELDS
        service.form_schema = {**service.form_schema, "fields": fields}
        service.save(update_fields=["form_schema"])


def remove_guardian_fields(apps, schema_editor):
    OnlineService = apps.get_model("applications", "OnlineService")
    for service in OnlineService.objects.filter(kind="id_card"):
        fields = (service.form_schema or {}).get("fields", [])
        kept = [field for field in fields if field.get("name") not in NAMES]
        if len(kept) != len(fields):
            service.form_schema = {**service.form_schema, "fields": kept}
            service.save(update_fields=["form_schema"])


class Migration(migrations.Migration):
    dependencies = [("applications", "0004_access_log_into_audit")]

    operations = [migrations.RunPython(add_guardian_fields, remove_guardian_fields)]
