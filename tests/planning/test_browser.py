"""Key flow in a real browser: a manager switches on a service evening, runs it and sees the bands."""

import pytest
from playwright.sync_api import expect

from tests.staff_login import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_runs_a_scenario_in_the_browser(page, manager):
    manager.is_staff = True
    manager.save(update_fields=["is_staff"])
    browser_sign_in(page, "leitung", "pw-leitung", next_url="/planung/")
    page.wait_for_url("**/planung/")
    page.fill("#id_name", "Dienstagabend")
    page.fill("#id_months", "2")
    page.fill("#id_replications", "10")
    page.check("#id_evening_on")
    page.get_by_role("button", name="Speichern und rechnen").click()
    page.wait_for_url("**/planung/laeufe/*/")
    page.get_by_text("Fertig.").wait_for()
    assert page.locator("svg[role=img]").count() == 1
    assert "Serviceabend Di 16:00–19:30, 2 Schalter" in page.content()
    # a wrong value comes back beside its field
    page.goto("/planung/")
    page.fill("#id_name", "Falsch")
    page.check("#id_evening_on")
    page.fill("#id_evening_counters", "0")
    page.get_by_role("button", name="Speichern und rechnen").click()
    expect(page.locator("#id_evening_counters-error")).to_be_visible()
