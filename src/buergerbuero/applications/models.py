"""Online services, applications with their status history, attachments and the SAML replay ledger.

Who read or changed an application is in the audit log of the privacy app (privacy.AuditRecord)."""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _

from buergerbuero.applications.identity.base import TrustLevel


class OnlineService(models.Model):
    """A service that can be applied for (or prepared) online, with its form, trust level and retention."""

    class Kind(models.TextChoices):
        ID_CARD_PRE_APPLICATION = "id_card", _("Vorantrag Personalausweis")
        REGISTRATION_CERTIFICATE = "meldebescheinigung", _("Meldebescheinigung online")

    slug = models.SlugField(_("Kurzname"), max_length=80, unique=True)
    kind = models.CharField(_("Art"), max_length=30, choices=Kind.choices)
    service = models.ForeignKey(
        "catalog.Service", on_delete=models.PROTECT, related_name="+", verbose_name=_("Leistung")
    )
    appointment_service = models.ForeignKey(
        "catalog.Service",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Leistung für den (kurzen) Termin"),
        help_text=_("Leer, wenn der Dienst ganz online erledigt wird"),
    )
    title_de = models.CharField(_("Titel (deutsch)"), max_length=200)
    title_en = models.CharField(_("Titel (englisch)"), max_length=200)
    trust_level = models.PositiveSmallIntegerField(
        _("Mindest-Vertrauensniveau"),
        choices=[(int(level), level.label) for level in TrustLevel],
        null=True,
        blank=True,
        help_text=_("Leer: Anmeldung freiwillig (Daten können auch eingegeben werden)"),
    )
    form_schema = models.JSONField(_("Formular (Felder als Daten)"), default=dict)
    retention_days = models.PositiveSmallIntegerField(
        _("Aufbewahrung nach Abschluss (Tage)"),
        default=30,
        help_text=_("Danach werden personenbezogene Daten und Lichtbilder gelöscht."),
    )
    draft_retention_days = models.PositiveSmallIntegerField(_("Aufbewahrung von Entwürfen (Tage)"), default=14)
    sla_days = models.PositiveSmallIntegerField(_("Bearbeitungsziel (Tage)"), default=5)

    class PaymentPolicy(models.TextChoices):
        NONE = "none", _("keine Online-Zahlung")
        OPTIONAL = "optional", _("online bezahlen möglich")
        MANDATORY = "mandatory", _("vor der Ausstellung online bezahlen")
        INVOICE = "invoice", _("Rechnung (später)")

    payment_policy = models.CharField(
        _("Bezahlen"),
        max_length=20,
        choices=PaymentPolicy.choices,
        default=PaymentPolicy.NONE,
        help_text=_("Online-Zahlung über die Bezahlplattform der Kommune (siehe Bezahlkonten)"),
    )
    active = models.BooleanField(_("Aktiv"), default=True)

    class Meta:
        verbose_name = _("Online-Dienst")
        verbose_name_plural = _("Online-Dienste")
        ordering = ["title_de"]
        constraints = [
            models.CheckConstraint(
                condition=Q(trust_level__isnull=True) | Q(trust_level__in=[1, 3, 4]),
                name="online_service_trust_level_known",
            ),
            models.CheckConstraint(condition=Q(retention_days__gte=1), name="online_service_retention_positive"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def title(self) -> str:
        return self.title_en if (get_language() or "de").startswith("en") else self.title_de


class Status(models.TextChoices):
    DRAFT = "draft", _("Entwurf")
    SUBMITTED = "submitted", _("eingereicht")
    IN_REVIEW = "in_review", _("in Bearbeitung")
    NEEDS_INFO = "needs_info", _("Rückfrage an Sie")
    APPROVED = "approved", _("genehmigt")
    REJECTED = "rejected", _("abgelehnt")
    COMPLETED = "completed", _("abgeschlossen")


# The only status changes there are. The database refuses any other pair (see StatusChange).
TRANSITIONS: dict[str, set[str]] = {
    Status.DRAFT: {Status.SUBMITTED},
    Status.SUBMITTED: {Status.IN_REVIEW, Status.APPROVED, Status.REJECTED},
    Status.IN_REVIEW: {Status.NEEDS_INFO, Status.APPROVED, Status.REJECTED},
    Status.NEEDS_INFO: {Status.IN_REVIEW},
    Status.APPROVED: {Status.COMPLETED},
    Status.REJECTED: set(),
    Status.COMPLETED: set(),
}
ALLOWED_PAIRS = Q()
for _from, _tos in TRANSITIONS.items():
    for _to in sorted(_tos):
        ALLOWED_PAIRS |= Q(from_status=_from, to_status=_to)


class Application(models.Model):
    """One citizen's (pre-)application. Personal data sits in `answers`/`identity` and is purged on schedule."""

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    reference = models.CharField(_("Vorgangsnummer"), max_length=14, unique=True)
    token_hash = models.CharField(max_length=64, editable=False)
    service = models.ForeignKey(OnlineService, on_delete=models.PROTECT, related_name="applications")
    office = models.ForeignKey("catalog.Office", on_delete=models.PROTECT, related_name="+")
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    answers = models.JSONField(_("Angaben"), default=dict, blank=True)
    identity = models.JSONField(_("Identität (vom Identitätsanbieter)"), default=dict, blank=True)
    identity_provider = models.CharField(max_length=40, blank=True)
    trust_level = models.PositiveSmallIntegerField(_("Vertrauensniveau"), null=True, blank=True)
    email = models.EmailField(_("E-Mail"), blank=True)
    fee = models.DecimalField(_("Gebühr (EUR)"), max_digits=8, decimal_places=2, null=True, blank=True)
    fee_lines = models.JSONField(default=list, blank=True)
    # Fees and age rules are decided for the visit: the earliest bookable day, then the appointment's day.
    fee_day = models.DateField(_("Gebühr berechnet für den"), null=True, blank=True)
    appointment_code = models.CharField(_("Buchungscode"), max_length=12, blank=True, db_index=True)
    info_request = models.TextField(_("Rückfrage"), blank=True)
    clerk_note = models.TextField(_("Vermerk"), blank=True)
    created_at = models.DateTimeField(_("angelegt"))
    updated_at = models.DateTimeField(_("geändert"))
    submitted_at = models.DateTimeField(_("eingereicht am"), null=True, blank=True)
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)
    completed_at = models.DateTimeField(_("abgeschlossen am"), null=True, blank=True)
    sla_paused_since = models.DateTimeField(null=True, blank=True)
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    purge_after = models.DateTimeField(_("löschen ab"), null=True, blank=True, db_index=True)
    purged_at = models.DateTimeField(_("gelöscht am"), null=True, blank=True)
    document = models.FileField(_("Bescheid/Dokument"), upload_to="applications/documents/", blank=True)

    class Meta:
        verbose_name = _("Antrag")
        verbose_name_plural = _("Anträge")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "submitted_at"], name="application_status_submitted")]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=Status.values), name="application_status_known"),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False), name="application_submitted_has_time"
            ),
            models.CheckConstraint(
                condition=~Q(status="needs_info") | Q(sla_paused_since__isnull=False),
                name="application_needs_info_pauses_sla",
            ),
            models.CheckConstraint(
                condition=~Q(status__in=["approved", "rejected", "completed"]) | Q(decided_at__isnull=False),
                name="application_decided_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="completed") | Q(completed_at__isnull=False),
                name="application_completed_has_time",
            ),
            models.CheckConstraint(condition=Q(updated_at__gte=F("created_at")), name="application_updated_after"),
        ]

    def __str__(self) -> str:
        return self.reference


class StatusChange(models.Model):
    """Every status change, by whom. The check constraint is the state machine in the database."""

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="changes")
    from_status = models.CharField(max_length=20, choices=Status.choices)
    to_status = models.CharField(max_length=20, choices=Status.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.TextField(blank=True)
    at = models.DateTimeField()

    class Meta:
        ordering = ["at", "pk"]
        constraints = [models.CheckConstraint(condition=ALLOWED_PAIRS, name="status_change_allowed")]


class Attachment(models.Model):
    """An uploaded file, stored under MEDIA_ROOT with a random name; the citizen's file name is only metadata."""

    MAX_BYTES = 10 * 1024 * 1024

    application = models.ForeignKey(Application, on_delete=models.CASCADE, related_name="attachments")
    field = models.CharField(max_length=60)
    file = models.FileField(upload_to="applications/attachments/%Y/%m/")
    original_name = models.CharField(max_length=200)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    created_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(size__gt=0) & Q(size__lte=10 * 1024 * 1024), name="attachment_size"),
            models.UniqueConstraint(fields=["application", "field"], name="attachment_one_per_field"),
        ]


class ConsumedAssertion(models.Model):
    """SAML assertion IDs already used: a second use of the same assertion is refused by the unique constraint."""

    provider = models.CharField(max_length=40)
    assertion_id = models.CharField(max_length=200)
    used_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "assertion_id"], name="consumed_assertion_unique"),
        ]


class PendingLogin(models.Model):
    """A login sent to an identity provider and not yet finished.

    The answer comes back as a cross-site POST that carries no (SameSite=Lax) session cookie, so the request
    waits here by its protocol id; the citizen's own session then picks the result up with a same-site GET.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    provider = models.CharField(max_length=40)
    request_id = models.CharField(max_length=200)
    level = models.PositiveSmallIntegerField()
    next_url = models.CharField(max_length=500)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    identity = models.JSONField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["provider", "request_id"], name="pending_login_unique"),
            models.CheckConstraint(condition=Q(expires_at__gt=F("created_at")), name="pending_login_expiry"),
        ]


class PaymentAccount(models.Model):
    """The payment platform a municipality takes its fees through (XBezahldienste: ePayBL, pmPayment, …)."""

    organisation = models.OneToOneField(
        "accounts.Organisation", on_delete=models.CASCADE, related_name="payment_account", verbose_name=_("Kommune")
    )
    provider = models.CharField(_("Verfahren"), max_length=40, default="xbezahldienste")
    endpoint = models.URLField(_("Adresse der Schnittstelle"))
    merchant_id = models.CharField(_("Kennung der Kommune (Mandant)"), max_length=100)
    secret = models.CharField(_("Gemeinsamer Schlüssel"), max_length=200)

    class Meta:
        verbose_name = _("Bezahlkonto")
        verbose_name_plural = _("Bezahlkonten")

    def __str__(self) -> str:
        return f"{self.organisation} ({self.provider})"


class Payment(models.Model):
    """One attempt to pay an application's fee online. At most one open or paid attempt per application."""

    class Status(models.TextChoices):
        OPEN = "open", _("offen")
        PAID = "paid", _("bezahlt")
        FAILED = "failed", _("fehlgeschlagen")
        CANCELLED = "cancelled", _("abgebrochen")

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="payments")
    account = models.ForeignKey(PaymentAccount, on_delete=models.PROTECT, related_name="+")
    reference = models.CharField(_("Zahlungsreferenz"), max_length=30, unique=True)
    provider_id = models.CharField(_("Kennung bei der Bezahlplattform"), max_length=100, blank=True)
    redirect_url = models.URLField(max_length=500, blank=True)
    amount = models.DecimalField(_("Betrag (EUR)"), max_digits=8, decimal_places=2)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.OPEN)
    receipt = models.CharField(_("Beleg"), max_length=100, blank=True)
    method = models.CharField(_("Zahlart"), max_length=40, blank=True)
    created_at = models.DateTimeField(_("angelegt"))
    decided_at = models.DateTimeField(_("entschieden am"), null=True, blank=True)

    class Meta:
        verbose_name = _("Zahlung")
        verbose_name_plural = _("Zahlungen")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["application"],
                condition=Q(status__in=["open", "paid"]),
                name="payment_one_live_per_application",
            ),
            models.CheckConstraint(condition=Q(amount__gt=0), name="payment_amount_positive"),
            models.CheckConstraint(
                condition=Q(status="open") | Q(decided_at__isnull=False), name="payment_decided_has_time"
            ),
        ]
