"""Optional English texts of a service: the note on the fee and what to bring (German stays required).

SQLite adds a NOT NULL column by rebuilding the table, which drops the table's calendar-stamp triggers
(capacity 0003_calendar_stamp_offer): they are created again right after. PostgreSQL keeps them (ALTER TABLE ADD COLUMN).
"""

import importlib

from django.db import migrations, models

TABLE = "catalog_service"


def recreate_sqlite_triggers(apps, schema_editor):
    if schema_editor.connection.vendor != "sqlite":
        return
    stamp = importlib.import_module("buergerbuero.capacity.migrations.0003_calendar_stamp_offer")
    for op in ("insert", "update", "delete"):
        schema_editor.execute(f"DROP TRIGGER IF EXISTS bb_calendar_{TABLE}_{op}")
    for sql in stamp._sqlite(TABLE, stamp.WATCHED[TABLE]):
        schema_editor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0001_initial"),
        ("capacity", "0003_calendar_stamp_offer"),  # its triggers are rebuilt here on SQLite
    ]

    operations = [
        migrations.AddField(
            model_name="service",
            name="fee_note_en",
            field=models.CharField(
                blank=True,
                help_text="Leer: der deutsche Hinweis",
                max_length=300,
                verbose_name="Hinweis zur Gebühr (englisch)",
            ),
        ),
        migrations.AddField(
            model_name="service",
            name="required_documents_en",
            field=models.TextField(
                blank=True,
                help_text="Eine Unterlage je Zeile; leer: die deutsche Liste",
                verbose_name="Mitzubringen (englisch)",
            ),
        ),
        migrations.RunPython(recreate_sqlite_triggers, recreate_sqlite_triggers),
    ]
