"""Fewer indexes on the rows every booking writes (docs/benchmarks.md, Foundation).

Each hold inserts an appointment, its claims and items, and each confirmation rewrites the appointment row
(indexed columns change, so every index gets a new entry). Dropped: indexes whose columns lead another index
(office → appointment_office_start, claim counter → claim_unique_unit, item appointment →
appointment_service_unique) and PostgreSQL's LIKE index on the booking code (codes are compared by equality).
The address-limit index now holds confirmed appointments only, the only ones that count.
"""

import django.db.models.deletion
import django.db.models.functions.text
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("booking", "0005_email_lower_index"),
        ("catalog", "0001_initial"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="appointment",
            name="appointment_email_lower_status",
        ),
        migrations.AlterField(
            model_name="appointment",
            name="code",
            field=models.CharField(max_length=12, verbose_name="Buchungscode"),
        ),
        migrations.AlterField(
            model_name="appointment",
            name="office",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="appointments",
                to="catalog.office",
            ),
        ),
        migrations.AlterField(
            model_name="appointmentservice",
            name="appointment",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="items",
                to="booking.appointment",
            ),
        ),
        migrations.AlterField(
            model_name="claim",
            name="counter",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name="+", to="catalog.counter"
            ),
        ),
        migrations.AddIndex(
            model_name="appointment",
            index=models.Index(
                django.db.models.functions.text.Lower("email"),
                condition=models.Q(("status", "confirmed")),
                name="appointment_email_confirmed",
            ),
        ),
        migrations.AddConstraint(
            model_name="appointment",
            constraint=models.UniqueConstraint(fields=("code",), name="appointment_code_unique"),
        ),
    ]
