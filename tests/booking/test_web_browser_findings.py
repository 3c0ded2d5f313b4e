"""Issue 16 in Debian's Chromium: the start page's result gets the focus, filters survive a refused hold."""

import pytest
from django.test import Client

from tests import factories
from tests.booking.webflow import (
    evening_office,
    hold,
    no_wait_for_the_no_js_ticket,  # noqa: F401 (autouse fixture)
    times_url,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_start_page_result_gets_the_focus_and_is_scrolled_into_view(page):
    _office, service = evening_office()
    page.goto("/")
    page.get_by_label(service.name_de).check()
    page.get_by_role("button", name="Freie Termine anzeigen").click()
    page.wait_for_url("**#offices")
    page.wait_for_function("() => document.activeElement && document.activeElement.id === 'offices'")
    heading = page.locator("#offices")
    assert heading.inner_text() == "Freie Termine für Ihre Auswahl"
    # The heading names what was chosen for a screen reader (aria-describedby) and sits in the viewport.
    assert service.name_de in page.locator("#offices-summary").inner_text()
    top = page.evaluate("() => document.getElementById('offices').getBoundingClientRect().top")
    assert 0 <= top < page.viewport_size["height"] / 2
    page.keyboard.press("Tab")  # the next stop after the result is inside it, not back at the page top
    assert page.evaluate("() => document.activeElement.closest('#main') !== null")


def test_without_javascript_the_fragment_brings_the_result_into_view(browser, live_server):
    _office, service = evening_office()
    context = browser.new_context(java_script_enabled=False, locale="de-DE", base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto("/")
        page.get_by_label(service.name_de).check()
        page.get_by_role("button", name="Freie Termine anzeigen").click()
        assert page.url.endswith("#offices")
        page.get_by_role("button", name="Suchen").click()  # searching stays up at the list
        assert page.url.endswith("#q")
    finally:
        context.close()


def test_filters_survive_a_hold_that_someone_else_took_first(page):
    service = evening_office()[1]
    mixed = factories.office(slug="mixed", services=[service], counters=1)  # mornings, a Thursday evening
    page.goto(times_url(mixed, service, part="evening"))
    first = page.locator("button[name=start]").first
    taken = first.get_attribute("value")
    assert taken[11:13] >= "16"
    hold(Client(), mixed, service, start=taken)  # another citizen is faster
    first.click()
    page.wait_for_function("() => document.querySelector('.kern-alert--danger') !== null")
    assert page.locator("#id_part").input_value() == "evening"
    values = page.locator("button[name=start]").evaluate_all("(els) => els.map((e) => e.value)")
    assert values and taken not in values
    assert all(v[11:13] >= "16" for v in values), values  # still only evening times, not every morning too
    # And choosing another time from the refused page works with the filters still set.
    assert page.locator("input[type=hidden][name=part]").first.get_attribute("value") == "evening"
