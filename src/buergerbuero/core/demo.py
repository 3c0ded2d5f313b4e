"""Demo data: each app may ship `<app>/demo.py` with `load(city: DemoCity)`; they run in INSTALLED_APPS order.

The core loads nothing itself; it finds the apps' loaders so that a new app brings its own demo data
without touching anybody else's file.
"""

import dataclasses
import datetime as dt
import importlib

from django.apps import apps
from django.core.management.color import no_style
from django.db import connection
from django.db.models import NOT_PROVIDED, Model
from django.utils import timezone


@dataclasses.dataclass
class DemoCity:
    """Shared context between the apps' demo loaders (objects created earlier, the reference day)."""

    today: dt.date
    seed: int = 2019
    objects: dict = dataclasses.field(default_factory=dict)


def loaders():
    for config in apps.get_app_configs():
        if not config.name.startswith("buergerbuero."):
            continue
        try:
            module = importlib.import_module(f"{config.name}.demo")
        except ModuleNotFoundError as exc:
            if exc.name != f"{config.name}.demo":
                raise
            continue
        if module.__name__ != __name__:
            yield config.label, module.load


def insert_rows(model, rows, *, batch_size: int = 5000) -> list[int]:
    """Insert rows (dicts of field name or attname → value, all with the same keys) as `bulk_create` stores them,
    without building a model instance per row: the demo's ~220,000 rows took most of `load_demo`'s time in
    Django's per-instance and per-value work. Fields left out get their model default (a callable default is
    called per row, `auto_now(_add)` gives now); values are adapted once per column type as Django would. The
    primary keys are assigned here, after the table's largest (the loader runs in one transaction), and the
    database's sequence is moved past them. Returns the new primary keys in row order.
    """
    rows = rows if isinstance(rows, list) else list(rows)
    if not rows:
        return []
    meta = model._meta
    by_key = {}
    for field in meta.concrete_fields:
        by_key[field.name] = by_key[field.attname] = field
    given = [by_key[key] for key in rows[0]]
    pk = meta.pk
    now = timezone.now()
    filled = []  # (field, value or callable per row)
    for field in meta.concrete_fields:
        if field is pk or field in given or field.db_default is not NOT_PROVIDED:
            continue
        if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
            filled.append((field, lambda: now))
        elif field.has_default() and callable(field.default):
            filled.append((field, field.default))
        else:
            filled.append((field, field.get_default()))
    fields = [pk, *given, *(f for f, _ in filled)]
    samples = [None, *rows[0].values(), *(v() if callable(v) else v for _f, v in filled)]
    convert = [_adapter(field, sample) for field, sample in zip(fields, samples, strict=True)]
    table = connection.ops.quote_name(meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT MAX({connection.ops.quote_name(pk.column)}) FROM {table}")
        first = (cursor.fetchone()[0] or 0) + 1
    ids = list(range(first, first + len(rows)))
    keys = list(rows[0])
    extra = [(value if callable(value) else (lambda v=value: v)) for _f, value in filled]

    adapted = [(i, c) for i, c in enumerate(convert) if c is not None]

    def values():
        for pk_value, row in zip(ids, rows, strict=True):
            raw = [pk_value, *(row[k] for k in keys), *(make() for make in extra)]
            for i, c in adapted:
                raw[i] = c(raw[i])
            yield raw

    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for row in values():
                    copy.write_row(row)
            for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
                cursor.execute(sql)
        else:
            sql = f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(fields))})"
            batch = []
            for row in values():
                batch.append(row)
                if len(batch) >= batch_size:
                    cursor.executemany(sql, batch)
                    batch = []
            if batch:
                cursor.executemany(sql, batch)
    return ids


def _adapter(field, sample):
    """How a Python value of this field becomes the database's value (None: as it is)."""
    kind = field.get_internal_type()
    ops = connection.ops
    if kind == "DateTimeField":
        if connection.vendor == "sqlite":
            return _sqlite_datetime
        return ops.adapt_datetimefield_value
    if kind == "DateField":
        return ops.adapt_datefield_value
    if kind == "TimeField":
        return ops.adapt_timefield_value
    if field.is_relation:
        # Given as the related object (or None) or as its key: the first row tells which.
        return (lambda v: None if v is None else v.pk) if isinstance(sample, Model) else None
    if kind in SIMPLE_TYPES:
        return None
    return lambda v: field.get_db_prep_save(v, connection)


def _sqlite_datetime(value):
    """Django's SQLite form of an aware datetime (UTC, no offset), without its per-value checks."""
    if value is None or value.tzinfo is None:
        return connection.ops.adapt_datetimefield_value(value)
    return value.astimezone(dt.UTC).replace(tzinfo=None).isoformat(" ")


SIMPLE_TYPES = {
    "AutoField",
    "BigAutoField",
    "BigIntegerField",
    "BooleanField",
    "CharField",
    "EmailField",
    "IntegerField",
    "PositiveBigIntegerField",
    "PositiveIntegerField",
    "PositiveSmallIntegerField",
    "SlugField",
    "SmallIntegerField",
    "TextField",
    "URLField",
}
