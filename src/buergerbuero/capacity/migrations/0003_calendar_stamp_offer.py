"""The calendar stamp also follows the services an office offers (catalog rows), see docs/adr/0002-calendar-stamp.md.

Every booking asks which services an office offers with which handling minutes; `capacity.selectors` now keeps
that offer with the calendar rows, so the triggers must renew the stamp when an office's offer or a service
itself (its default minutes, online bookability, persons limit) changes. A service change renews the stamp of
every office that offers it.
"""

from django.db import migrations

# Table → SQL selecting the offices a row concerns (ROW is NEW or OLD).
WATCHED = {
    "catalog_officeservice": "SELECT ROW.office_id",
    "catalog_service": "SELECT office_id FROM catalog_officeservice WHERE service_id = ROW.id",
}
RANDOM = {"sqlite": "lower(hex(randomblob(16)))", "postgresql": "md5(random()::text || clock_timestamp()::text)"}


def _renew(vendor: str, offices_sql: str) -> str:
    return f"UPDATE capacity_calendarstamp SET stamp = {RANDOM[vendor]} WHERE office_id IN ({offices_sql});"


def _sqlite(table: str, offices_sql: str) -> list[str]:
    rows = {"INSERT": ["NEW"], "UPDATE": ["NEW", "OLD"], "DELETE": ["OLD"]}
    return [
        f"CREATE TRIGGER bb_calendar_{table}_{op.lower()} AFTER {op} ON {table} FOR EACH ROW BEGIN "
        + " ".join(_renew("sqlite", offices_sql.replace("ROW", row)) for row in names)
        + " END"
        for op, names in rows.items()
    ]


def _postgresql(table: str, offices_sql: str) -> list[str]:
    return [
        f"""CREATE FUNCTION bb_calendar_{table}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF TG_OP <> 'DELETE' THEN {_renew("postgresql", offices_sql.replace("ROW", "NEW"))} END IF;
            IF TG_OP <> 'INSERT' THEN {_renew("postgresql", offices_sql.replace("ROW", "OLD"))} END IF;
            RETURN NULL;
        END $$""",
        f"CREATE TRIGGER bb_calendar_{table} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION bb_calendar_{table}()",
    ]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    build = {"sqlite": _sqlite, "postgresql": _postgresql}[vendor]
    for table, offices_sql in WATCHED.items():
        for sql in build(table, offices_sql):
            schema_editor.execute(sql)


def drop_triggers(apps, schema_editor):
    for table in WATCHED:
        if schema_editor.connection.vendor == "sqlite":
            for op in ("insert", "update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS bb_calendar_{table}_{op}")
        else:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS bb_calendar_{table} ON {table}")
            schema_editor.execute(f"DROP FUNCTION IF EXISTS bb_calendar_{table}()")


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0002_calendar_stamp"),
        ("catalog", "0001_initial"),
    ]

    operations = [migrations.RunPython(create_triggers, drop_triggers)]
