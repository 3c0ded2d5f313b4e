"""Calendar stamps and the triggers that renew them (see CalendarStamp and docs/adr/0002-calendar-stamp.md).

Triggers, not application code: opening rules, closures and the roster are written by services, the admin,
loaders, tests' factories and by hand; a database trigger is the one place none of them can bypass.
"""

import django.db.models.deletion
from django.db import migrations, models

# Table → SQL expression for the office of a row (ROW is NEW or OLD).
WATCHED = {
    "capacity_openingrule": "ROW.office_id",
    "capacity_closure": "ROW.office_id",
    "capacity_channelshare": "ROW.office_id",
    "catalog_counter": "ROW.office_id",
    "capacity_rosterentry": "(SELECT office_id FROM catalog_counter WHERE id = ROW.counter_id)",
    "capacity_rosterentry_services": (
        "(SELECT c.office_id FROM capacity_rosterentry r JOIN catalog_counter c ON c.id = r.counter_id"
        " WHERE r.id = ROW.rosterentry_id)"
    ),
}
RANDOM = {"sqlite": "lower(hex(randomblob(16)))", "postgresql": "md5(random()::text || clock_timestamp()::text)"}


def _renew(vendor: str, office_expr: str) -> str:
    return f"UPDATE capacity_calendarstamp SET stamp = {RANDOM[vendor]} WHERE office_id = {office_expr};"


def _sqlite(table: str, expr: str) -> list[str]:
    rows = {"INSERT": ["NEW"], "UPDATE": ["NEW", "OLD"], "DELETE": ["OLD"]}
    return [
        f"CREATE TRIGGER bb_calendar_{table}_{op.lower()} AFTER {op} ON {table} FOR EACH ROW BEGIN "
        + " ".join(_renew("sqlite", expr.replace("ROW", row)) for row in names)
        + " END"
        for op, names in rows.items()
    ]


def _postgresql(table: str, expr: str) -> list[str]:
    return [
        f"""CREATE FUNCTION bb_calendar_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'DELETE' THEN {_renew("postgresql", expr.replace("ROW", "NEW"))} END IF;
            IF TG_OP <> 'INSERT' THEN {_renew("postgresql", expr.replace("ROW", "OLD"))} END IF;
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER bb_calendar_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION bb_calendar_{table}()",
    ]


def _office_inserted(vendor: str) -> list[str]:
    insert = f"INSERT INTO capacity_calendarstamp (office_id, stamp) VALUES (NEW.id, {RANDOM[vendor]});"
    if vendor == "sqlite":
        return [
            f"CREATE TRIGGER bb_calendar_office_insert AFTER INSERT ON catalog_office FOR EACH ROW BEGIN {insert} END"
        ]
    return [
        f"CREATE FUNCTION bb_calendar_office() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN {insert} RETURN NULL; END $$",
        "CREATE TRIGGER bb_calendar_office AFTER INSERT ON catalog_office FOR EACH ROW EXECUTE FUNCTION bb_calendar_office()",
    ]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    build = {"sqlite": _sqlite, "postgresql": _postgresql}[vendor]
    statements = [
        f"INSERT INTO capacity_calendarstamp (office_id, stamp) SELECT id, {RANDOM[vendor]} FROM catalog_office",
        *_office_inserted(vendor),
    ]
    for table, expr in WATCHED.items():
        statements += build(table, expr)
    for sql in statements:
        schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in [*WATCHED, "office"]:
        if vendor == "sqlite":
            for op in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS bb_calendar_{table}_{op}")
        else:
            target = "catalog_office" if table == "office" else table
            schema_editor.execute(f"DROP TRIGGER IF EXISTS bb_calendar_{table} ON {target}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS bb_calendar_{table}()")


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0001_initial"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.CreateModel(
            name="CalendarStamp",
            fields=[
                (
                    "office",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="catalog.office",
                    ),
                ),
                ("stamp", models.CharField(max_length=32)),
            ],
            options={"verbose_name": "Kalenderstempel", "verbose_name_plural": "Kalenderstempel"},
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
