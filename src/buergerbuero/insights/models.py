"""Stored KPI history: hourly lead-time snapshots, the target band per office and events for the trend."""

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

DEFAULT_TARGET_MIN_DAYS = 14
DEFAULT_TARGET_MAX_DAYS = 28


class KPISnapshot(models.Model):
    """The lead time a citizen would have met at one hour: the earliest free web appointment for one person.

    One row per office, service and hour (UTC): taking a snapshot twice in the same hour updates the row
    instead of adding a second one, so a scheduler that fires twice never double-counts.
    """

    class Source(models.TextChoices):
        ENGINE = "engine", _("Verfügbarkeitsberechnung")
        BACKFILL = "backfill", _("Nachberechnet aus Buchungen")

    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="kpi_snapshots")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="kpi_snapshots")
    hour = models.DateTimeField(_("Stunde"), help_text=_("Zeitpunkt der Messung, auf die volle Stunde abgerundet"))
    taken_at = models.DateTimeField(_("gemessen am"))
    lead_time_days = models.PositiveIntegerField(
        _("Vorlaufzeit (Tage)"),
        null=True,
        blank=True,
        help_text=_("Leer = kein freier Termin im Buchungshorizont"),
    )
    earliest_start = models.DateTimeField(_("frühester freier Termin"), null=True, blank=True)
    horizon_days = models.PositiveSmallIntegerField(_("Buchungshorizont (Tage)"))
    free_slots_14d = models.PositiveIntegerField(
        _("freie Startzeiten in 14 Tagen"), null=True, blank=True, help_text=_("Leer = nicht erhoben")
    )
    source = models.CharField(_("Quelle"), max_length=20, choices=Source.choices, default=Source.ENGINE)

    class Meta:
        verbose_name = _("Kennzahl-Messung")
        verbose_name_plural = _("Kennzahl-Messungen")
        ordering = ["office", "service", "hour"]
        constraints = [
            models.UniqueConstraint(fields=["office", "service", "hour"], name="kpi_snapshot_unique_hour"),
            models.CheckConstraint(
                condition=Q(lead_time_days__isnull=True) | Q(earliest_start__isnull=False) | Q(source="backfill"),
                name="kpi_snapshot_lead_has_start",
            ),
            models.CheckConstraint(condition=Q(taken_at__gte=F("hour")), name="kpi_snapshot_taken_in_hour"),
        ]
        indexes = [models.Index(fields=["office", "service", "-hour"], name="kpi_snapshot_latest")]

    def __str__(self) -> str:
        return f"{self.office} / {self.service} @ {self.hour:%Y-%m-%d %H:%M}: {self.lead_time_days}"


class OfficeTarget(models.Model):
    """The lead-time band an office aims for (default 2 to 4 weeks, the Castrop-Rauxel target)."""

    office = models.OneToOneField("catalog.Office", on_delete=models.CASCADE, related_name="kpi_target")
    min_days = models.PositiveSmallIntegerField(
        _("Vorlaufzeit mindestens (Tage)"), default=DEFAULT_TARGET_MIN_DAYS, validators=[MaxValueValidator(365)]
    )
    max_days = models.PositiveSmallIntegerField(
        _("Vorlaufzeit höchstens (Tage)"),
        default=DEFAULT_TARGET_MAX_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )

    class Meta:
        verbose_name = _("Zielkorridor")
        verbose_name_plural = _("Zielkorridore")
        constraints = [
            models.CheckConstraint(condition=Q(max_days__gte=F("min_days")), name="office_target_band_ordered"),
            models.CheckConstraint(condition=Q(max_days__gte=1), name="office_target_max_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.office}: {self.min_days}–{self.max_days} Tage"


class Event(models.Model):
    """Something that happened and explains the trend (e.g. "Callcenter Bochum übernimmt Anrufe").

    Closures and rule changes with a start date are read from the capacity app; this table holds
    the events that live nowhere else.
    """

    class Kind(models.TextChoices):
        CLOSURE = "closure", _("Schließung")
        OPENING = "opening", _("Öffnungszeiten")
        ROSTER = "roster", _("Personal")
        MEASURE = "measure", _("Maßnahme")
        OTHER = "other", _("Sonstiges")

    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="kpi_events")
    day = models.DateField(_("Tag"))
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.MEASURE)
    title = models.CharField(_("Bezeichnung"), max_length=200)

    class Meta:
        verbose_name = _("Ereignis")
        verbose_name_plural = _("Ereignisse")
        ordering = ["office", "day"]
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "title"], name="kpi_event_unique"),
        ]

    def __str__(self) -> str:
        return f"{date_format(self.day, 'SHORT_DATE_FORMAT')}: {self.title}"
