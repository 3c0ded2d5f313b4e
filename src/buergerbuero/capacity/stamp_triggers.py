"""For migrations: the calendar-stamp triggers created again after SQLite copied a table they watch.

SQLite adds a NOT NULL column (and drops one) by copying the table, which drops the table's triggers;
PostgreSQL keeps them (ALTER TABLE ADD COLUMN), so there the step does nothing. The triggers come back exactly
as the capacity migration that created them wrote them (docs/adr/0002-calendar-stamp.md). Only migrations
use this module: keep it as it is, old migrations run it.
"""

import importlib

from django.db import migrations


def recreated_on_sqlite(*, table: str, created_in: str) -> migrations.RunPython:
    """A migration step (both ways): `table`'s triggers as capacity's migration `created_in` made them."""

    def recreate(apps, schema_editor):
        if schema_editor.connection.vendor != "sqlite":
            return
        created = importlib.import_module(f"buergerbuero.capacity.migrations.{created_in}")
        for op in ("insert", "update", "delete"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS bb_calendar_{table}_{op}")
        for sql in created._sqlite(table, created.WATCHED[table]):
            schema_editor.execute(sql)

    return migrations.RunPython(recreate, recreate)
