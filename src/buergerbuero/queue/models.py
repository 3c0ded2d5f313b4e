"""The office floor: tickets, visits (one per counter contact), clerks at counters, walk-in quotas.

A *ticket* is what the citizen holds (``T-042``), unique per office and day. A *visit* is one leg of
that ticket at the counters: waiting → called → serving → closed (done / no-show / transferred, or
*end of day* when it was still open when the day was closed). A transfer closes the leg and opens a new
one on the same ticket, so every leg keeps its own measured times. The database guarantees: one ticket
number per office and day, one ticket per appointment, at most one open leg per ticket, at most one
customer in front of a clerk, one clerk per counter.
"""

import uuid

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class FloorSettings(models.Model):
    """Per-office rules of the floor and the version counter the call displays watch."""

    office = models.OneToOneField("catalog.Office", on_delete=models.CASCADE, related_name="floor_settings")
    early_minutes = models.PositiveSmallIntegerField(
        _("Check-in frühestens (Minuten vor dem Termin)"),
        default=30,
        validators=[MaxValueValidator(240)],
    )
    late_minutes = models.PositiveSmallIntegerField(
        _("Check-in spätestens (Minuten nach dem Termin)"),
        default=15,
        validators=[MaxValueValidator(240)],
        help_text=_("Wer später kommt, wird – wenn möglich – als Kundin/Kunde ohne Termin eingereiht."),
    )
    due_minutes = models.PositiveSmallIntegerField(
        _("Termin gilt als fällig (Minuten vorher)"),
        default=5,
        validators=[MaxValueValidator(60)],
        help_text=_("So viele Minuten vor der Terminzeit darf ein Termin aufgerufen werden."),
    )
    max_recalls = models.PositiveSmallIntegerField(
        _("Erneute Aufrufe höchstens"), default=2, validators=[MinValueValidator(0), MaxValueValidator(10)]
    )
    ticket_prefix = models.CharField(_("Präfix der Wartenummer"), max_length=3, default="T")
    display_version = models.BigIntegerField(default=0, editable=False)

    class Meta:
        verbose_name = _("Einstellungen Wartebereich")
        verbose_name_plural = _("Einstellungen Wartebereich")
        constraints = [
            models.CheckConstraint(condition=Q(late_minutes__lte=240), name="floor_late_max"),
            models.CheckConstraint(condition=Q(early_minutes__lte=240), name="floor_early_max"),
        ]

    def __str__(self) -> str:
        return str(self.office)


class WalkInQuota(models.Model):
    """How many walk-in tickets a service may have per day at an office (no row = no own limit)."""

    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="walk_in_quotas")
    service = models.ForeignKey("catalog.Service", on_delete=models.CASCADE, related_name="+")
    daily_quota = models.PositiveSmallIntegerField(
        _("Wartenummern je Tag"), validators=[MaxValueValidator(1000)], help_text=_("0 = keine Laufkundschaft")
    )

    class Meta:
        verbose_name = _("Kontingent ohne Termin")
        verbose_name_plural = _("Kontingente ohne Termin")
        constraints = [models.UniqueConstraint(fields=["office", "service"], name="walk_in_quota_unique")]

    def __str__(self) -> str:
        return f"{self.service}: {self.daily_quota}"


class DailyTicketCounter(models.Model):
    """The last ticket number handed out per office and day; its row lock serialises numbering."""

    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    last_number = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="ticket_counter_unique_day")]


class Ticket(models.Model):
    class Kind(models.TextChoices):
        APPOINTMENT = "appointment", _("mit Termin")
        WALK_IN = "walk_in", _("ohne Termin")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    office = models.ForeignKey("catalog.Office", on_delete=models.PROTECT, related_name="tickets")
    day = models.DateField(_("Tag"))
    number = models.PositiveIntegerField(_("Nummer"))
    label = models.CharField(_("Wartenummer"), max_length=10)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices)
    appointment = models.OneToOneField(
        "booking.Appointment", on_delete=models.PROTECT, null=True, blank=True, related_name="ticket"
    )
    late = models.BooleanField(_("verspätet (als ohne Termin eingereiht)"), default=False)
    priority = models.BooleanField(_("Vorrang (z. B. Barrierefreiheit)"), default=False)
    arrived_at = models.DateTimeField(_("Ankunft"))
    checked_in_at = models.DateTimeField(_("Check-in"))
    channel = models.CharField(_("gezogen an"), max_length=20, default="kiosk")

    class Meta:
        verbose_name = _("Wartenummer")
        verbose_name_plural = _("Wartenummern")
        ordering = ["-day", "number"]
        constraints = [
            models.UniqueConstraint(fields=["office", "day", "number"], name="ticket_unique_number_per_day"),
            models.CheckConstraint(condition=Q(number__gte=1), name="ticket_number_positive"),
            models.CheckConstraint(
                condition=~Q(kind="appointment") | Q(appointment__isnull=False),
                name="ticket_appointment_kind_has_appointment",
            ),
            models.CheckConstraint(
                condition=Q(checked_in_at__gte=F("arrived_at")), name="ticket_checkin_after_arrival"
            ),
        ]

    def __str__(self) -> str:
        return self.label


class Visit(models.Model):
    """One leg of a ticket at the counters, with every time the numbers are made of."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("wartet")
        CALLED = "called", _("aufgerufen")
        SERVING = "serving", _("in Bearbeitung")
        PARKED = "parked", _("geparkt")
        CLOSED = "closed", _("abgeschlossen")

    class Outcome(models.TextChoices):
        DONE = "done", _("erledigt")
        NO_SHOW = "no_show", _("nicht erschienen")
        TRANSFERRED = "transferred", _("weitergeleitet")
        # Closed by the nightly day close (services.close_past_days) while still waiting, called, being served
        # or parked: nobody recorded how it ended, so it has no end time and counts as neither served nor no-show.
        END_OF_DAY = "end_of_day", _("beim Tagesabschluss offen")

    OPEN = (Status.WAITING, Status.CALLED, Status.SERVING, Status.PARKED)
    AT_CLERK = (Status.CALLED, Status.SERVING)

    ticket = models.ForeignKey(Ticket, on_delete=models.CASCADE, related_name="visits")
    office = models.ForeignKey("catalog.Office", on_delete=models.PROTECT, related_name="visits")
    day = models.DateField(_("Tag"))
    kind = models.CharField(_("Art"), max_length=20, choices=Ticket.Kind.choices)
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("Leistung")
    )
    priority = models.BooleanField(_("Vorrang"), default=False)
    due_at = models.DateTimeField(_("Terminzeit"), null=True, blank=True)
    queued_at = models.DateTimeField(_("wartet seit"))
    target_counter = models.ForeignKey(
        "catalog.Counter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("nur an Schalter"),
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.WAITING)
    outcome = models.CharField(_("Ergebnis"), max_length=20, choices=Outcome.choices, blank=True)
    called_at = models.DateTimeField(_("Aufruf"), null=True, blank=True)
    last_called_at = models.DateTimeField(_("letzter Aufruf"), null=True, blank=True)
    recalls = models.PositiveSmallIntegerField(_("erneute Aufrufe"), default=0)
    started_at = models.DateTimeField(_("Beginn"), null=True, blank=True)
    ended_at = models.DateTimeField(_("Ende"), null=True, blank=True)
    counter = models.ForeignKey(
        "catalog.Counter",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Schalter"),
    )
    clerk = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Sachbearbeitung"),
    )
    services_done = models.ManyToManyField(
        "catalog.Service", blank=True, related_name="+", verbose_name=_("erledigte Leistungen")
    )
    previous = models.OneToOneField("self", on_delete=models.SET_NULL, null=True, blank=True, related_name="next_leg")

    class Meta:
        verbose_name = _("Vorsprache")
        verbose_name_plural = _("Vorsprachen")
        ordering = ["queued_at"]
        indexes = [
            models.Index(fields=["office", "status", "queued_at"], name="visit_office_status"),
            models.Index(fields=["office", "day"], name="visit_office_day"),
            models.Index(fields=["office", "last_called_at"], name="visit_office_called"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["ticket"],
                condition=~Q(status="closed"),
                name="visit_one_open_leg_per_ticket",
            ),
            models.UniqueConstraint(
                fields=["clerk"],
                condition=Q(status__in=["called", "serving"]),
                name="visit_one_customer_per_clerk",
            ),
            models.CheckConstraint(
                condition=(Q(status="closed") & ~Q(outcome="")) | (~Q(status="closed") & Q(outcome="")),
                name="visit_outcome_iff_closed",
            ),
            models.CheckConstraint(
                condition=Q(status="waiting")
                | Q(called_at__isnull=False)
                | Q(outcome__in=["transferred", "end_of_day"]),
                name="visit_called_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(outcome="end_of_day") | Q(ended_at__isnull=True),
                name="visit_end_of_day_has_no_end",
            ),
            models.CheckConstraint(
                condition=Q(called_at__isnull=True) | Q(called_at__gte=F("queued_at")),
                name="visit_called_after_queued",
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(started_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="visit_end_after_start",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["called", "serving"]) | (Q(clerk__isnull=False) & Q(counter__isnull=False)),
                name="visit_at_clerk_has_counter",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.ticket.label} ({self.get_status_display()})"


class CounterSession(models.Model):
    """A clerk logged in at a counter; open sessions are the clerks present."""

    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="+")
    counter = models.ForeignKey("catalog.Counter", on_delete=models.CASCADE, related_name="+")
    clerk = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    started_at = models.DateTimeField()
    ended_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("Anmeldung am Schalter")
        verbose_name_plural = _("Anmeldungen am Schalter")
        constraints = [
            models.UniqueConstraint(
                fields=["counter"], condition=Q(ended_at__isnull=True), name="session_one_clerk_per_counter"
            ),
            models.UniqueConstraint(
                fields=["clerk"], condition=Q(ended_at__isnull=True), name="session_one_counter_per_clerk"
            ),
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")), name="session_end_after_start"
            ),
        ]
