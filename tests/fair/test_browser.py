"""Fair release in Debian's Chromium: the no-JS paths, and the ALTCHA widget solving real challenges."""

import datetime as dt
from urllib.parse import parse_qsl

import pytest
from django.utils import timezone

from buergerbuero.booking.models import Appointment, UsedChallenge, WaitlistEntry
from tests import factories
from tests.booking.test_web_browser import assert_accessible
from tests.fair.conftest import book

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


# --- the ALTCHA widget with JavaScript: real challenge, real server check, no delay-ticket path -------------------

SOLVED = "() => [...document.querySelectorAll('altcha-widget')].every((w) => w.getState && w.getState() === 'verified')"


@pytest.fixture
def pow_only(settings):
    """Only the proof-of-work can pass: a delay ticket would need an hour (and JavaScript is on anyway)."""
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 3600


def times_page(service) -> str:
    office = factories.office(services=[service])
    return f"/termine/{office.slug}/?services={service.slug}&persons=1"


def test_a_time_clicked_during_the_proof_is_held_once_it_is_solved_and_the_proof_cannot_be_replayed(page, pow_only):
    holds = []
    page.on("request", lambda r: holds.append(r) if r.method == "POST" and "/reservieren/" in r.url else None)
    waiting = []  # the widget's challenge request, held back until the citizen has clicked
    page.route("**/api/antibot/challenge", lambda route: waiting.append(route))
    page.goto(times_page(factories.service()))
    for _ in range(100):
        if waiting:
            break
        page.wait_for_timeout(50)
    assert waiting, "the widget did not fetch a challenge on page load"
    assert page.locator("altcha-widget label").inner_text() == "Sicherheitsprüfung läuft …"
    starts = page.locator("button[name=start]").evaluate_all("(els) => els.map((e) => e.value)")

    page.locator("button[name=start]").nth(2).click()  # no checkbox to tick first
    assert "Sicherheitsprüfung läuft noch" in page.get_by_role("status").inner_text()
    assert "/termine/" in page.url and not holds  # the click waits, it is not lost
    assert_accessible(page, "times, a click waiting for the proof")

    waiting[0].continue_()  # the widget fetches and solves the challenge, then the clicked time is sent
    page.wait_for_url("**/reservierung/*/")
    (appointment,) = Appointment.objects.all()
    assert appointment.start == dt.datetime.fromisoformat(starts[2])
    (spent,) = UsedChallenge.objects.all()
    assert not spent.signature.startswith("delay:")  # the proof-of-work paid, not a delay ticket
    (request,) = holds
    form = dict(parse_qsl(request.post_data))
    assert form["start"] == starts[2] and form["altcha"] and not form["altcha"].startswith("delay:")

    # the same solved payload once more, for another time: refused, nothing held, nothing spent
    replay = page.request.post(request.url, form={**form, "start": starts[3]})
    assert replay.status == 400
    assert "Diese Sicherheitsprüfung wurde schon verwendet" in replay.text()
    assert Appointment.objects.count() == 1 and UsedChallenge.objects.count() == 1


def test_a_time_clicked_after_the_proof_is_solved_is_held_at_once(page, pow_only):
    page.goto(times_page(factories.service()))
    page.wait_for_function(SOLVED)
    assert page.locator("altcha-widget label").inner_text() == "Sicherheitsprüfung abgeschlossen"
    with page.expect_navigation():
        page.locator("button[name=start]").first.click()
    assert "/reservierung/" in page.url
    assert Appointment.objects.count() == 1


def test_the_widget_starts_again_in_a_time_list_swapped_in_by_htmx(page, pow_only):
    service = factories.service()
    page.goto(times_page(service))
    page.wait_for_function(SOLVED)
    page.get_by_label("Tageszeit").select_option("evening")
    page.wait_for_url("**part=evening**")
    page.wait_for_function(
        "() => [...document.querySelectorAll('button[name=start]')].every((b) => b.value.slice(11, 13) >= '16')"
    )
    page.wait_for_function(SOLVED)  # the new <altcha-widget> solved a challenge of its own
    page.locator("button[name=start]").first.click()
    page.wait_for_url("**/reservierung/*/")
    assert Appointment.objects.get().start.astimezone(dt.UTC).hour >= 14  # an evening time (16:00 Berlin or later)


def test_the_waitlist_form_sent_with_enter_during_the_proof_is_sent_once_it_is_solved(page, pow_only):
    factories.office(slug="wl", services=[factories.service()])
    monday = factories.next_weekday(0, weeks_ahead=3)
    waiting = []
    page.route("**/api/antibot/challenge", lambda route: waiting.append(route))
    page.goto("/warteliste/")
    page.get_by_label("Personalausweis").check()
    page.get_by_label("frühestens am").fill(monday.isoformat())
    page.get_by_label("spätestens am").fill((monday + dt.timedelta(days=14)).isoformat())
    page.get_by_label("E-Mail").fill("mit-js@example.org")
    page.get_by_label("E-Mail").press("Enter")  # implicit submission while the challenge is still on its way
    assert "Sicherheitsprüfung läuft noch" in page.get_by_role("status").inner_text()
    assert_accessible(page, "waitlist, waiting for the proof")
    assert waiting and not WaitlistEntry.objects.exists()
    waiting[0].continue_()
    page.get_by_role("heading", name="Sie stehen auf der Warteliste").wait_for()
    assert WaitlistEntry.objects.get().email == "mit-js@example.org"
    assert not UsedChallenge.objects.get().signature.startswith("delay:")


def test_the_widget_speaks_english_on_an_english_page(page, pow_only):
    service = factories.service()
    url = times_page(service)
    page.goto("/")
    page.get_by_role("button", name="English").click()
    page.goto(url)
    page.wait_for_function(SOLVED)
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.locator("altcha-widget label").inner_text() == "Security check complete"
    assert_accessible(page, "times in English")


def test_without_the_widget_script_the_form_falls_back_to_the_delay_ticket(page, settings):
    settings.ANTIBOT_NOJS_DELAY_SECONDS = 0
    page.route("**/altcha.min.js", lambda route: route.abort())
    page.goto(times_page(factories.service()))
    page.locator("button[name=start]").first.click()
    page.wait_for_url("**/reservierung/*/")
    assert UsedChallenge.objects.get().signature.startswith("delay:")


def test_a_time_taken_meanwhile_shows_alternatives_that_are_held_with_a_fresh_proof(page, pow_only):
    service = factories.service()
    office = factories.office(services=[service], counters=1)
    page.goto(f"/termine/{office.slug}/?services={service.slug}&persons=1")
    page.wait_for_function(SOLVED)
    first = page.locator("button[name=start]").first
    start = dt.datetime.fromisoformat(first.get_attribute("value"))
    book(office, service.slug, start, now=timezone.now())  # someone else was faster
    with page.expect_navigation():
        first.click()
    assert "gerade vergeben" in page.locator(".kern-alert").inner_text()
    page.wait_for_function(SOLVED)  # the alternatives and the day list each carry a widget
    assert_accessible(page, "times, time taken, alternatives")
    page.locator("#alternatives ~ ul button[name=start]").first.click()
    page.wait_for_url("**/reservierung/*/")
    assert Appointment.objects.count() == 2 and UsedChallenge.objects.count() == 1
