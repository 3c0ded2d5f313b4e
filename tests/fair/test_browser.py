import datetime as dt

import pytest

from buergerbuero.booking.models import WaitlistEntry
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def nojs_page(browser, live_server):
    context = browser.new_context(
        locale="de-DE", timezone_id="Europe/Berlin", base_url=live_server.url, java_script_enabled=False
    )
    yield context.new_page()
    context.close()


def test_waitlist_form_works_without_javascript(nojs_page, settings):
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 0
    factories.office(slug="wl", services=[factories.service()])
    monday = factories.next_weekday(0, weeks_ahead=3)
    page = nojs_page
    page.goto("/warteliste/")
    page.get_by_label("Personalausweis").check()
    page.get_by_label("frühestens am").fill(monday.isoformat())
    page.get_by_label("spätestens am").fill((monday + dt.timedelta(days=14)).isoformat())
    page.get_by_label("Donnerstag").check()
    page.get_by_label("abends (ab 16 Uhr)").check()
    page.get_by_label("E-Mail").fill("ohne-js@example.org")
    page.get_by_label("E-Mail").press("Enter")  # keyboard submit, no script involved
    page.get_by_role("heading", name="Sie stehen auf der Warteliste").wait_for()
    entry = WaitlistEntry.objects.get()
    assert entry.email == "ohne-js@example.org"
    assert [(w.weekday, w.start_time) for w in entry.windows.all()] == [(3, dt.time(16))]
