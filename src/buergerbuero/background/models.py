"""The outbox, the leases of the background processes and the state of the scheduler's jobs.

Why and how: docs/adr/0003-outbox-and-leases.md."""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Message(models.Model):
    """One side effect (an e-mail, later an SMS or webhook) or one piece of deferred work.

    Written in the transaction of the change that causes it; a worker claims it with a lease and delivers it.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Wartet")
        SENT = "sent", _("Zugestellt")
        SKIPPED = "skipped", _("Überholt")
        FAILED = "failed", _("Fehlgeschlagen")

    key = models.CharField(_("Idempotenzschlüssel"), max_length=200, unique=True)
    kind = models.CharField(_("Art"), max_length=60)
    channel = models.CharField(_("Kanal"), max_length=20)
    recipient = models.CharField(_("Empfänger"), max_length=254, blank=True)
    office = models.ForeignKey(
        "catalog.Office", null=True, blank=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("Standort")
    )
    payload = models.JSONField(default=dict, blank=True)
    status = models.CharField(_("Status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveSmallIntegerField(_("Versuche"), default=0)
    available_at = models.DateTimeField(_("Fällig ab"))
    leased_until = models.DateTimeField(_("In Arbeit bis"), null=True, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    last_error = models.TextField(_("Letzter Fehler"), blank=True)
    created_at = models.DateTimeField(_("Angelegt"))
    finished_at = models.DateTimeField(_("Abgeschlossen"), null=True, blank=True)

    class Meta:
        verbose_name = _("Ausgehende Nachricht")
        verbose_name_plural = _("Ausgehende Nachrichten")
        indexes = [
            models.Index(fields=["available_at", "id"], condition=Q(status="pending"), name="outbox_due"),
            models.Index(fields=["status", "finished_at"], name="outbox_finished"),
        ]

    def __str__(self) -> str:
        return self.key

    @property
    def kind_label(self) -> str:
        from buergerbuero.background import registry  # the registry imports the apps' tasks, which import models

        return registry.label(self.kind)


class Lease(models.Model):
    """Who runs a singleton (the scheduler) or that a worker is alive: a row whose expiry the holder renews."""

    name = models.CharField(max_length=120, unique=True)
    holder = models.CharField(max_length=120)
    expires_at = models.DateTimeField()
    renewed_at = models.DateTimeField()

    class Meta:
        verbose_name = _("Prozess-Lease")
        verbose_name_plural = _("Prozess-Leases")

    def __str__(self) -> str:
        return f"{self.name} ({self.holder})"


class JobState(models.Model):
    """The last run of one periodic job of the scheduler, for staff and for the next due time."""

    name = models.CharField(_("Aufgabe"), max_length=60, unique=True)
    next_due_at = models.DateTimeField(_("Nächster Lauf"))
    last_started_at = models.DateTimeField(_("Letzter Start"), null=True, blank=True)
    last_finished_at = models.DateTimeField(_("Letztes Ende"), null=True, blank=True)
    last_ok = models.BooleanField(_("Erfolgreich"), null=True)
    last_result = models.TextField(_("Ergebnis"), blank=True)

    class Meta:
        verbose_name = _("Geplante Aufgabe")
        verbose_name_plural = _("Geplante Aufgaben")

    def __str__(self) -> str:
        return self.name
