"""The staff front door in Debian's Chromium (issue 16): each demo role signs in with password and a TOTP code
(computed here by the library from the demo secret in the README), sees exactly its tiles, opens each without a
refusal, signs out; axe-core finds nothing on the sign-in steps, the start page and every staff page a tile opens."""

import datetime as dt

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import expect

from buergerbuero.accounts.demo import DEMO_USERS, give_demo_authenticator
from buergerbuero.accounts.models import Organisation, StaffMembership
from buergerbuero.callcenter.models import Contract
from tests import factories
from tests.booking.test_web_browser import assert_accessible
from tests.staff_login import current_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# What each demo role may use (docs/roles-and-rights.md): the tile keys of accounts/tiles.py.
EXPECTED = {
    "leitung": {
        "reception",
        "counter",
        "display",
        "applications",
        "callcenter",
        "callbacks",
        "callcenter_numbers",
        "insights",
        "report",
        "planning",
    },
    "sachbearbeitung": {"reception", "counter", "display", "applications", "callcenter", "callbacks"},
    "empfang": {"reception", "display", "callcenter"},
    "agent": {"callcenter", "callbacks"},
    "admin": {
        "reception",
        "counter",
        "display",
        "applications",
        "callcenter",
        "callbacks",
        "callcenter_numbers",
        "insights",
        "report",
        "planning",
        "operations",
        "audit_log",
        "admin",
    },
}
PASSWORDS = {username: password for username, password, *_rest in DEMO_USERS} | {"admin": "demo-admin"}


@pytest.fixture
def demo_people(db, id_card):
    city = Organisation.objects.create(name="Stadt Castrop-Rauxel", kind=Organisation.Kind.MUNICIPALITY)
    partner = Organisation.objects.create(name="Stadt Bochum – Callcenter", kind=Organisation.Kind.PARTNER)
    office = factories.office(slug="castrop", organisation=city, services=[id_card])
    contract = Contract.objects.create(
        partner=partner, municipality=city, name="Bürgertelefon", starts_on=timezone.localdate() - dt.timedelta(days=90)
    )
    contract.services.set([id_card])
    User = get_user_model()
    give_demo_authenticator(User.objects.create_superuser("admin", "admin@example.org", "demo-admin"))
    for username, password, role, org, first, last in DEMO_USERS:
        user = User.objects.create_user(
            username, f"{username}@example.org", password, first_name=first, last_name=last, is_staff=True
        )
        organisation = city if org == "city" else partner
        StaffMembership.objects.create(user=user, organisation=organisation, role=role)
        give_demo_authenticator(user)
    return office


def _sign_in(page, username: str) -> None:
    page.goto("/intern/anmelden/")
    assert_accessible(page, "sign-in")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORDS[username])
    page.click("#sign-in")
    page.wait_for_url("**/intern/anmelden/code/")
    assert_accessible(page, "second factor")
    device = TOTPDevice.objects.get(user__username=username)
    page.fill("#id_code", current_code(device))
    page.click("#verify")
    page.wait_for_url("**/intern/")


@pytest.mark.parametrize("username", list(EXPECTED))
def test_each_demo_role_signs_in_sees_its_tiles_opens_them_and_signs_out(page, demo_people, username):
    _sign_in(page, username)
    who = page.locator("#who").inner_text()
    member = StaffMembership.objects.filter(user__username=username).select_related("organisation").first()
    if member is not None:
        assert member.organisation.name in who and member.get_role_display() in who
    tiles = page.locator("#tiles li")
    keys = {tiles.nth(i).get_attribute("data-tile") for i in range(tiles.count())}
    assert keys == EXPECTED[username]
    assert_accessible(page, f"start page of {username}")
    # The navigation bar on every staff page offers the same tools.
    nav = page.locator("nav.staff-nav a[data-tile]")
    assert {nav.nth(i).get_attribute("data-tile") for i in range(nav.count())} == keys
    urls = [tiles.nth(i).locator("a").get_attribute("href") for i in range(tiles.count())]
    for url in urls:
        if "/display/" in url:
            # The full-screen call display opens an event stream from its script; in the browser it would run
            # beside the next pages on the live server's one shared in-memory SQLite connection. Its answer is
            # what the tile promises: fetched with the same session, without running the page.
            answer = page.request.get(url)
            assert answer.status < 400, f"{username}: {url} answered {answer.status}"
            continue
        answer = page.goto(url)
        assert answer.status < 400, f"{username}: {url} answered {answer.status}"
        if not url.startswith(("/admin/", "/queue/castrop/display/")):  # Django's admin; the full-screen display
            assert_accessible(page, f"{url} for {username}")
    page.goto("/intern/")
    page.click("#logout")
    page.wait_for_url("**/intern/anmelden/")
    expect(page.get_by_text("Sie sind abgemeldet.")).to_be_visible()
    assert page.goto("/intern/").url.split("?")[0].endswith("/intern/anmelden/")
