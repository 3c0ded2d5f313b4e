"""The managers' planner pages (thin: forms → services, results → templates)."""

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.safestring import mark_safe
from django.views.decorators.http import require_POST
from django_htmx.http import HttpResponseClientRefresh

from buergerbuero.accounts import selectors as account_selectors
from buergerbuero.catalog import selectors as catalog_selectors
from buergerbuero.core.errors import DomainError, Forbidden, NotFound
from buergerbuero.planning import report, selectors, services
from buergerbuero.planning.forms import ScenarioForm
from buergerbuero.planning.models import PlanRun


def _planner(request):
    if not account_selectors.may_plan(request.user):
        raise PermissionDenied


def _form(request, *, data=None, initial=None):
    offices = selectors.offices_for(request.user)
    all_services = {s.slug: s for o in offices for s in catalog_selectors.services(office=o)}
    return ScenarioForm(data, initial=initial, offices=offices, services=sorted(all_services.values(), key=str))


def _save_and_run(request, form, scenario=None):
    if not form.is_valid():
        return None
    definition = form.definition()
    try:
        saved = services.save_scenario(
            office=form.cleaned_data["office"],
            name=form.cleaned_data["name"],
            definition=definition,
            user=request.user,
            scenario=scenario,
        )
        kind = PlanRun.Kind.OPTIMISE if form.cleaned_data["optimise"] else PlanRun.Kind.RUN
        run = services.start_run(scenario=saved, kind=kind, user=request.user)
    except DomainError as exc:
        form.add_error(form.field_for(exc.field), str(exc.message))
        return None
    return redirect("planning:run", pk=run.pk)


@login_required
def index(request):
    _planner(request)
    form = _form(request, data=request.POST or None)
    if request.method == "POST" and (response := _save_and_run(request, form)):
        return response
    return render(
        request,
        "planning/index.html",
        {
            "form": form,
            "scenarios": selectors.scenarios_for(request.user),
            "runs": selectors.runs_for(request.user),
            "today": selectors.latest_office_facts(request.user),
            "backtest": selectors.latest_backtest(request.user),
        },
        status=400 if request.method == "POST" else 200,
    )


@login_required
def scenario(request, pk: int):
    _planner(request)
    try:
        current = selectors.scenario_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None
    if request.method == "POST":
        form = _form(request, data=request.POST)
        if response := _save_and_run(request, form, scenario=current):
            return response
        status = 400
    else:
        form = _form(request, initial=ScenarioForm.initial_from(current.definition, current.office))
        status = 200
    return render(
        request,
        "planning/scenario.html",
        {"form": form, "scenario": current, "runs": current.runs.all()[:20]},
        status=status,
    )


def _run(request, pk: int) -> PlanRun:
    try:
        return selectors.run_for(request.user, pk)
    except NotFound:
        raise Http404 from None
    except Forbidden:
        raise PermissionDenied from None


def _summary(run: PlanRun) -> dict | None:
    if run.status != PlanRun.Status.DONE or run.kind == PlanRun.Kind.BACKTEST or run.result is None:
        return None
    return run.result["detail"] if run.kind == PlanRun.Kind.OPTIMISE else run.result


def _backtest(run: PlanRun) -> dict | None:
    if run.status != PlanRun.Status.DONE or run.kind != PlanRun.Kind.BACKTEST or run.result is None:
        return None
    return {
        "text": report.backtest_text(run.result["backtest"]),
        "reference": report.backtest_reference(),
        "rows": report.backtest_rows(run.result["backtest"]),
    }


def _no_show(run: PlanRun) -> str:
    if run.status != PlanRun.Status.DONE or run.result is None:
        return ""
    return report.no_show_text(run.result.get("no_show"))


@login_required
def run_detail(request, pk: int):
    _planner(request)
    run = _run(request, pk)
    summary = _summary(run)
    context = {"run": run, "summary": summary, "no_show": _no_show(run), "backtest": _backtest(run)}
    if summary is not None:
        context["bands"] = mark_safe(report.bands_svg([(run.scenario.name, summary)]))
    if run.status == PlanRun.Status.DONE and run.kind == PlanRun.Kind.OPTIMISE and run.result is not None:
        context["optimised"] = run.result
        context["tradeoff"] = mark_safe(report.tradeoff_svg(run.result))
    if request.htmx:  # the page polls while the run is pending; once it is done the whole page reloads
        if run.pending:
            return render(request, "planning/_status.html", context)
        return HttpResponseClientRefresh()
    return render(request, "planning/run.html", context)


@login_required
def compare(request):
    _planner(request)
    try:
        ids = [int(x) for x in request.GET.getlist("run")][:6]
    except ValueError:
        ids = []
    pairs = []
    for pk in ids:
        run = _run(request, pk)
        summary = _summary(run)
        if summary is not None:
            pairs.append((run, summary, _no_show(run)))
    context = {"pairs": pairs, "runs": selectors.runs_for(request.user)}
    if pairs:
        context["bands"] = mark_safe(
            report.bands_svg([(f"{r.scenario.name} (#{r.pk})", s) for r, s, _n in pairs], ident="compare")
        )
    return render(request, "planning/compare.html", context, status=200 if pairs or not ids else 400)


@login_required
@require_POST
def rerun(request, pk: int):
    _planner(request)
    try:
        current = selectors.scenario_for(request.user, pk)
    except (NotFound, Forbidden):
        raise Http404 from None
    kind = request.POST.get("kind", PlanRun.Kind.RUN)
    if kind not in PlanRun.Kind.values:
        kind = PlanRun.Kind.RUN
    run = services.start_run(scenario=current, kind=kind, user=request.user)
    return redirect("planning:run", pk=run.pk)
