"""The managers' planner pages over the real HTTP stack (Django test client)."""

import datetime as dt
import re

import pytest
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from buergerbuero.background import services as outbox
from buergerbuero.background.models import Message
from buergerbuero.planning import services
from buergerbuero.planning.models import PlanRun, Scenario


def form_data(office, **changes):
    data = {
        "office": office.pk,
        "name": "Abend am Dienstag",
        "months": 3,
        "replications": 10,
        "demand_scale": 100,
        "staff_hour_eur": 55,
        "evening_on": "on",
        "evening_weekday": 1,
        "evening_start": "16:00",
        "evening_end": "19:30",
        "evening_counters": 2,
        "staff_hours": 39,
        "pre_service": "personalausweis",
        "pre_minutes": 10,
        "pre_uptake": 50,
        "pre_fixed": 15000,
        "online_service": "meldebescheinigung",
        "online_share": 60,
        "online_fixed": 5000,
        "partner_hours": 30,
        "partner_calls": 700,
        "partner_price": 4.5,
        "partner_avoided": 5,
        "closure_days": 0,
        "share_percent": 85,
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def test_only_planners_see_the_page(client, clerk, manager):
    url = reverse("planning:index")
    assert client.get(url).status_code == 302  # to the login
    client.force_login(clerk)
    assert client.get(url).status_code == 403
    client.force_login(manager)
    response = client.get(url)
    assert response.status_code == 200
    assert "Neues Szenario" in response.content.decode()


def test_manager_saves_a_scenario_runs_it_and_sees_the_bands(
    client, manager, planning_office, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("planning:index"), form_data(planning_office))
    assert response.status_code == 302
    run = PlanRun.objects.get()
    assert response["Location"] == reverse("planning:run", args=[run.pk])
    assert run.status == PlanRun.Status.DONE and run.progress == 100
    scenario = Scenario.objects.get()
    assert scenario.definition["measures"][0]["kind"] == "service_evening"
    page = client.get(response["Location"]).content.decode()
    assert "<svg" in page and "Vorlaufzeit" in page
    assert "Serviceabend Di 16:00–19:30, 2 Schalter" in page
    assert len(run.result["lead_p50"]) == run.result["days"]
    # the index now shows today's office from the calibration
    assert "Schalterstunden je Woche" in client.get(reverse("planning:index")).content.decode()
    # English units after numbers are lower case; the same words as headings or labels stay capitalised
    english = client.get(reverse("planning:index"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r"\d counter hours per week</dd>", english)
    assert re.search(r"\d hours per week \([\d.,]+ booking requests\)</dd>", english)
    assert re.search(r"\d hours</dd>", english)
    assert "Hours per week" in english  # the form label
    assert re.search(r"\d days</dd>", client.get(response["Location"], HTTP_ACCEPT_LANGUAGE="en").content.decode())


def test_bad_value_is_shown_beside_the_field_and_saves_nothing(client, manager, planning_office):
    client.force_login(manager)
    response = client.post(reverse("planning:index"), form_data(planning_office, evening_counters=0, evening_weekday=1))
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_evening_counters-error"' in html
    assert "measures[0].counters" in html
    assert not Scenario.objects.exists() and not PlanRun.objects.exists()
    # an evening that ends before it starts: the message sits at the evening block
    response = client.post(
        reverse("planning:index"), form_data(planning_office, evening_start="19:00", evening_end="18:00")
    )
    assert response.status_code == 400
    assert 'id="id_evening_on-error"' in response.content.decode()


def test_duplicate_name_is_refused(client, manager, planning_office, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("planning:index"), form_data(planning_office))
    response = client.post(reverse("planning:index"), form_data(planning_office))
    assert response.status_code == 400
    assert "schon ein Szenario mit diesem Namen" in response.content.decode()
    assert Scenario.objects.count() == 1


def test_pending_run_shows_progress_and_polls(client, manager, planning_office, django_capture_on_commit_callbacks):
    client.force_login(manager)
    client.post(reverse("planning:index"), form_data(planning_office))  # on_commit not executed: still queued
    run = PlanRun.objects.get()
    PlanRun.objects.filter(pk=run.pk).update(status=PlanRun.Status.RUNNING, progress=42)
    url = reverse("planning:run", args=[run.pk])
    page = client.get(url).content.decode()
    assert "42 %" in page and 'hx-trigger="every 1s"' in page and 'http-equiv="refresh"' in page
    partial = client.get(url, headers={"HX-Request": "true"}).content.decode()
    assert partial.strip().startswith('<div id="run-status"')


def test_optimise_and_compare(client, manager, planning_office, django_capture_on_commit_callbacks):
    client.force_login(manager)
    data = form_data(planning_office, optimise="on", evening_on=None, evening_opt="on", closure_opt="on")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("planning:index"), data)
        client.post(reverse("planning:index"), form_data(planning_office, name="Nur Abend"))
    optimised, plain = PlanRun.objects.order_by("id")
    assert optimised.kind == PlanRun.Kind.OPTIMISE and optimised.status == PlanRun.Status.DONE
    assert len(optimised.result["candidates"]) == 4
    page = client.get(reverse("planning:run", args=[optimised.pk])).content.decode()
    assert "Kosten und Vorlaufzeit aller Kombinationen" in page
    response = client.get(reverse("planning:compare"), {"run": [optimised.pk, plain.pk]})
    assert response.status_code == 200
    html = response.content.decode()
    assert "Nur Abend" in html and html.count("<svg") == 1


def test_other_organisation_cannot_open_runs(
    client, manager, other_manager, planning_office, django_capture_on_commit_callbacks
):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("planning:index"), form_data(planning_office))
    run = PlanRun.objects.get()
    client.force_login(other_manager)
    assert client.get(reverse("planning:run", args=[run.pk])).status_code == 403
    assert client.get(reverse("planning:scenario", args=[run.scenario.pk])).status_code == 403


@pytest.mark.django_db
def test_execute_run_is_idempotent(manager, planning_office, django_capture_on_commit_callbacks):
    from buergerbuero.planning import services

    scenario = services.save_scenario(
        office=planning_office,
        name="x",
        definition={"name": "x", "run": {"months": 1, "replications": 5}},
        user=manager,
    )
    with django_capture_on_commit_callbacks(execute=True):
        run = services.start_run(scenario=scenario)
    run.refresh_from_db()
    finished = run.finished_at
    services.execute_run(run_id=run.pk)  # a second delivery of the task changes nothing
    run.refresh_from_db()
    assert run.status == PlanRun.Status.DONE and run.finished_at == finished


def test_saved_scenario_is_edited_and_rerun(client, manager, planning_office, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("planning:index"), form_data(planning_office))
    scenario = Scenario.objects.get()
    url = reverse("planning:scenario", args=[scenario.pk])
    page = client.get(url).content.decode()
    assert 'name="evening_on"' in page and "checked" in page
    assert 'value="Abend am Dienstag"' in page
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(url, form_data(planning_office, name="Abend mit 3 Schaltern", evening_counters=3))
    assert response.status_code == 302
    scenario.refresh_from_db()
    assert scenario.name == "Abend mit 3 Schaltern"
    assert scenario.definition["measures"][0]["counters"] == 3
    assert scenario.runs.count() == 2
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("planning:rerun", args=[scenario.pk]), {"kind": "optimise"})
    run = PlanRun.objects.get(pk=response["Location"].rstrip("/").split("/")[-1])
    assert run.kind == PlanRun.Kind.OPTIMISE and run.status == PlanRun.Status.DONE
    # the optimiser had nothing to switch: one candidate, the scenario as it is
    assert len(run.result["candidates"]) == 1


def test_finished_run_reloads_the_polling_page(client, manager, planning_office, django_capture_on_commit_callbacks):
    client.force_login(manager)
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("planning:index"), form_data(planning_office))
    run = PlanRun.objects.get()
    response = client.get(reverse("planning:run", args=[run.pk]), headers={"HX-Request": "true"})
    assert response.headers["HX-Refresh"] == "true"


@pytest.mark.django_db
def test_database_refuses_impossible_runs(manager, planning_office):
    from django.db import IntegrityError, transaction

    from buergerbuero.planning import services

    scenario = services.save_scenario(office=planning_office, name="x", definition={"name": "x"}, user=manager)
    for fields in ({"progress": 101}, {"status": "done", "result": None}, {"kind": "guess"}, {"status": "lost"}):
        with pytest.raises(IntegrityError), transaction.atomic():
            PlanRun.objects.create(scenario=scenario, definition={}, **fields)


@pytest.mark.django_db
def test_a_run_whose_worker_died_is_started_over_when_its_lease_expires(manager, planning_office, settings):
    """The worker took the run (status running) and was killed: the outbox hands the row out again after the
    run's 30-minute lease, and the next worker finishes the run instead of leaving it running forever."""
    settings.OUTBOX_DELIVER_ON_COMMIT = False
    scenario = services.save_scenario(
        office=planning_office,
        name="x",
        definition={"name": "x", "run": {"months": 1, "replications": 5}},
        user=manager,
    )
    with transaction.atomic():
        run = services.start_run(scenario=scenario)
    now = timezone.now()
    (row,) = outbox.claim(now=now, limit=5)
    PlanRun.objects.filter(pk=run.pk).update(status=PlanRun.Status.RUNNING, progress=40)  # …then killed
    Message.objects.filter(pk=row.pk).update(leased_until=now + dt.timedelta(minutes=30))  # the run's lease
    assert outbox.deliver_due(now=now + dt.timedelta(minutes=29)) == 0
    assert outbox.deliver_due(now=now + dt.timedelta(minutes=31)) == 1
    run.refresh_from_db()
    assert run.status == PlanRun.Status.DONE and run.result
    assert Message.objects.get().status == Message.Status.SENT and Message.objects.get().attempts == 2
