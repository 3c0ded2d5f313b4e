import uuid

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from buergerbuero.capacity.models import Channel


class Appointment(models.Model):
    """A hold that may become a confirmed appointment. Its claims make overlaps impossible."""

    class Status(models.TextChoices):
        HELD = "held", _("reserviert")
        CONFIRMED = "confirmed", _("bestätigt")
        CANCELLED = "cancelled", _("storniert")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("Buchungscode"), max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, editable=False)
    office = models.ForeignKey("catalog.Office", on_delete=models.PROTECT, related_name="appointments")
    counter = models.ForeignKey("catalog.Counter", on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField(_("Beginn"))
    end = models.DateTimeField(_("Ende"))
    claim_end = models.DateTimeField(
        help_text="End of the claimed units (service end + buffer, on the unit grid)"
    )
    persons = models.PositiveSmallIntegerField(_("Personen"), default=1)
    channel = models.CharField(_("Kanal"), max_length=20, choices=Channel.choices)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.HELD)
    blocks_until = models.DateTimeField(
        null=True,
        blank=True,
        help_text="A hold or a cancelled time keeps its capacity until then; empty = for good (confirmed).",
    )
    name = models.CharField(_("Name"), max_length=120, blank=True)
    email = models.EmailField(_("E-Mail"), max_length=254, blank=True)
    phone = models.CharField(_("Telefon"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("angelegt"))
    confirmed_at = models.DateTimeField(_("bestätigt am"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("storniert am"), null=True, blank=True)
    # Citizen web flow (double opt-in, calendar invitation, reminder).
    language = models.CharField(_("Sprache"), max_length=8, default="de")
    opt_in_sent_at = models.DateTimeField(
        _("Bestätigungs-E-Mail gesendet"),
        null=True,
        blank=True,
        help_text="Set when the citizen gave contact data; the hold then waits for the e-mail link.",
    )
    sequence = models.PositiveIntegerField(
        default=0, help_text="iCalendar SEQUENCE: raised on every change the citizen is told about."
    )

    class Meta:
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["office", "start"], name="appointment_office_start"),
            models.Index(fields=["email", "status"], name="appointment_email_status"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appointment_end_after_start"),
            models.CheckConstraint(condition=Q(claim_end__gte=F("end")), name="appointment_claim_covers"),
            models.CheckConstraint(condition=Q(persons__gte=1), name="appointment_persons_positive"),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(blocks_until__isnull=True),
                name="appointment_confirmed_blocks_for_good",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.start:%d.%m.%Y %H:%M}"


class AppointmentService(models.Model):
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="items")
    service = models.ForeignKey("catalog.Service", on_delete=models.PROTECT, related_name="+")
    minutes = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["appointment", "service"], name="appointment_service_unique"),
        ]


class Claim(models.Model):
    """One time unit of one counter taken by an appointment or hold.

    The unique constraint is what makes a double booking impossible on every database: two
    transactions that want the same unit cannot both commit. An expired claim (hold lapsed, or a
    cancelled time past its release delay) no longer counts and is deleted by the next booking
    that wants its unit, inside the same transaction.
    """

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="claims")
    counter = models.ForeignKey("catalog.Counter", on_delete=models.CASCADE, related_name="+")
    unit_start = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["counter", "unit_start"], name="claim_unique_unit")]


class MailDelivery(models.Model):
    """One e-mail sent about an appointment; the unique key makes sending tasks idempotent."""

    class Kind(models.TextChoices):
        OPT_IN = "opt_in", _("Bitte bestätigen")
        CONFIRMED = "confirmed", _("Terminbestätigung")
        UPDATED = "updated", _("Termin verschoben")
        CANCELLED = "cancelled", _("Absage")
        REMINDER = "reminder", _("Erinnerung")
        LINKS = "links", _("Links erneut gesendet")

    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="mails")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    ref = models.CharField(max_length=64, help_text="Which version: the sequence, or the request time.")
    to = models.EmailField(max_length=254)
    sent_at = models.DateTimeField()

    class Meta:
        verbose_name = _("E-Mail zum Termin")
        verbose_name_plural = _("E-Mails zu Terminen")
        constraints = [
            models.UniqueConstraint(fields=["appointment", "kind", "ref"], name="mail_delivery_once"),
        ]
