import datetime as dt

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.insights.metrics import Period

MAX_PERIOD_DAYS = 731


class PeriodForm(forms.Form):
    """A closed range of days in the past (today included); the previous period of equal length is compared."""

    date_from = forms.DateField(label=_("von"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    date_to = forms.DateField(
        label=_("bis einschließlich"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )

    def __init__(self, *args, today: dt.date | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.today = today or timezone.localdate()

    def clean_date_to(self):
        value = self.cleaned_data["date_to"]
        if value > self.today:
            raise forms.ValidationError(_("Der Zeitraum darf nicht in der Zukunft enden."))
        return value

    def clean(self):
        data = super().clean()
        first, last = data.get("date_from"), data.get("date_to")
        if first and last:
            if last < first:
                self.add_error("date_to", _("Das Enddatum liegt vor dem Anfangsdatum."))
            elif (last - first).days + 1 > MAX_PERIOD_DAYS:
                self.add_error("date_to", _("Bitte höchstens zwei Jahre auf einmal wählen."))
        return data

    def period(self) -> Period:
        return Period(self.cleaned_data["date_from"], self.cleaned_data["date_to"])
