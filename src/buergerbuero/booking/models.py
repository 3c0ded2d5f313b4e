import uuid

from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _

from buergerbuero.core.channels import Channel


class Appointment(models.Model):
    """A hold that may become a confirmed appointment. Its claims make overlaps impossible."""

    first_service_id: int | None  # no column: set on the rows of booking.selectors.staff_days

    class Status(models.TextChoices):
        HELD = "held", _("reserviert")
        CONFIRMED = "confirmed", _("bestätigt")
        CANCELLED = "cancelled", _("storniert")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    code = models.CharField(_("Buchungscode"), max_length=12)  # unique: see Meta.constraints
    token_hash = models.CharField(max_length=64, editable=False)
    # No index of its own: appointment_office_start leads with the office.
    office = models.ForeignKey("catalog.Office", on_delete=models.PROTECT, related_name="appointments", db_index=False)
    counter = models.ForeignKey("catalog.Counter", on_delete=models.PROTECT, related_name="appointments")
    start = models.DateTimeField(_("Beginn"))
    end = models.DateTimeField(_("Ende"))
    claim_end = models.DateTimeField(help_text="End of the claimed units (service end + buffer, on the unit grid)")
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
    reminded_sequence = models.PositiveIntegerField(
        null=True, blank=True, help_text="The sequence whose reminder is queued in the outbox (a move reminds again)."
    )
    # An appointment booked by another process (the short visit of an online application) is moved there, so that
    # process can decide anew what depends on the day (the fee of the visit day); the booking's own links lead there.
    managed_at = models.CharField(
        max_length=200, blank=True, help_text="Path of the page that moves it, if another process owns it."
    )

    class Meta:
        verbose_name = _("Termin")
        verbose_name_plural = _("Termine")
        ordering = ["start"]
        indexes = [
            models.Index(fields=["office", "start"], name="appointment_office_start"),
            # The per-address limit compares addresses case-insensitively on every confirmation; only confirmed
            # appointments count, so holds (inserted on every booking) never enter this index.
            models.Index(Lower("email"), name="appointment_email_confirmed", condition=Q(status="confirmed")),
            # Holds and release delays are few: reading them on every availability query must not scan bookings.
            models.Index(
                fields=["office", "blocks_until"], condition=Q(blocks_until__isnull=False), name="appointment_running"
            ),
        ]
        constraints = [
            # A constraint, not unique=True: on PostgreSQL that would add a second (LIKE) index nobody uses,
            # written on every booking – codes are looked up by equality.
            models.UniqueConstraint(fields=["code"], name="appointment_code_unique"),
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="appointment_end_after_start"),
            models.CheckConstraint(condition=Q(claim_end__gte=F("end")), name="appointment_claim_covers"),
            models.CheckConstraint(condition=Q(persons__gte=1), name="appointment_persons_positive"),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(blocks_until__isnull=True),
                name="appointment_confirmed_blocks_for_good",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {date_format(timezone.localtime(self.start), 'SHORT_DATETIME_FORMAT')}"


class AppointmentService(models.Model):
    # No index of its own: appointment_service_unique leads with the appointment.
    appointment = models.ForeignKey(Appointment, on_delete=models.CASCADE, related_name="items", db_index=False)
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
    # No index of its own: claim_unique_unit leads with the counter.
    counter = models.ForeignKey("catalog.Counter", on_delete=models.CASCADE, related_name="+", db_index=False)
    unit_start = models.DateTimeField()
    expires_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["counter", "unit_start"], name="claim_unique_unit")]


class DayStamp(models.Model):
    """Changes whenever the confirmed bookings of an office's day change (same transaction).

    Availability caches each day's claimed units under this stamp, so a reader never uses masks older
    than the last committed booking, in any web process. A random value (not a counter) stays unique
    even after a database restore.
    """

    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    stamp = models.CharField(max_length=16)
    # The day's claimed units of confirmed bookings, computed in the transaction that renewed the stamp:
    # "<slot minutes>|<counter>,<hex mask>,…" (booking.selectors.encode_masks; a confirmation appends its own
    # "<counter>,<hex mask>", a counter named twice is OR-ed). A cold availability read takes these instead of the
    # day's bookings; empty = not known, read the bookings (docs/adr/0001-day-cache.md).
    masks = models.TextField(blank=True, default="")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["office", "day"], name="day_stamp_unique")]


class UsedChallenge(models.Model):
    """A solved anti-bot challenge that has been spent: the unique signature makes a replay impossible.

    Rows are only needed until the challenge would have expired anyway; `antibot.redeem` deletes the
    expired ones as it goes.
    """

    signature = models.CharField(max_length=128, unique=True)
    expires_at = models.DateTimeField(db_index=True)
    used_at = models.DateTimeField()

    class Meta:
        verbose_name = _("verbrauchte Anti-Bot-Aufgabe")
        verbose_name_plural = _("verbrauchte Anti-Bot-Aufgaben")


class WaitlistEntry(models.Model):
    """A citizen waiting for a time that matches services, offices, a date range and time windows (FIFO)."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("wartet")
        OFFERED = "offered", _("Angebot offen")
        BOOKED = "booked", _("gebucht")
        WITHDRAWN = "withdrawn", _("zurückgezogen")
        ENDED = "ended", _("Zeitraum abgelaufen")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    token_hash = models.CharField(max_length=64, editable=False)
    offices = models.ManyToManyField("catalog.Office", related_name="+", verbose_name=_("Standorte"))
    services = models.ManyToManyField("catalog.Service", related_name="+", verbose_name=_("Leistungen"))
    persons = models.PositiveSmallIntegerField(_("Personen"), default=1)
    date_from = models.DateField(_("frühestens am"))
    date_to = models.DateField(_("spätestens am"))
    name = models.CharField(_("Name"), max_length=120, blank=True)
    email = models.EmailField(_("E-Mail"), max_length=254)
    language = models.CharField(_("Sprache"), max_length=8, default="de")
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.WAITING)
    created_at = models.DateTimeField(_("angelegt"))
    queued_at = models.DateTimeField(
        _("in der Reihe seit"), help_text=_("Reihenfolge (FIFO); ein verfallenes Angebot stellt hinten an.")
    )

    class Meta:
        verbose_name = _("Wartelisten-Eintrag")
        verbose_name_plural = _("Warteliste")
        ordering = ["queued_at", "id"]
        indexes = [models.Index(fields=["status", "queued_at"], name="waitlist_status_queued")]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=F("date_from")), name="waitlist_range_ordered"),
            models.CheckConstraint(condition=Q(persons__gte=1), name="waitlist_persons_positive"),
        ]

    def __str__(self) -> str:
        first, last = date_format(self.date_from, "MONTH_DAY_FORMAT"), date_format(self.date_to, "SHORT_DATE_FORMAT")
        return f"{self.email} ({first}–{last})"


class WaitlistWindow(models.Model):
    """A time window an entry accepts, e.g. Thursday 16:00–20:00; no weekday = every day."""

    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="windows")
    weekday = models.PositiveSmallIntegerField(_("Wochentag"), null=True, blank=True, help_text="0 = Montag")
    start_time = models.TimeField(_("von"))
    end_time = models.TimeField(_("bis"))

    class Meta:
        verbose_name = _("Zeitfenster")
        verbose_name_plural = _("Zeitfenster")
        constraints = [
            models.CheckConstraint(condition=Q(end_time__gt=F("start_time")), name="waitlist_window_ordered"),
            models.CheckConstraint(
                condition=Q(weekday__isnull=True) | Q(weekday__lte=6), name="waitlist_window_weekday"
            ),
        ]


class WaitlistOffer(models.Model):
    """A hold offered to a waitlist entry by e-mail; accepting confirms the hold, silence lets it lapse.

    The link in the mail carries the hold's secret token (checked against `appointment.token_hash`), so after
    accepting, the citizen manages the appointment with its code and the same token like any other.
    """

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        ACCEPTED = "accepted", _("angenommen")
        LAPSED = "lapsed", _("verfallen")
        DECLINED = "declined", _("abgelehnt")

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    entry = models.ForeignKey(WaitlistEntry, on_delete=models.CASCADE, related_name="offers")
    appointment = models.OneToOneField(
        Appointment, on_delete=models.PROTECT, related_name="waitlist_offer", verbose_name=_("Termin")
    )
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(_("angeboten am"))
    expires_at = models.DateTimeField(_("gültig bis"))
    answered_at = models.DateTimeField(_("beantwortet am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Wartelisten-Angebot")
        verbose_name_plural = _("Wartelisten-Angebote")
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="waitlist_offer_expiry"),
            # At most one open offer per entry: the next one only after this one is answered or lapsed.
            models.UniqueConstraint(
                fields=["entry"], condition=Q(status="open"), name="waitlist_one_open_offer_per_entry"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.email} → {self.appointment}"
