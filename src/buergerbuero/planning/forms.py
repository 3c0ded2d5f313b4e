"""The managers' scenario form: one block per measure (on / may be optimised / parameters).

The form only collects values; validation is the scenario schema's (the same as for TOML files) and its
messages come back to the field they name.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import TYPE_CHECKING, Any

from django import forms
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from buergerbuero.catalog.models import Office

WEEKDAYS = [(0, _("Montag")), (1, _("Dienstag")), (2, _("Mittwoch")), (3, _("Donnerstag")), (4, _("Freitag"))]

# prefix → (measure kind, {scenario parameter: form field})
MEASURES = {
    "evening": (
        "service_evening",
        {"weekday": "evening_weekday", "start": "evening_start", "end": "evening_end", "counters": "evening_counters"},
    ),
    "staff": ("extra_staff", {"hours_per_week": "staff_hours"}),
    "pre": (
        "pre_application",
        {"service": "pre_service", "minutes": "pre_minutes", "uptake": "pre_uptake", "fixed_eur": "pre_fixed"},
    ),
    "online": ("online_only", {"service": "online_service", "share": "online_share", "fixed_eur": "online_fixed"}),
    "partner": (
        "partner_call_center",
        {
            "freed_hours_per_week": "partner_hours",
            "calls_per_week": "partner_calls",
            "price_per_call_eur": "partner_price",
            "avoided_visits": "partner_avoided",
        },
    ),
    "closure": ("year_end_closure", {"closed_days": "closure_days"}),
    "share": ("online_share", {"percent": "share_percent"}),
}
PERCENT_FIELDS = {"pre_uptake", "online_share", "partner_avoided"}  # shown in %, stored as a fraction
TITLES = {
    "evening": _("Serviceabend"),
    "staff": _("Zusätzliches Personal"),
    "pre": _("Online-Vorantrag (kürzere Bearbeitungszeit)"),
    "online": _("Leistung nur noch online"),
    "partner": _("Partner-Callcenter übernimmt das Telefon"),
    "closure": _("Schließung zwischen den Jahren verkürzen oder aufheben"),
    "share": _("Online-Anteil der Kapazität"),
}


def _num(label, initial, minimum=None, maximum=None, integer=False, help_text=""):
    cls = forms.IntegerField if integer else forms.FloatField
    return cls(label=label, initial=initial, min_value=minimum, max_value=maximum, help_text=help_text)


class ScenarioForm(forms.Form):
    office: forms.ModelChoiceField[Office] = forms.ModelChoiceField(
        queryset=None, label=_("Standort"), empty_label=None
    )
    name = forms.CharField(label=_("Name des Szenarios"), max_length=120)
    months = _num(_("Zeitraum (Monate)"), 12, 1, 36, integer=True)
    replications = _num(_("Simulationen (Monte Carlo)"), 300, 10, 2000, integer=True)
    demand_scale = _num(_("Nachfrage gegenüber dem letzten Jahr (%)"), 100, 10, 500)
    staff_hour_eur = _num(_("Kosten je Personalstunde (€)"), 55, 0, 1000)
    optimise = forms.BooleanField(
        label=_("Günstigste Kombination suchen (Maßnahmen mit „darf optimiert werden“)"), required=False
    )

    evening_weekday = forms.TypedChoiceField(label=_("Wochentag"), choices=WEEKDAYS, coerce=int, initial=1)
    evening_start = forms.TimeField(label=_("von"), initial=dt.time(16, 0))
    evening_end = forms.TimeField(label=_("bis"), initial=dt.time(19, 30))
    evening_counters = _num(_("Schalter"), 2, integer=True)
    staff_hours = _num(_("Stunden je Woche"), 39)
    pre_service = forms.ChoiceField(label=_("Leistung"), choices=())
    pre_minutes = _num(_("Minuten je Termin mit Vorantrag"), 10)
    pre_uptake = _num(_("Nutzung (%)"), 50)
    pre_fixed = _num(_("Fixkosten je Jahr (€)"), 15000)
    online_service = forms.ChoiceField(label=_("Leistung"), choices=())
    online_share = _num(_("Anteil, der online erledigt wird (%)"), 60)
    online_fixed = _num(_("Fixkosten je Jahr (€)"), 5000)
    partner_hours = _num(_("Freie Personalstunden je Woche"), 30)
    partner_calls = _num(_("Anrufe je Woche"), 700)
    partner_price = _num(_("Preis je Anruf (€)"), 4.5)
    partner_avoided = _num(_("Vermiedene Vorsprachen (%)"), 5)
    closure_days = _num(_("Geschlossene Öffnungstage (0 = durchgehend geöffnet)"), 0, integer=True)
    share_percent = _num(_("Online buchbar (%)"), 85)

    def __init__(self, *args, offices=(), services=(), **kwargs):
        super().__init__(*args, **kwargs)
        from buergerbuero.catalog import selectors as catalog_selectors

        self.fields["office"].queryset = catalog_selectors.offices_among(offices)
        choices = [(s.slug, s.name_de) for s in services]
        self.fields["pre_service"].choices = choices
        self.fields["online_service"].choices = choices
        if choices:
            slugs = [c[0] for c in choices]
            self.fields["pre_service"].initial = "personalausweis" if "personalausweis" in slugs else slugs[0]
            self.fields["online_service"].initial = "meldebescheinigung" if "meldebescheinigung" in slugs else slugs[0]
        for prefix in MEASURES:
            self.fields[f"{prefix}_on"] = forms.BooleanField(label=_("im Szenario"), required=False)
            self.fields[f"{prefix}_opt"] = forms.BooleanField(label=_("darf optimiert werden"), required=False)
        self.index: dict[int, str] = {}

    def general(self):
        return [
            self[name]
            for name in ("office", "name", "months", "replications", "demand_scale", "staff_hour_eur", "optimise")
        ]

    def measure_blocks(self):
        """(prefix, title, toggles, parameter fields) for the template."""
        for prefix, (_kind, params) in MEASURES.items():
            yield {
                "prefix": prefix,
                "title": TITLES[prefix],
                "toggles": [self[f"{prefix}_on"], self[f"{prefix}_opt"]],
                "fields": [self[name] for name in params.values()],
            }

    def definition(self) -> dict:
        """The scenario document from the cleaned data (validated later by the scenario schema)."""
        data = self.cleaned_data
        measures: list[dict[str, Any]] = []
        self.index = {}
        for prefix, (kind, params) in MEASURES.items():
            on, opt = data.get(f"{prefix}_on"), data.get(f"{prefix}_opt")
            if not (on or opt):
                continue
            measure = {"kind": kind, "enabled": bool(on), "optimise": bool(opt)}
            for param, name in params.items():
                value = data.get(name)
                if name in PERCENT_FIELDS and value is not None:
                    value = value / 100.0
                if isinstance(value, dt.time):
                    value = value.isoformat()
                measure[param] = value
            self.index[len(measures)] = prefix
            measures.append(measure)
        return {
            "name": data["name"],
            "run": {"months": data["months"], "replications": data["replications"], "optimise_replications": 50},
            "costs": {"staff_hour_eur": data["staff_hour_eur"]},
            "assumptions": {"demand_scale": data["demand_scale"] / 100.0},
            "measures": measures,
        }

    def field_for(self, path: str | None) -> str | None:
        """The form field a scenario path like `measures[2].counters` belongs to (None: the whole form)."""
        if not path:
            return None
        match = re.fullmatch(r"measures\[(\d+)\](?:\.(\w+))?", path)
        if match:
            prefix = self.index.get(int(match.group(1)))
            if prefix is None:
                return None
            params = MEASURES[prefix][1]
            return params.get(match.group(2)) or f"{prefix}_on"
        return {
            "name": "name",
            "run.months": "months",
            "run.replications": "replications",
            "costs.staff_hour_eur": "staff_hour_eur",
            "assumptions.demand_scale": "demand_scale",
        }.get(path)

    @staticmethod
    def initial_from(definition: dict, office) -> dict:
        initial = {
            "office": office.pk,
            "name": definition["name"],
            "months": definition["run"]["months"],
            "replications": definition["run"]["replications"],
            "staff_hour_eur": definition["costs"]["staff_hour_eur"],
            "demand_scale": round(definition["assumptions"]["demand_scale"] * 100, 1),
        }
        seen = set()
        for measure in definition.get("measures", []):
            prefix = next((p for p, (kind, _params) in MEASURES.items() if kind == measure["kind"]), None)
            if prefix is None or prefix in seen:
                continue
            seen.add(prefix)
            initial[f"{prefix}_on"] = measure.get("enabled", False)
            initial[f"{prefix}_opt"] = measure.get("optimise", False)
            for param, name in MEASURES[prefix][1].items():
                value = measure.get(param)
                if name in PERCENT_FIELDS and value is not None:
                    value = round(value * 100, 1)
                initial[name] = value
        return initial
