"""Writes of the planning app: save scenarios, start runs, execute them (called by the task)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from buergerbuero.background import services as outbox
from buergerbuero.catalog.models import Office
from buergerbuero.core.errors import Conflict, DomainError, lazy_format
from buergerbuero.planning.models import PlanRun, Scenario
from buergerbuero.planning.scenario import ScenarioError, dumps, validate
from buergerbuero.planning.tasks import RUN_TASK

if TYPE_CHECKING:
    from django.contrib.auth.models import User

logger = logging.getLogger(__name__)


def validated_definition(*, office: Office, definition: dict[str, Any]) -> dict[str, Any]:
    """The scenario document validated and normalised; DomainError naming the field otherwise."""
    data = {**definition, "office": office.slug}
    try:
        scenario = validate(data)
    except ScenarioError as exc:
        path, message = exc.messages[0]
        raise DomainError(
            lazy_format(_("Ungültiger Wert bei „%(field)s“: %(message)s"), {"field": path, "message": message}),
            field=path or None,
        ) from None
    from buergerbuero.planning import calibration  # NumPy: loaded by the planner's first use, not at start

    offered = set(calibration.offered_slugs(office))
    for index, measure in enumerate(scenario.measures):
        slug = getattr(measure, "service", None)
        if slug is not None and slug not in offered:
            raise DomainError(
                lazy_format(_("Die Leistung „%(slug)s“ wird an diesem Standort nicht angeboten."), {"slug": slug}),
                field=f"measures[{index}].service",
            )
    return dumps(scenario)


@transaction.atomic
def save_scenario(
    *, office: Office, name: str, definition: dict[str, Any], user: User | None = None, scenario: Scenario | None = None
) -> Scenario:
    clean = validated_definition(office=office, definition={**definition, "name": name})
    clash = Scenario.objects.filter(office=office, name=clean["name"])
    if scenario is not None:
        clash = clash.exclude(pk=scenario.pk)
    if clash.exists():
        raise Conflict(_("Es gibt schon ein Szenario mit diesem Namen."), field="name")
    if scenario is None:
        scenario = Scenario(office=office, created_by=user)
    scenario.office = office
    scenario.name = clean["name"]
    scenario.definition = clean
    scenario.save()
    return scenario


@transaction.atomic
def start_run(*, scenario: Scenario, kind: str = PlanRun.Kind.RUN, user: User | None = None) -> PlanRun:
    """Queue a run: an outbox task of this transaction, which a worker runs once it is committed."""
    if kind not in PlanRun.Kind.values:
        raise DomainError(_("Unbekannte Art von Planungslauf."), field="kind")
    run = PlanRun.objects.create(scenario=scenario, kind=kind, definition=scenario.definition, created_by=user)
    outbox.run_later(kind=RUN_TASK, key=f"planning-run:{run.pk}", payload={"run": run.pk}, office_id=scenario.office_id)
    return run


@transaction.atomic
def _claim(run_id: int, *, resume: bool) -> PlanRun | None:
    run = PlanRun.objects.select_for_update().select_related("scenario__office").filter(pk=run_id).first()
    startable = {PlanRun.Status.QUEUED, PlanRun.Status.RUNNING} if resume else {PlanRun.Status.QUEUED}
    if run is None or run.status not in startable:
        return None  # done, failed or taken by another worker: running it again changes nothing
    run.status = PlanRun.Status.RUNNING
    run.started_at = timezone.now()
    run.progress = 0
    run.save(update_fields=["status", "started_at", "progress"])
    return run


def _progress(run_id: int) -> Callable[[float], None]:
    last = [-1]

    def report(fraction: float) -> None:
        percent = max(0, min(99, int(fraction * 100)))
        if percent != last[0]:
            last[0] = percent
            PlanRun.objects.filter(pk=run_id, status=PlanRun.Status.RUNNING).update(progress=percent)

    return report


@transaction.atomic
def _finish(run_id: int, *, result: dict[str, Any] | None = None, error: str = "") -> None:
    PlanRun.objects.filter(pk=run_id, status=PlanRun.Status.RUNNING).update(
        status=PlanRun.Status.DONE if result is not None else PlanRun.Status.FAILED,
        result=result,
        error=error,
        progress=100 if result is not None else 0,
        finished_at=timezone.now(),
    )


def execute_run(*, run_id: int, resume: bool = False) -> None:
    """Run the simulation for a queued run (idempotent: a run that is not queued is left alone).

    `resume`: the outbox hands the run out again because the worker that ran it died (its lease expired),
    so a run left "running" starts over."""
    from buergerbuero.planning import calibration, runner  # the simulation's NumPy, in the worker only

    run = _claim(run_id, resume=resume)
    if run is None:
        return
    try:
        scenario = validate(run.definition)
        office = run.scenario.office
        if run.kind == PlanRun.Kind.BACKTEST:
            at = calibration.backtest_start(timezone.localdate())
            _finish(run_id, result={"backtest": calibration.backtest(office, at=at).as_dict()})
            return
        start = scenario.run.start or timezone.localdate()
        no_show = calibration.no_show_basis(office, start=start)
        base = calibration.office_model(office, start=start, days=scenario.run.days, no_show=no_show)
        if run.kind == PlanRun.Kind.OPTIMISE:
            result = runner.optimise(base, scenario, progress=_progress(run_id))
        else:
            result = runner.run(base, scenario, progress=_progress(run_id))
        result["office"] = calibration.office_facts(base)
        result["no_show"] = calibration.no_show_source(no_show, scenario.assumptions.no_show_rate)
    except ScenarioError as exc:
        _finish(run_id, error=str(exc))
        return
    except Exception:  # the row must not stay "running" forever; the log has the traceback
        logger.exception("planning run %s failed", run_id)
        _finish(run_id, error=str(_("Der Planungslauf ist fehlgeschlagen.")))
        return
    _finish(run_id, result=result)
