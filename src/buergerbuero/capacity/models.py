from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from buergerbuero.capacity import rules
from buergerbuero.core.channels import Channel
from buergerbuero.core.validators import weekdays_validator

WEEKDAY_NAMES = [_("Mo"), _("Di"), _("Mi"), _("Do"), _("Fr"), _("Sa"), _("So")]


class RecurrenceFields(models.Model):
    """Weekdays, local time range, validity and an every-n-th-week rhythm (shared by rules and roster)."""

    weekdays = models.CharField(
        _("Wochentage"),
        max_length=7,
        validators=[weekdays_validator],
        help_text=_("Ziffern 0 (Mo) bis 6 (So), z. B. 01234 für Mo–Fr"),
    )
    start_time = models.TimeField(_("von"))
    end_time = models.TimeField(_("bis"))
    valid_from = models.DateField(_("gültig ab"), null=True, blank=True)
    valid_to = models.DateField(_("gültig bis"), null=True, blank=True)
    every_n_weeks = models.PositiveSmallIntegerField(
        _("jede n-te Woche"), default=1, validators=[MinValueValidator(1), MaxValueValidator(8)]
    )

    class Meta:
        abstract = True

    def recurrence(self) -> rules.Recurrence:
        return rules.Recurrence(
            weekdays=frozenset(int(c) for c in self.weekdays),
            start=self.start_time,
            end=self.end_time,
            valid_from=self.valid_from,
            valid_to=self.valid_to,
            every_n_weeks=self.every_n_weeks,
        )

    def weekday_display(self) -> str:
        return ", ".join(str(WEEKDAY_NAMES[int(c)]) for c in sorted(self.weekdays))


def recurrence_constraints(prefix: str) -> list[models.BaseConstraint]:
    return [
        models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name=f"{prefix}_end_after_start"),
        models.CheckConstraint(
            condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
            name=f"{prefix}_valid_range",
        ),
        models.CheckConstraint(condition=Q(every_n_weeks__gte=1), name=f"{prefix}_every_n_weeks"),
    ]


class OpeningRule(RecurrenceFields):
    class Kind(models.TextChoices):
        APPOINTMENTS = rules.APPOINTMENTS, _("Terminsprechstunde")
        WALK_IN = rules.WALK_IN, _("Offene Sprechstunde (ohne Termin)")

    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="opening_rules")
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.APPOINTMENTS)
    label = models.CharField(
        _("Bezeichnung"),
        max_length=100,
        blank=True,
        help_text=_("z. B. „Serviceabend“ – wird Bürgern angezeigt"),
    )
    label_en = models.CharField(
        _("Bezeichnung (englisch)"),
        max_length=100,
        blank=True,
        help_text=_("z. B. „Service evening“; leer: die deutsche Bezeichnung"),
    )

    class Meta:
        verbose_name = _("Öffnungsregel")
        verbose_name_plural = _("Öffnungsregeln")
        ordering = ["office", "kind", "weekdays", "start_time"]
        constraints = recurrence_constraints("opening_rule")

    def clean(self):
        # The admin shows the same messages as every other entry point: the rules live in the service.
        from buergerbuero.capacity import services

        services.validate_opening_rule(self)

    def __str__(self) -> str:
        label = f" – {self.label}" if self.label else ""
        return f"{self.weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}{label}"


class Closure(models.Model):
    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="closures")
    start_date = models.DateField(_("von"))
    end_date = models.DateField(_("bis einschließlich"))
    reason = models.CharField(_("Grund"), max_length=200)

    class Meta:
        verbose_name = _("Schließung")
        verbose_name_plural = _("Schließungen")
        ordering = ["office", "start_date"]
        constraints = [
            models.CheckConstraint(condition=Q(end_date__gte=F("start_date")), name="closure_end_after_start"),
        ]

    def clean(self):
        # The admin shows the same messages as every other entry point: the rules live in the service.
        from buergerbuero.capacity import services

        services.validate_closure(self)

    def __str__(self) -> str:
        first, last = date_format(self.start_date, "SHORT_DATE_FORMAT"), date_format(self.end_date, "SHORT_DATE_FORMAT")
        return f"{first}–{last}: {self.reason}"


class RosterEntry(RecurrenceFields):
    """A counter staffed at regular times, with the services the staff there can do."""

    counter = models.ForeignKey("catalog.Counter", on_delete=models.CASCADE, related_name="roster_entries")
    services = models.ManyToManyField(
        "catalog.Service",
        blank=True,
        verbose_name=_("Leistungen"),
        help_text=_("Leer lassen, wenn hier alle Leistungen des Standorts erledigt werden"),
    )
    note = models.CharField(_("Notiz"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("Dienstplaneintrag")
        verbose_name_plural = _("Dienstplan")
        ordering = ["counter", "weekdays", "start_time"]
        constraints = recurrence_constraints("roster_entry")

    def clean(self):
        # The admin shows the same messages as every other entry point: the rules live in the service.
        from buergerbuero.capacity import services

        services.validate_roster_entry(self)

    def __str__(self) -> str:
        return f"{self.counter}: {self.weekday_display()} {self.start_time:%H:%M}–{self.end_time:%H:%M}"


class ChannelShare(models.Model):
    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="channel_shares")
    channel = models.CharField(_("Kanal"), max_length=20, choices=Channel.choices)
    percent = models.PositiveSmallIntegerField(
        _("Anteil (%)"), validators=[MinValueValidator(0), MaxValueValidator(100)]
    )

    class Meta:
        verbose_name = _("Kanal-Anteil")
        verbose_name_plural = _("Kanal-Anteile")
        constraints = [
            models.UniqueConstraint(fields=["office", "channel"], name="channel_share_unique"),
            models.CheckConstraint(condition=Q(percent__lte=100), name="channel_share_max_100"),
        ]

    def clean(self):
        # The admin shows the same messages as every other entry point: the rules live in the service.
        from buergerbuero.capacity import services

        services.validate_channel_share(self)

    def __str__(self) -> str:
        return f"{self.get_channel_display()}: {self.percent} %"


class CalendarStamp(models.Model):
    """Renewed by database triggers (migration 0002) whenever an office's opening rules, closures, roster,
    roster skills, channel shares or counters change — by any path: services, admin, loaders, raw SQL.

    Day plans are cached per process under this stamp (`capacity.selectors`), so the next query after a
    rule change sees it, in every web process. Random (not a counter) so that a rolled-back change or a
    restored database can never bring back a stamp that was cached with other rules.
    """

    office = models.OneToOneField("catalog.Office", on_delete=models.CASCADE, primary_key=True, related_name="+")
    stamp = models.CharField(max_length=32)

    class Meta:
        verbose_name = _("Kalenderstempel")
        verbose_name_plural = _("Kalenderstempel")
