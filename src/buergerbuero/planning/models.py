from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _


class Scenario(models.Model):
    """A saved what-if scenario: the validated scenario document (same schema as the TOML files)."""

    office = models.ForeignKey("catalog.Office", on_delete=models.CASCADE, related_name="planning_scenarios")
    name = models.CharField(_("Name"), max_length=120)
    definition = models.JSONField(_("Szenario"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    updated_at = models.DateTimeField(_("geändert"), auto_now=True)

    class Meta:
        verbose_name = _("Planungsszenario")
        verbose_name_plural = _("Planungsszenarien")
        ordering = ["office", "name"]
        constraints = [models.UniqueConstraint(fields=["office", "name"], name="planning_scenario_unique_name")]

    def __str__(self) -> str:
        return self.name


class PlanRun(models.Model):
    """One simulation (or optimisation) of a scenario; the task writes its progress here, the page polls it."""

    class Kind(models.TextChoices):
        RUN = "run", _("Simulation")
        OPTIMISE = "optimise", _("Optimierung")
        BACKTEST = "backtest", _("Rückblick")

    class Status(models.TextChoices):
        QUEUED = "queued", _("wartet")
        RUNNING = "running", _("läuft")
        DONE = "done", _("fertig")
        FAILED = "failed", _("fehlgeschlagen")

    scenario = models.ForeignKey(Scenario, on_delete=models.CASCADE, related_name="runs")
    kind = models.CharField(_("Art"), max_length=20, choices=Kind.choices, default=Kind.RUN)
    status = models.CharField(_("Status"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("Fortschritt (%)"), default=0)
    definition = models.JSONField(_("Szenario beim Start"))
    result = models.JSONField(_("Ergebnis"), null=True, blank=True)
    error = models.TextField(_("Fehler"), blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(_("angelegt"), auto_now_add=True)
    started_at = models.DateTimeField(_("gestartet"), null=True, blank=True)
    finished_at = models.DateTimeField(_("beendet"), null=True, blank=True)

    class Meta:
        verbose_name = _("Planungslauf")
        verbose_name_plural = _("Planungsläufe")
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__lte=100), name="plan_run_progress_max_100"),
            models.CheckConstraint(condition=Q(kind__in=["run", "optimise", "backtest"]), name="plan_run_kind_valid"),
            models.CheckConstraint(
                condition=Q(status__in=["queued", "running", "done", "failed"]), name="plan_run_status_valid"
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | (Q(result__isnull=False) & Q(progress=100)),
                name="plan_run_done_has_result",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True)
                | Q(started_at__isnull=True)
                | Q(finished_at__gte=models.F("started_at")),
                name="plan_run_finished_after_start",
            ),
        ]

    def __str__(self) -> str:
        when = date_format(timezone.localtime(self.created_at), "SHORT_DATETIME_FORMAT")
        return f"{self.scenario} – {self.get_kind_display()} {when}"

    @property
    def pending(self) -> bool:
        return self.status in (self.Status.QUEUED, self.Status.RUNNING)
