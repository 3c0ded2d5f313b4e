"""An optional English label of an opening rule ("Service evening" beside "Serviceabend").

SQLite adds a NOT NULL column by rebuilding the table, which drops the table's calendar-stamp triggers
(0002_calendar_stamp): they are created again right after. PostgreSQL keeps them (ALTER TABLE ADD COLUMN).
"""

import importlib

from django.db import migrations, models

TABLE = "capacity_openingrule"


def recreate_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    stamp = importlib.import_module("buergerbuero.capacity.migrations.0002_calendar_stamp")
    for op in ("insert", "update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS bb_calendar_{TABLE}_{op}")
    for sql in stamp._sqlite(TABLE, stamp.WATCHED[TABLE]):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("capacity", "0003_calendar_stamp_offer"),
    ]

    operations = [
        migrations.AddField(
            model_name="openingrule",
            name="label_en",
            field=models.CharField(
                blank=True,
                help_text="z. B. „Service evening“; leer: die deutsche Bezeichnung",
                max_length=100,
                verbose_name="Bezeichnung (englisch)",
            ),
        ),
        migrations.RunPython(recreate_sqlite_triggers, recreate_sqlite_triggers),
    ]
