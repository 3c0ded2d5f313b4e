import datetime as dt
from zoneinfo import available_timezones

import holidays
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

leika_validator = RegexValidator(r"^\d{14}$", _("Der LeiKa-Schlüssel hat genau 14 Ziffern."), code="leika")

GERMAN_STATES = sorted(s for s in holidays.country_holidays("DE").subdivisions if len(s) == 2)


def _english() -> bool:
    return (get_language() or "de").startswith("en")


class Office(models.Model):
    """A Bürgerbüro location with its booking rules."""

    organisation = models.ForeignKey("accounts.Organisation", on_delete=models.PROTECT, related_name="offices")
    slug = models.SlugField(_("Kurzname"), max_length=60, unique=True)
    name = models.CharField(_("Name"), max_length=200)
    street = models.CharField(_("Straße"), max_length=200)
    postcode = models.CharField(_("PLZ"), max_length=5, validators=[RegexValidator(r"^\d{5}$")])
    city = models.CharField(_("Ort"), max_length=100)
    timezone = models.CharField(_("Zeitzone"), max_length=60, default="Europe/Berlin")
    land = models.CharField(
        _("Bundesland"),
        max_length=2,
        default="NW",
        choices=[(s, s) for s in GERMAN_STATES],
        help_text=_("Für die gesetzlichen Feiertage"),
    )
    reference_service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Referenzleistung"),
        help_text=_("Leistung, für die die Vorlaufzeit (KPI) gemessen wird"),
    )
    slot_minutes = models.PositiveSmallIntegerField(
        _("Zeitraster (Minuten)"), default=10, validators=[MinValueValidator(5), MaxValueValidator(60)]
    )
    min_notice_minutes = models.PositiveIntegerField(_("Mindestvorlauf (Minuten)"), default=120)
    horizon_days = models.PositiveSmallIntegerField(
        _("Buchungshorizont (Tage)"), default=56, validators=[MinValueValidator(1), MaxValueValidator(366)]
    )
    release_time = models.TimeField(
        _("Freigabezeit"),
        default=dt.time(7, 0),
        help_text=_("Neue Tage am Ende des Horizonts werden täglich zu dieser Uhrzeit freigegeben."),
    )
    buffer_minutes = models.PositiveSmallIntegerField(_("Puffer nach Termin (Minuten)"), default=0)
    max_active_per_email = models.PositiveSmallIntegerField(
        _("Aktive Termine je E-Mail-Adresse"), default=3, validators=[MinValueValidator(1)]
    )

    class Meta:
        verbose_name = _("Standort")
        verbose_name_plural = _("Standorte")
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(slot_minutes__gte=5), name="office_slot_minutes_min"),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self):
        if self.timezone not in available_timezones():
            raise ValidationError({"timezone": _("Unbekannte Zeitzone.")})
        if self.slot_minutes and 60 % self.slot_minutes and self.slot_minutes % 60:
            raise ValidationError({"slot_minutes": _("Das Zeitraster muss 60 Minuten glatt teilen.")})


class Counter(models.Model):
    """A desk (Schalter) – one capacity lane."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="counters")
    number = models.PositiveSmallIntegerField(_("Nummer"))
    name = models.CharField(_("Bezeichnung"), max_length=100, blank=True)

    class Meta:
        verbose_name = _("Schalter")
        verbose_name_plural = _("Schalter")
        ordering = ["office", "number"]
        constraints = [models.UniqueConstraint(fields=["office", "number"], name="counter_unique_number")]

    def __str__(self) -> str:
        return self.name or f"Schalter {self.number}"


class Service(models.Model):
    """A service (Leistung) from the catalogue, keyed by its LeiKa key."""

    slug = models.SlugField(_("Kurzname"), max_length=80, unique=True)
    leika_key = models.CharField(_("LeiKa-Schlüssel"), max_length=14, validators=[leika_validator])
    name_de = models.CharField(_("Name (deutsch)"), max_length=200)
    name_en = models.CharField(_("Name (englisch)"), max_length=200)
    handling_minutes = models.PositiveSmallIntegerField(
        _("Bearbeitungszeit (Minuten)"), validators=[MinValueValidator(1), MaxValueValidator(480)]
    )
    fee = models.DecimalField(_("Gebühr (EUR)"), max_digits=8, decimal_places=2, default=0)
    fee_note = models.CharField(_("Hinweis zur Gebühr"), max_length=300, blank=True)
    required_documents = models.TextField(_("Mitzubringen"), blank=True, help_text=_("Eine Unterlage je Zeile"))
    # English is optional: an empty field shows the German text (docs/citizen-web.md#languages).
    fee_note_en = models.CharField(
        _("Hinweis zur Gebühr (englisch)"), max_length=300, blank=True, help_text=_("Leer: der deutsche Hinweis")
    )
    required_documents_en = models.TextField(
        _("Mitzubringen (englisch)"), blank=True, help_text=_("Eine Unterlage je Zeile; leer: die deutsche Liste")
    )
    bookable_online = models.BooleanField(_("Online buchbar"), default=True)
    max_persons = models.PositiveSmallIntegerField(
        _("Max. Personen je Termin"), default=1, validators=[MinValueValidator(1), MaxValueValidator(10)]
    )

    class Meta:
        verbose_name = _("Leistung")
        verbose_name_plural = _("Leistungen")
        ordering = ["name_de"]
        constraints = [
            models.CheckConstraint(condition=models.Q(leika_key__regex=r"^[0-9]{14}$"), name="service_leika_14_digits"),
            models.CheckConstraint(condition=models.Q(handling_minutes__gte=1), name="service_handling_positive"),
            models.CheckConstraint(condition=models.Q(max_persons__gte=1), name="service_max_persons_positive"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return self.name_en if _english() else self.name_de

    @property
    def documents(self) -> list[str]:
        """What to bring, in the active language (German when no English list is given)."""
        english = _english() and self.required_documents_en.strip()
        text = self.required_documents_en if english else self.required_documents
        return [line.strip() for line in text.splitlines() if line.strip()]

    @property
    def fee_hint(self) -> str:
        """The note on the fee in the active language (German when no English note is given)."""
        return self.fee_note_en if _english() and self.fee_note_en else self.fee_note


class OfficeService(models.Model):
    """A service offered at an office, optionally with its own handling time."""

    office = models.ForeignKey(Office, on_delete=models.CASCADE, related_name="office_services")
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="office_services")
    handling_minutes = models.PositiveSmallIntegerField(
        _("Bearbeitungszeit hier (Minuten)"),
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(480)],
        help_text=_("Leer lassen für die Standardzeit der Leistung"),
    )
    active = models.BooleanField(_("Angeboten"), default=True)

    class Meta:
        verbose_name = _("Leistung am Standort")
        verbose_name_plural = _("Leistungen am Standort")
        constraints = [models.UniqueConstraint(fields=["office", "service"], name="office_service_unique")]

    def __str__(self) -> str:
        return f"{self.service} @ {self.office}"

    @property
    def effective_minutes(self) -> int:
        return self.handling_minutes or self.service.handling_minutes
