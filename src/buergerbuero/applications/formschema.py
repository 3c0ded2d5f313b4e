"""A small form engine: a service declares its form as data; answers are checked on the server.

Pure (no ORM). A schema is a dict (stored as JSON on OnlineService.form_schema):

    {"fields": [{"name": "reason", "type": "choice", "required": true,
                 "label": {"de": "Grund", "en": "Reason"}, "help": {"de": "…", "en": "…"},
                 "choices": [{"value": "expiry", "label": {"de": "…", "en": "…"}}]}, …]}

Field types: text, email, date, choice, checkbox, file. Options: required, required_if {"field": value},
max_length, pattern + pattern_message {de,en}, min/max (dates as ISO text or "today"), accept (MIME types),
max_bytes, prefill (an Identity attribute), locked_when_identified (the eID value may not be changed),
normalize ("code": spaces dropped, upper case, before any check).
"""

import datetime as dt
import re
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from django.utils.formats import date_format
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from buergerbuero.core import contact
from buergerbuero.core.errors import DomainError

TYPES = {"text", "email", "date", "choice", "checkbox", "file"}
NAME = re.compile(r"^[a-z][a-z0-9_]{0,59}$")


def _text(value: dict | str | None) -> str:
    if not value:
        return ""
    if isinstance(value, str):
        return value
    language = "en" if (get_language() or "de").startswith("en") else "de"
    return value.get(language) or value.get("de", "")


@dataclass(frozen=True)
class Field:
    name: str
    type: str
    label: dict
    help: dict = field(default_factory=dict)
    required: bool = False
    required_if: dict = field(default_factory=dict)
    max_length: int = 200
    pattern: str = ""
    pattern_message: dict = field(default_factory=dict)
    min: str = ""
    max: str = ""
    choices: tuple = ()
    accept: tuple = ()
    max_bytes: int = 0
    prefill: str = ""
    locked_when_identified: bool = False
    normalize: str = ""  # "code": drop spaces, upper case (codes read off a paper slip)

    @property
    def label_text(self) -> str:
        return _text(self.label)

    @property
    def help_text(self) -> str:
        return _text(self.help)

    @property
    def choice_items(self) -> list[tuple[str, str]]:
        return [(c["value"], _text(c["label"])) for c in self.choices]


@dataclass(frozen=True)
class Form:
    fields: tuple[Field, ...]

    def __getitem__(self, name: str) -> Field:
        for f in self.fields:
            if f.name == name:
                return f
        raise KeyError(name)

    @property
    def file_fields(self) -> list[Field]:
        return [f for f in self.fields if f.type == "file"]


def display_value(f: Field, value: str) -> str:
    """An answer as a person reads it: the choice's label, "ja" for a ticked box, a date in the active language."""
    if f.type == "choice":
        return dict(f.choice_items).get(value, value)
    if f.type == "checkbox":
        return _("ja") if value == "on" else _("nein")
    if f.type == "date":
        try:
            return date_format(dt.date.fromisoformat(value), "SHORT_DATE_FORMAT")
        except ValueError:
            return value
    return value


def parse(schema: dict) -> Form:
    """Turn the stored data into a Form; a broken schema raises ValueError naming the field."""
    fields = []
    seen = set()
    for raw in schema.get("fields", []):
        name = raw.get("name", "")
        if not NAME.match(name) or name in seen:
            raise ValueError(f"bad or duplicate field name {name!r}")
        if raw.get("type") not in TYPES:
            raise ValueError(f"{name}: unknown type {raw.get('type')!r}")
        if raw["type"] == "choice" and not raw.get("choices"):
            raise ValueError(f"{name}: a choice needs choices")
        if raw.get("pattern"):
            re.compile(raw["pattern"])
        seen.add(name)
        data = dict(raw)
        data["choices"] = tuple(raw.get("choices", ()))
        data["accept"] = tuple(raw.get("accept", ()))
        fields.append(Field(**data))
    for f in fields:
        for other in f.required_if:
            if other not in seen:
                raise ValueError(f"{f.name}: required_if names unknown field {other!r}")
    return Form(tuple(fields))


def _date_bound(value: str, today: dt.date) -> dt.date | None:
    if not value:
        return None
    return today if value == "today" else dt.date.fromisoformat(value)


def _is_required(f: Field, raw: dict[str, str]) -> bool:
    if f.required:
        return True
    return bool(f.required_if) and all(raw.get(k, "") == str(v) for k, v in f.required_if.items())


def clean(
    form: Form, raw: dict[str, str], *, today: dt.date, files_present: AbstractSet[str] = frozenset()
) -> tuple[dict, dict[str, str]]:
    """Check all answers. Returns (values, errors by field name); errors are German (or English) sentences.

    `raw` holds the strings as typed (also what a draft stores); `files_present` the file fields that have a
    stored attachment."""
    values: dict = {}
    errors: dict[str, str] = {}
    for f in form.fields:
        if f.type == "file":
            if _is_required(f, raw) and f.name not in files_present:
                errors[f.name] = _("Bitte laden Sie eine Datei hoch.")
            continue
        value = (raw.get(f.name) or "").strip()
        if f.normalize == "code":
            value = re.sub(r"\s+", "", value).upper()
        if f.type == "checkbox":
            values[f.name] = value in {"on", "true", "1", "yes"}
            if f.required and not values[f.name]:
                errors[f.name] = _("Bitte bestätigen Sie dies.")
            continue
        if not value:
            if _is_required(f, raw):
                errors[f.name] = _("Bitte füllen Sie dieses Feld aus.")
            continue
        if len(value) > f.max_length:
            errors[f.name] = _("Höchstens %(n)d Zeichen.") % {"n": f.max_length}
            continue
        if f.type == "text":
            if f.pattern and not re.fullmatch(f.pattern, value):
                errors[f.name] = _text(f.pattern_message) or _("Das Format stimmt nicht.")
                continue
            values[f.name] = value
        elif f.type == "email":
            try:
                values[f.name] = contact.email_address(value, field=f.name)
            except DomainError as exc:
                errors[f.name] = str(exc.message)
        elif f.type == "choice":
            if value not in {c["value"] for c in f.choices}:
                errors[f.name] = _("Bitte wählen Sie eine der angebotenen Möglichkeiten.")
                continue
            values[f.name] = value
        elif f.type == "date":
            try:
                day = dt.date.fromisoformat(value)
            except ValueError:
                errors[f.name] = _("Bitte geben Sie ein Datum im Format JJJJ-MM-TT an.")
                continue
            low, high = _date_bound(f.min, today), _date_bound(f.max, today)
            if (low and day < low) or (high and day > high):
                errors[f.name] = _("Dieses Datum ist hier nicht möglich.")
                continue
            values[f.name] = day.isoformat()
    return values, errors


def draft_values(form: Form, raw: dict[str, str]) -> dict[str, str]:
    """What a draft keeps: every known field as typed (trimmed to a sane length), nothing validated."""
    out = {}
    for f in form.fields:
        if f.type != "file" and f.name in raw:
            out[f.name] = str(raw[f.name])[: max(f.max_length, 10) * 2]
    return out
