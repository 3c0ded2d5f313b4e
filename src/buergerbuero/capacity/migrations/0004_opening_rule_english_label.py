"""An optional English label of an opening rule ("Service evening" beside "Serviceabend").

SQLite adds a NOT NULL column by rebuilding the table, which drops the table's calendar-stamp triggers
(0002_calendar_stamp): they are created again right after. PostgreSQL keeps them (ALTER TABLE ADD COLUMN).
"""

from django.db import migrations, models

from buergerbuero.capacity.stamp_triggers import recreated_on_sqlite


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
        recreated_on_sqlite(table="capacity_openingrule", created_in="0002_calendar_stamp"),
    ]
