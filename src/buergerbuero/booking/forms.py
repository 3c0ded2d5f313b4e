"""HTML forms of the citizen pages. Messages are German gettext strings shown beside the field."""

from django import forms
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from buergerbuero.core import contact
from buergerbuero.core.errors import DomainError

PART_CHOICES = [
    ("", _("alle Tageszeiten")),
    ("morning", _("nur vormittags (bis 12 Uhr)")),
    ("afternoon", _("nur nachmittags (12 bis 16 Uhr)")),
    ("evening", _("nur abends (ab 16 Uhr)")),
]
WEEKDAY_CHOICES = [
    ("", _("alle Wochentage")),
    ("0", _("nur montags")),
    ("1", _("nur dienstags")),
    ("2", _("nur mittwochs")),
    ("3", _("nur donnerstags")),
    ("4", _("nur freitags")),
    ("5", _("nur samstags")),
]
# Frequent slips in the domain part of German e-mail addresses.
DOMAIN_TYPOS = {
    "gmial.com": "gmail.com",
    "gmai.com": "gmail.com",
    "gmail.de": "gmail.com",
    "gmx.dee": "gmx.de",
    "gmx.ed": "gmx.de",
    "gmx.con": "gmx.de",
    "web.dee": "web.de",
    "wed.de": "web.de",
    "web.ed": "web.de",
    "t-onlin.de": "t-online.de",
    "tonline.de": "t-online.de",
    "t-online.com": "t-online.de",
    "outlok.com": "outlook.com",
    "hotmial.com": "hotmail.com",
    "yaho.de": "yahoo.de",
    "freenet.dee": "freenet.de",
}


class ServicePickForm(forms.Form):
    services = forms.MultipleChoiceField(
        label=_("Ihr Anliegen"),
        widget=forms.CheckboxSelectMultiple,
        error_messages={"required": _("Bitte wählen Sie mindestens ein Anliegen.")},
    )
    persons = forms.TypedChoiceField(
        label=_("Für wie viele Personen?"),
        choices=[(n, str(n)) for n in range(1, 7)],
        coerce=int,
        initial=1,
        help_text=_("z. B. Ausweise für die ganze Familie in einem Termin"),
    )

    def __init__(self, *args, services=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["services"].choices = [(s.slug, s.name) for s in services]


class TimeFilterForm(forms.Form):
    part = forms.ChoiceField(label=_("Tageszeit"), choices=PART_CHOICES, required=False)
    weekday = forms.TypedChoiceField(
        label=_("Wochentag"), choices=WEEKDAY_CHOICES, required=False, coerce=int, empty_value=None
    )
    day = forms.DateField(
        label=_("Frühestens ab"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={"invalid": _("Bitte ein Datum wie 18.12.2026 eingeben.")},
        input_formats=["%Y-%m-%d", "%d.%m.%Y"],
    )


def _checked(check, value: str) -> str:
    """The services' check of contact data (core.contact), shown beside the field with the other form errors."""
    try:
        return check(value)
    except DomainError as exc:
        raise forms.ValidationError(exc.message, code=exc.code) from None


class ContactForm(forms.Form):
    name = forms.CharField(
        label=_("Vor- und Nachname"),
        max_length=120,
        min_length=2,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
        error_messages={
            "required": _("Bitte geben Sie Ihren Namen an."),
            "min_length": _("Bitte geben Sie Ihren vollständigen Namen an."),
        },
    )
    email = forms.CharField(
        label=_("E-Mail-Adresse"),
        max_length=254,
        help_text=_("An diese Adresse schicken wir den Link, mit dem Sie den Termin bestätigen."),
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
        error_messages={"required": _("Bitte geben Sie Ihre E-Mail-Adresse an.")},
    )
    email_checked = forms.BooleanField(
        label=_("Die E-Mail-Adresse ist richtig so."),
        required=False,
    )
    phone = forms.CharField(
        label=_("Telefon"),
        max_length=40,
        required=False,
        help_text=_("Nur für Rückfragen zu Ihrem Termin."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "type": "tel"}),
    )
    consent = forms.BooleanField(
        error_messages={"required": _("Bitte stimmen Sie der Speicherung für den Termin zu.")},
    )

    suggestion: str = ""

    def __init__(self, *args, retention_days: int, **kwargs):
        """`retention_days`: the office's municipality's period (privacy.selectors.policy_for): the promise
        of the checkbox is the period the retention job keeps."""
        super().__init__(*args, **kwargs)
        self.fields["consent"].label = ngettext(
            "Ich bin einverstanden, dass meine Angaben zur Vergabe und Durchführung des Termins gespeichert "
            "und nach Ablauf von %(days)s Tag nach dem Termin gelöscht werden.",
            "Ich bin einverstanden, dass meine Angaben zur Vergabe und Durchführung des Termins gespeichert "
            "und nach Ablauf von %(days)s Tagen nach dem Termin gelöscht werden.",
            retention_days,
        ) % {"days": retention_days}

    def clean_email(self):
        email = self.cleaned_data["email"].strip()
        local, _at, domain = email.rpartition("@")
        fixed = DOMAIN_TYPOS.get(domain.lower())
        if fixed and not self.data.get("email_checked"):
            self.suggestion = f"{local}@{fixed}"
            raise forms.ValidationError(
                _("Meinten Sie %(suggestion)s? Bitte prüfen Sie die Adresse."),
                params={"suggestion": self.suggestion},
                code="typo",
            )
        return _checked(contact.email_address, email)

    def clean_phone(self):
        return _checked(contact.phone_number, self.cleaned_data["phone"])


class ResendLinksForm(forms.Form):
    code = forms.CharField(
        label=_("Buchungscode"),
        max_length=12,
        help_text=_("steht in der Bestätigungs-E-Mail, z. B. ABCD-EF23"),
        error_messages={"required": _("Bitte geben Sie den Buchungscode an.")},
    )
    email = forms.EmailField(
        label=_("E-Mail-Adresse"),
        error_messages={
            "required": _("Bitte geben Sie Ihre E-Mail-Adresse an."),
            "invalid": _("Bitte geben Sie eine gültige E-Mail-Adresse an, z. B. name@beispiel.de."),
        },
    )
