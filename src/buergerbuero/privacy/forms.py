from django import forms
from django.utils.translation import gettext_lazy as _


class AuditFilterForm(forms.Form):
    citizen = forms.CharField(
        label=_("Bürgerin oder Bürger"),
        required=False,
        max_length=254,
        help_text=_("E-Mail-Adresse, Buchungscode oder Vorgangsnummer"),
    )
    kind = forms.ChoiceField(
        label=_("Art"),
        required=False,
        choices=[
            ("", _("Alles")),
            ("reads", _("Zugriffe auf personenbezogene Daten")),
            ("security", _("Sicherheitsereignisse der Anmeldung")),
        ],
        widget=forms.Select(attrs={"class": "kern-form-input__select"}),
    )
    staff = forms.CharField(
        label=_("Mitarbeiterin oder Mitarbeiter"), required=False, max_length=150, help_text=_("Benutzername")
    )
    date_from = forms.DateField(
        label=_("von"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Bitte ein Datum wie 18.12.2026 eingeben.")},
    )
    date_to = forms.DateField(
        label=_("bis einschließlich"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
        error_messages={"invalid": _("Bitte ein Datum wie 18.12.2026 eingeben.")},
    )

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last and last < first:
            self.add_error("date_to", _("Das Ende liegt vor dem Anfang."))
        return data
