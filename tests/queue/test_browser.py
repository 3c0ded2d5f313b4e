"""A real browser: kiosk check-in → clerk calls the number → the call display updates live (SSE)."""

import datetime as dt

import pytest
from django.conf import settings as django_settings
from django.test import Client
from django.utils import timezone
from playwright.sync_api import expect

from buergerbuero.catalog.models import Counter
from buergerbuero.queue import services
from tests.queue.conftest import appointment


def login(page, user, base_url):
    client = Client()
    client.force_login(user)
    page.context.add_cookies(
        [{"name": django_settings.SESSION_COOKIE_NAME, "value": client.cookies["sessionid"].value, "url": base_url}]
    )


@pytest.mark.browser
def test_check_in_call_and_live_display(page, live_server, open_now, id_card, anna, settings):
    settings.QUEUE_SSE_POLL_SECONDS = 0.2
    settings.QUEUE_SSE_MAX_SECONDS = 20
    booked = appointment(open_now, id_card, timezone.now() + dt.timedelta(minutes=3))

    screen = page.context.new_page()
    screen.goto("/queue/test-office/display/")
    screen.wait_for_function("() => document.getElementById('status').textContent !== ''")
    screen.evaluate("window.notReloaded = true")
    assert screen.locator("#calls tr").count() == 0

    page.goto("/queue/test-office/kiosk/")
    page.get_by_label("Buchungscode").fill(booked.code)
    page.get_by_role("button", name="Anmelden").click()
    expect(page.locator("#ticket-label")).to_have_text("T-001")
    assert "Nummer 1" in page.locator("#ticket-state").inner_text()

    login(page, anna, live_server.url)
    page.goto("/queue/test-office/counter/")
    page.get_by_label("Schalter").select_option("2")
    page.get_by_role("button", name="Am Schalter anmelden").click()
    page.get_by_role("button", name="Nächste Nummer aufrufen").click()
    expect(page.locator("#current-ticket")).to_have_text("T-001")

    first_row = screen.locator("#calls tr").first
    first_row.locator("td.ticket").wait_for(timeout=10_000)
    assert first_row.locator("td.ticket").inner_text() == "T-001"
    assert first_row.locator("td.counter").inner_text() == "2"
    assert screen.evaluate("window.notReloaded") is True  # updated by the event stream, not a reload
    assert "Mustermann" not in screen.content()
    screen.close()


@pytest.mark.browser
def test_reception_and_workstation_lists_refresh_themselves(
    page, live_server, open_now, registration, anna, empfang, settings
):
    settings.QUEUE_LIST_POLL_SECONDS = 1
    login(page, empfang, live_server.url)
    page.goto("/queue/test-office/reception/")
    page.get_by_label("Buchungscode").fill("ABCD")  # typing is not disturbed by the refresh
    page.evaluate("window.notReloaded = true")
    assert page.locator("#waiting-list").inner_text() == "Niemand wartet."

    services.draw_ticket(office=open_now, service=registration, override_quota=True)  # e.g. at the kiosk
    page.locator("#waiting-list td", has_text="T-001").wait_for(timeout=10_000)
    assert page.evaluate("window.notReloaded") is True  # swapped in by htmx, not a reload
    assert page.get_by_label("Buchungscode").input_value() == "ABCD"

    clerk = page.context.new_page()
    login(clerk, anna, live_server.url)
    services.open_session(clerk=anna, counter=Counter.objects.get(office=open_now, number=1))
    clerk.goto("/queue/test-office/counter/")
    clerk.evaluate("window.notReloaded = true")
    services.draw_ticket(office=open_now, service=registration, override_quota=True)
    clerk.locator("#waiting-list td", has_text="T-002").wait_for(timeout=10_000)
    assert clerk.evaluate("window.notReloaded") is True
    clerk.close()
