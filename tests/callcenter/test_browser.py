"""The agent's key flow in a real browser: live search while typing, open the article, log the call."""

import pytest
from django.db import connection

from buergerbuero.callcenter.models import Call
from tests.staff_login import browser_sign_in


@pytest.fixture
def live_world(transactional_db, world):
    world.users["agent"].set_password("pw-agent")
    world.users["agent"].save()
    yield world
    if connection.vendor == "sqlite":  # the FTS5 table is not flushed by Django between transactional tests
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM callcenter_article_fts")


@pytest.mark.browser
def test_agent_searches_while_typing_and_logs_the_call(live_world, page):
    browser_sign_in(page, "agent", "pw-agent", next_url="/callcenter/")
    page.wait_for_url("**/callcenter/")
    # Type without submitting: htmx asks the server while the agent types.
    page.locator("#q").press_sequentially("Persnalausw", delay=30)
    hit = page.locator("#results a", has_text="Personalausweis beantragen")
    hit.wait_for()
    assert page.url.endswith("/callcenter/")  # no page load happened
    hit.click()
    page.get_by_role("heading", name="Das sagen Sie dem Anrufer").wait_for()
    assert page.locator("#c-service").input_value() == "personalausweis"  # topic taken from the article
    page.fill("#c-duration", "3:20")
    page.fill("#c-number", "0234/123456")
    page.locator("#call-form button[type=submit]").click()
    page.get_by_text("Anruf gespeichert").wait_for()
    call = Call.objects.get()
    assert (call.outcome, call.duration_seconds, call.caller_number) == ("settled", 200, "+49234123456")
    assert call.article.title == "Personalausweis beantragen"


@pytest.mark.browser
def test_workspace_works_without_javascript(live_world, browser, live_server):
    context = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    page = context.new_page()
    browser_sign_in(page, "agent", "pw-agent", next_url="/callcenter/")
    page.fill("#q", "Umzug")
    page.locator("form[role=search] button").click()
    page.locator("#results a", has_text="Wohnsitz anmelden").click()
    page.get_by_role("heading", name="Wohnsitz anmelden").wait_for()
    context.close()
