from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device


class Organisation(models.Model):
    """A municipality that runs offices, or a partner (e.g. another city's call center)."""

    class Kind(models.TextChoices):
        MUNICIPALITY = "municipality", _("Kommune")
        PARTNER = "partner", _("Partner-Callcenter")

    name = models.CharField(_("Name"), max_length=200, unique=True)
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.MUNICIPALITY)

    class Meta:
        verbose_name = _("Organisation")
        verbose_name_plural = _("Organisationen")

    def __str__(self) -> str:
        return self.name


class StaffMembership(models.Model):
    """What a staff user is, for which organisation. Offices and skills narrow what a clerk does."""

    class Role(models.TextChoices):
        CLERK = "clerk", _("Sachbearbeitung")
        RECEPTION = "reception", _("Empfang")
        MANAGER = "manager", _("Leitung")
        AGENT = "agent", _("Callcenter-Agent")
        ADMIN = "admin", _("Administration")
        DPO = "dpo", _("Datenschutz")

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="membership")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="members")
    role = models.CharField(_("Rolle"), max_length=20, choices=Role.choices)
    offices = models.ManyToManyField("catalog.Office", blank=True, related_name="staff", verbose_name=_("Standorte"))
    skills = models.ManyToManyField(
        "catalog.Service", blank=True, related_name="skilled_staff", verbose_name=_("Kenntnisse")
    )

    class Meta:
        verbose_name = _("Mitarbeitende")
        verbose_name_plural = _("Mitarbeitende")

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()}, {self.organisation})"


class ApiToken(models.Model):
    """A revocable key for a machine client (a script, the phone system) that acts as one staff member.

    Only the SHA-256 of the key is stored; the key is shown once when it is issued. It is bound to the
    organisation and role the member had then: when either changes, the token stops working.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("Benutzer")
    )
    name = models.CharField(_("Bezeichnung"), max_length=100, help_text=_("Wofür der Schlüssel benutzt wird"))
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="api_tokens", verbose_name=_("Organisation")
    )
    role = models.CharField(_("Rolle"), max_length=20, choices=StaffMembership.Role.choices)
    prefix = models.CharField(_("Anfang des Schlüssels"), max_length=12, editable=False)
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(_("Ausgestellt am"), editable=False)
    expires_at = models.DateTimeField(_("Gültig bis"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("Zuletzt benutzt"), null=True, blank=True, editable=False)
    revoked_at = models.DateTimeField(_("Widerrufen am"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("API-Schlüssel")
        verbose_name_plural = _("API-Schlüssel")

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"


class ExternalAccount(models.Model):
    """A staff user's account at the city's identity provider (single sign-on, accounts/sso.py).

    The provider's subject identifies the person (never the e-mail address, which can be reassigned); the
    user is made at the first sign-in and their membership follows the provider's groups at every sign-in.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="external_account", verbose_name=_("Benutzer")
    )
    issuer = models.CharField(_("Anmeldedienst"), max_length=255)
    subject = models.CharField(_("Kennung beim Anmeldedienst"), max_length=255)
    groups = models.JSONField(_("Gruppen bei der letzten Anmeldung"), default=list, blank=True)
    created_at = models.DateTimeField(_("Angelegt am"), editable=False)
    # Set by the provider's back-channel logout: every session of this person signed in before it is over.
    signed_out_at = models.DateTimeField(_("Beim Anmeldedienst abgemeldet am"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("Dienstkonto (Single Sign-on)")
        verbose_name_plural = _("Dienstkonten (Single Sign-on)")
        constraints = [models.UniqueConstraint(fields=["issuer", "subject"], name="external_account_unique_subject")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.issuer}"


class ProviderSecondFactor(Device):
    """The second factor the identity provider confirmed (its ID token's amr/acr): django-otp's record that this
    session passed a second factor, without a code of ours. It verifies no code itself."""

    class Meta:
        verbose_name = _("Zweiter Faktor beim Anmeldedienst")
        verbose_name_plural = _("Zweite Faktoren beim Anmeldedienst")

    def verify_token(self, token) -> bool:
        return False
