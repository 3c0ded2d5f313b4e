from django.db.models import Q, QuerySet

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.catalog.models import Office
from buergerbuero.core.errors import Forbidden, NotFound
from buergerbuero.planning import report
from buergerbuero.planning.models import PlanRun, Scenario


def offices_for(user) -> list[Office]:
    return [o for o in catalog_selectors.offices() if account_selectors.may_plan_office(user, o)]


def scenarios_for(user) -> QuerySet[Scenario]:
    return Scenario.objects.filter(office__in=offices_for(user)).select_related("office").order_by("name")


def scenario_for(user, pk: int) -> Scenario:
    scenario = Scenario.objects.select_related("office").filter(pk=pk).first()
    if scenario is None:
        raise NotFound("scenario", field="scenario")
    if not account_selectors.may_plan_office(user, scenario.office):
        raise Forbidden("scenario", field="scenario")
    return scenario


def runs_for(user, limit: int = 30) -> QuerySet[PlanRun]:
    return PlanRun.objects.filter(scenario__in=scenarios_for(user)).select_related("scenario__office")[:limit]


def run_for(user, pk: int) -> PlanRun:
    run = PlanRun.objects.select_related("scenario__office").filter(pk=pk).first()
    if run is None:
        raise NotFound("run", field="run")
    if not account_selectors.may_plan_office(user, run.scenario.office):
        raise Forbidden("run", field="run")
    return run


def latest_backtest(user) -> dict | None:
    """The last finished backtest the user may see: the planner's track record (no simulation on a page view)."""
    run = (
        PlanRun.objects.filter(scenarios_filter(user), kind=PlanRun.Kind.BACKTEST, status=PlanRun.Status.DONE)
        .select_related("scenario__office")
        .first()
    )
    if run is None or run.result is None:
        return None
    result = run.result["backtest"]
    return {
        "run": run,
        "office": run.scenario.office,
        "text": report.backtest_text(result),
        "reference": report.backtest_reference(),
        "rows": report.backtest_rows(result),
    }


def scenarios_filter(user):
    return Q(scenario__in=scenarios_for(user))


def latest_office_facts(user) -> dict | None:
    """'Today's office' as the last finished run calibrated it (no calibration on a page view)."""
    run = (
        PlanRun.objects.filter(scenarios_filter(user), status=PlanRun.Status.DONE)
        .exclude(kind=PlanRun.Kind.BACKTEST)
        .select_related("scenario__office")
        .first()
    )
    if run is None or run.result is None:
        return None
    return {
        "office": run.scenario.office,
        "when": run.finished_at,
        **run.result.get("office", {}),
        "no_show": report.no_show_text(run.result.get("no_show")),
    }
