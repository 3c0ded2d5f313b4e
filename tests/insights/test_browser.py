"""Key flow in a real browser: a manager logs in, reads the dashboard, builds the committee report."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from buergerbuero.insights import services
from tests.staff_login import browser_sign_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_manager_reads_dashboard_and_opens_the_committee_report(page, manager, small_office, id_card):
    services.take_snapshots(now=timezone.now())
    browser_sign_in(page, "chefin", "pw-chefin-123", next_url="/insights/")
    page.wait_for_url(f"**/insights/{small_office.slug}/")
    assert page.locator("h1").inner_text().startswith("Kennzahlen")
    chart = page.get_by_role("img", name="Vorlaufzeit: Tage bis zum nächsten freien Termin (Personalausweis)")
    assert chart.count() == 1
    page.get_by_text("Werte als Tabelle").first.click()
    expect(page.locator("table caption").first).to_be_visible()
    page.locator("main").get_by_role("link", name="Bericht für den Betriebsausschuss").click()
    page.get_by_role("button", name="Bericht erstellen").click()
    expect(page.get_by_role("heading", name="Kennzahlen im Vergleich")).to_be_visible()
    with page.expect_download() as download:
        page.get_by_role("link", name="Als PDF herunterladen").click()
    assert download.value.suggested_filename.startswith(f"betriebsausschuss-{small_office.slug}-")
