"""The retention policy of a municipality and the audit log of staff reads of personal data."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from buergerbuero.privacy import retention

D = retention.DEFAULT

# The pages and lists that record reads, as staff and the data-protection officer read them.
VIEW_LABELS = {
    "booking:staff_day": _("Tagesliste (API)"),
    "waitlist:staff": _("Warteliste eines Standorts (API)"),
    "queue:reception": _("Empfang: Termine und Wartende"),
    "queue:workstation": _("Arbeitsplatz: Wartende und aktuelle Vorsprache"),
    "queue:waiting": _("Wartende (API)"),
    "queue:visit": _("Vorsprache am Schalter (API)"),
    "queue:check_in": _("Termin eingecheckt (API, Buchungscode)"),
    "callcenter:tickets": _("Rückruf-Tickets"),
    "callcenter:ticket": _("Rückruf-Ticket"),
    "callcenter:calls": _("Anrufprotokoll (API)"),
    "callcenter:workspace": _("Callcenter-Arbeitsplatz: letzte Anrufe"),
    "applications:staff_list": _("Online-Anträge: Liste"),
    "applications:staff_detail": _("Online-Antrag"),
    "applications:staff_attachment": _("Online-Antrag: Datei"),
    "applications:staff_by_appointment": _("Online-Antrag über Buchungscode gesucht"),
    "applications:staff_treasury_csv": _("Online-Zahlungen für die Stadtkasse"),
    "document": _("Bescheid heruntergeladen"),
    "admin:change": _("Verwaltung: Datensatz"),
    "admin:changelist": _("Verwaltung: Liste"),
    "privacy:audit_csv": _("Zugriffsprotokoll exportiert"),
    # Security events of the staff sign-in (accounts.lockout, accounts.twofactor): action "security".
    "security:login_failed": _("Anmeldung fehlgeschlagen (Passwort)"),
    "security:login_locked": _("Anmeldung gesperrt (zu viele Fehlversuche)"),
    "security:second_factor_failed": _("Zweiter Faktor abgelehnt"),
    "security:second_factor_enrolled": _("Zweiter Faktor eingerichtet"),
    "security:recovery_code_used": _("Wiederherstellungscode benutzt"),
    "security:recovery_codes_renewed": _("Neue Wiederherstellungscodes erzeugt"),
    "security:second_factor_reset": _("Zweiter Faktor zurückgesetzt (Administration)"),
    "security:key_added": _("Sicherheitsschlüssel hinzugefügt"),
    "security:key_removed": _("Sicherheitsschlüssel entfernt"),
    "security:signed_out_by_provider": _("Vom Anmeldedienst abgemeldet (Single Sign-on)"),
}


class RetentionPolicy(models.Model):
    """A municipality's own retention periods (without a row: the defaults in privacy/retention.py)."""

    organisation = models.OneToOneField(
        "accounts.Organisation",
        on_delete=models.CASCADE,
        related_name="retention_policy",
        verbose_name=_("Organisation"),
    )
    appointment_days = models.PositiveIntegerField(
        _("Termine: Tage nach dem Termin"),
        default=D.appointment_days,
        help_text=_("Danach werden Name, E-Mail und Telefon gelöscht; Zahl, Dauer, Leistung und Tag bleiben."),
    )
    callback_ticket_days = models.PositiveIntegerField(
        _("Rückruf-Tickets: Tage nach dem Erledigen"), default=D.callback_ticket_days
    )
    call_days = models.PositiveIntegerField(_("Anrufprotokoll: Tage nach dem Anruf"), default=D.call_days)
    waitlist_days = models.PositiveIntegerField(
        _("Warteliste: Tage nach dem Ende des Eintrags"), default=D.waitlist_days
    )
    open_application_days = models.PositiveIntegerField(
        _("Offene Online-Anträge: Tage nach der letzten Änderung"),
        default=D.open_application_days,
        help_text=_("Für eingereichte, in Bearbeitung befindliche, rückgefragte und genehmigte Anträge."),
    )
    message_days = models.PositiveIntegerField(
        _("Versandprotokoll und E-Mail-Ablage: Tage nach dem Versand"), default=D.message_days
    )
    identity_minutes = models.PositiveIntegerField(
        _("eID-Identität in der Sitzung: Minuten"),
        default=D.identity_minutes,
        validators=[MinValueValidator(1)],
    )
    audit_days = models.PositiveIntegerField(_("Zugriffsprotokoll: Tage"), default=D.audit_days)

    class Meta:
        verbose_name = _("Aufbewahrungsfristen")
        verbose_name_plural = _("Aufbewahrungsfristen")
        constraints = [models.CheckConstraint(condition=models.Q(identity_minutes__gte=1), name="retention_identity")]

    def __str__(self) -> str:
        return str(self.organisation)

    def as_policy(self) -> retention.Policy:
        return retention.Policy(**{name: getattr(self, name) for name in retention.FIELDS})


class AppendOnly(models.QuerySet):
    def update(self, **kwargs):
        raise TypeError("audit records are append-only")


class AuditRecord(models.Model):
    """One read (or change) of citizens' personal data by staff or a partner: append-only.

    One request writes at most one record per page or list (privacy.audit); `subjects` names the citizens
    it touched as search tokens (booking codes, application references, hashed e-mail addresses, object
    keys), so the data-protection officer finds the record even after the object itself was anonymised."""

    class Action(models.TextChoices):
        READ = "read", _("angesehen")
        LIST = "list", _("Liste angesehen")
        SEARCH = "search", _("gesucht")
        DOWNLOAD = "download", _("Datei geöffnet")
        EXPORT = "export", _("exportiert")
        CHANGE = "change", _("geändert")
        PURGE = "purge", _("gelöscht")
        SECURITY = "security", _("Sicherheitsereignis")

    at = models.DateTimeField(_("Zeitpunkt"), db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Person"),
    )
    actor_name = models.CharField(_("Benutzername"), max_length=150, db_index=True)
    role = models.CharField(_("Rolle"), max_length=20, blank=True)
    organisation = models.ForeignKey(
        "accounts.Organisation",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("Organisation"),
    )
    action = models.CharField(_("Vorgang"), max_length=20, choices=Action.choices)
    object_type = models.CharField(_("Art der Daten"), max_length=60)
    object_id = models.CharField(_("Kennung"), max_length=40, blank=True)
    view = models.CharField(_("Seite oder Liste"), max_length=120, blank=True)
    fields = models.CharField(_("Felder"), max_length=300, blank=True)
    count = models.PositiveIntegerField(_("Anzahl Datensätze"), default=1)
    subjects = models.TextField(_("Betroffene (Suchschlüssel)"), blank=True)
    ip = models.GenericIPAddressField(_("Adresse"), null=True, blank=True)

    objects = AppendOnly.as_manager()

    class Meta:
        verbose_name = _("Zugriffsprotokoll")
        verbose_name_plural = _("Zugriffsprotokoll")
        ordering = ["-at", "-pk"]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self) -> str:
        return f"{self.actor_name} {self.get_action_display()} {self.object_type} {self.object_id}"

    @property
    def role_label(self) -> str:
        from buergerbuero.accounts import selectors as account_selectors

        if self.role == "superuser":
            return "Superuser"
        return account_selectors.role_label(self.role)

    @property
    def view_label(self) -> str:
        return str(VIEW_LABELS.get(self.view, self.view))

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError("audit records are append-only")
        super().save(*args, **kwargs)
