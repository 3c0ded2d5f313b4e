"""Issue 16 in Debian's Chromium: the start page's result gets the focus, filters survive a refused hold."""

import re
from pathlib import Path

import icalendar
import polib
import pytest
from django.test import Client
from playwright.sync_api import expect

from buergerbuero.booking.models import Appointment
from buergerbuero.capacity.models import OpeningRule
from buergerbuero.core.email_url import parse_email_url
from tests import factories
from tests.booking.test_web_browser import LINK, path_of, text_of, wait_for_mail
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
    # KERN scrolls smoothly: wait until the heading has arrived in the upper half (times out if it never does).
    page.wait_for_function(
        "() => { const top = document.getElementById('offices').getBoundingClientRect().top;"
        " return top >= 0 && top < window.innerHeight / 2; }"
    )
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


def german_ui_strings() -> list[str]:
    """Pieces of the German catalogue texts (between placeholders) that are long enough to be unmistakable."""
    po = polib.pofile(str(PO))
    pieces = set()
    for entry in po.translated_entries():
        for msgid in (entry.msgid, entry.msgid_plural):
            if not msgid or msgid == entry.msgstr:
                continue
            for piece in re.split(r"%\(\w+\)[sd]|%[sd]|\{\{[^}]*\}\}|<[^>]+>|\n", msgid):
                piece = piece.strip(" .,:;–-()„“\"'")
                if len(piece) >= 14 and " " in piece and piece not in ENGLISH_TOO:
                    pieces.add(piece)
    return sorted(pieces)


PO = Path(__file__).resolve().parents[2] / "src/buergerbuero/locale/en/LC_MESSAGES/django.po"
ENGLISH_TOO: set[str] = set()


def german_in(text: str, strings: list[str]) -> list[str]:
    return [s for s in strings if s in text]


@pytest.fixture
def mail_folder(settings, tmp_path):
    settings.MAILERS = {"default": parse_email_url(f"file://{tmp_path / 'mail'}")}
    return tmp_path / "mail"


def test_a_complete_english_booking_shows_no_german_ui_text(browser, live_server, mail_folder):
    _office, service = evening_office()
    service.name_en = "Apply for an ID card"
    service.fee_note_en = "from the age of 24"
    service.required_documents_en = "Old ID card\nBiometric photo (digital)"
    service.save()
    OpeningRule.objects.filter(label="Serviceabend").update(label_en="Service evening")
    german = german_ui_strings()
    assert german_in("Bitte wählen Sie eine Zeit. Freie Termine anzeigen", german) == ["Freie Termine anzeigen"]

    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", base_url=live_server.url)
    page = context.new_page()
    seen = []

    def check(label: str):
        text = page.locator("body").inner_text()
        seen.append((label, german_in(text, german)))

    try:
        page.goto("/")
        page.get_by_role("button", name="English").click()
        page.wait_for_function("() => document.documentElement.lang === 'en'")
        page.get_by_label("Apply for an ID card").check()
        page.locator("details summary").first.click()
        assert "from the age of 24" in page.locator(".fee").first.inner_text()
        assert "Old ID card" in page.locator("details").first.inner_text()
        check("start")
        page.get_by_role("button", name="Show free appointments").click()
        expect(page.locator(".earliest")).to_contain_text("Service evening")
        check("start with result")
        page.get_by_role("link", name="All free times").click()
        check("times")
        page.locator("button[name=start]").first.click()
        page.wait_for_url("**/reservierung/*/")
        check("contact")
        page.get_by_role("button", name="Next").click()
        check("contact with errors")
        page.get_by_label("First and last name").fill("Erika Mustermann")
        page.get_by_label("E-mail address", exact=True).fill("erika@example.org")
        page.locator("input[name=consent]").check()
        page.get_by_role("button", name="Next").click()
        check("e-mail sent")
        opt_in_mail = wait_for_mail(mail_folder, "Please confirm", page)
        page.goto(path_of(next(u for u in LINK.findall(text_of(opt_in_mail)) if "/bestaetigen/" in u)))
        check("opt-in")
        page.locator("form button[type=submit]").last.click()
        page.wait_for_url("**/meine-buchung/**")
        check("manage")
        appointment = Appointment.objects.get(email="erika@example.org")
        assert appointment.language == "en"
        confirmation = wait_for_mail(mail_folder, "is confirmed", page)
        for message, label in ((opt_in_mail, "opt-in mail"), (confirmation, "confirmation mail")):
            seen.append((label, german_in(str(message["subject"]) + "\n" + text_of(message), german)))
            html = message.get_body(preferencelist=("html",)).get_content()
            seen.append((label + " (html)", german_in(re.sub(r"<[^>]+>", " ", html), german)))
        ics_part = next(p for p in confirmation.iter_attachments() if p.get_content_type() == "text/calendar")
        event = icalendar.Calendar.from_ical(ics_part.get_content()).walk("VEVENT")[0]
        ics_text = f"{event['summary']}\n{event['description']}"
        assert "Old ID card" in ics_text
        seen.append((".ics", german_in(ics_text, german)))
        # The .ics downloaded from a German page is still the booking's English one.
        german_client = Client(HTTP_ACCEPT_LANGUAGE="de")
        manage = path_of(page.url.split("?")[0])
        downloaded = german_client.get(manage + "termin.ics").content.decode()
        assert "Old ID card" in downloaded, downloaded
    finally:
        context.close()
    assert [(label, found) for label, found in seen if found] == []
