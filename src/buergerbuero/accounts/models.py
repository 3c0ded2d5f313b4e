from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


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
