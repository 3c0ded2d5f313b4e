"""Optional English texts of a service: the note on the fee and what to bring (German stays required).

SQLite adds a NOT NULL column by rebuilding the table, which drops the table's calendar-stamp triggers
(capacity 0003_calendar_stamp_offer): they are created again right after. PostgreSQL keeps them (ALTER TABLE ADD COLUMN).
"""

from django.db import migrations, models

from buergerbuero.capacity.stamp_triggers import recreated_on_sqlite


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
        recreated_on_sqlite(table="catalog_service", created_in="0003_calendar_stamp_offer"),
    ]
