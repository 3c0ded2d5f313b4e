"""The citizen pages in Debian's Chromium: axe-core on every public page, keyboard-only booking, the whole flow
including the confirmation e-mail read from the mail folder and its .ics parsed by `icalendar`."""

import datetime as dt
import email
import email.policy
import re
from pathlib import Path

import icalendar
import pytest
from playwright.sync_api import expect

from buergerbuero.booking.models import Appointment
from buergerbuero.core.email_url import parse_email_url
from tests import factories
from tests.booking.webflow import (
    LINK,
    evening_office,
    no_wait_for_the_no_js_ticket,  # noqa: F401 (autouse fixture)
    times_url,
)

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

AXE = Path(__file__).resolve().parents[2] / "frontend" / "node_modules" / "axe-core" / "axe.min.js"
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]


def axe_violations(page) -> list[dict]:
    if not AXE.exists():
        pytest.fail(f"axe-core missing at {AXE}: run `make frontend` (scripts/build-frontend)")
    # Evaluated through the DevTools protocol: our Content-Security-Policy rightly refuses an injected <script>.
    page.evaluate(AXE.read_text())
    violations = page.evaluate(
        "async (tags) => (await axe.run(document, {runOnly: {type: 'tag', values: tags}})).violations",
        AXE_TAGS,
    )
    return [{"id": v["id"], "impact": v["impact"], "nodes": [n["target"] for n in v["nodes"]][:5]} for v in violations]


def assert_accessible(page, label: str):
    violations = axe_violations(page)
    assert violations == [], f"{label} ({page.url}): {violations}"


def wait_for_proof(page):
    """Until every ALTCHA widget on the page has solved its challenge (it starts on page load)."""
    page.wait_for_function(
        "() => [...document.querySelectorAll('altcha-widget')].every((w) => w.getState && w.getState() === 'verified')"
    )


def read_mails(folder: Path) -> list[email.message.EmailMessage]:
    """Messages in the mail folder (core/mailfolder.py: one .eml file per Message-ID), oldest first."""
    out = []
    for path in sorted(folder.glob("*.eml"), key=lambda p: p.stat().st_mtime):
        out.append(email.message_from_bytes(path.read_bytes(), policy=email.policy.default))
    return out


def text_of(message) -> str:
    return message.get_body(preferencelist=("plain",)).get_content()


@pytest.fixture
def mail_folder(settings, tmp_path):
    """The default of `make run`: one file per mail in a folder (EMAIL_URL=file://…)."""
    settings.MAILERS = {"default": parse_email_url(f"file://{tmp_path / 'mail'}")}
    return tmp_path / "mail"


def wait_for_mail(folder: Path, subject_part: str, page) -> email.message.EmailMessage:
    for _ in range(50):
        for message in reversed(read_mails(folder)) if folder.exists() else []:
            if subject_part in message["subject"]:
                return message
        page.wait_for_timeout(100)
    raise AssertionError(f"no mail with {subject_part!r} in {folder}")


def path_of(url: str) -> str:
    return re.sub(r"^https?://[^/]+", "", url)


def test_every_public_page_has_no_axe_violations(page, mail_folder):
    office, service = evening_office()
    office.reference_service = service
    office.save()
    page.goto("/")
    assert_accessible(page, "start")
    page.goto(f"/?services={service.slug}&persons=2")
    assert_accessible(page, "start with choice")
    page.goto(times_url(office, service))
    assert_accessible(page, "times")  # the ALTCHA widget is still solving
    wait_for_proof(page)
    assert_accessible(page, "times with a solved proof")
    page.goto(times_url(office, service, part="morning"))  # no times: the info message
    assert_accessible(page, "times without result")
    page.goto(times_url(office, service, day="morgen"))
    assert_accessible(page, "times with a bad date")
    page.goto(times_url(office, service))
    page.locator("button[name=start]").first.click()
    page.wait_for_url("**/reservierung/*/")  # the click may wait for the proof-of-work first
    assert_accessible(page, "contact")
    page.get_by_role("button", name="Weiter").click()  # empty form: messages beside the fields
    expect(page.locator(".kern-error").nth(2)).to_be_visible()
    assert_accessible(page, "contact with errors")
    page.get_by_label("Vor- und Nachname").fill("Erika Mustermann")
    page.get_by_label("E-Mail-Adresse", exact=True).fill("erika@gmial.com")
    page.get_by_label("Ich bin einverstanden").check()
    page.get_by_role("button", name="Weiter").click()
    assert_accessible(page, "contact with e-mail suggestion")
    page.get_by_label("E-Mail-Adresse", exact=True).fill("erika@example.org")
    page.get_by_role("button", name="Weiter").click()
    assert_accessible(page, "e-mail sent")
    opt_in = path_of(
        next(u for u in LINK.findall(text_of(wait_for_mail(mail_folder, "bestätigen", page))) if "/bestaetigen/" in u)
    )
    page.goto(opt_in)
    assert_accessible(page, "opt-in")
    page.get_by_role("button", name="Termin verbindlich buchen").click()
    assert_accessible(page, "manage (new)")
    manage = page.url.split("?")[0]
    page.goto(manage + "verschieben/")
    assert_accessible(page, "reschedule")
    page.locator("button[name=start]").last.click()
    assert_accessible(page, "reschedule confirm")
    page.goto(manage + "absagen/")
    assert_accessible(page, "cancel")
    page.get_by_role("button", name="Ja, Termin absagen").click()
    assert_accessible(page, "manage (cancelled)")
    for url in (
        "/meine-buchung/",
        "/meine-buchung/kaputt/",
        "/info/impressum/",
        "/info/datenschutz/",
        "/info/barrierefreiheit/",
        "/gibt-es-nicht/",  # the error page (core/error_views.py)
    ):
        page.goto(url)
        assert_accessible(page, url)
    page.goto("/")
    page.get_by_role("button", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert_accessible(page, "start in English")
    page.goto("/gibt-es-nicht/")
    assert "Page not found" in page.locator("h1").inner_text()
    assert_accessible(page, "error page in English")


def test_booking_with_the_keyboard_alone(page, mail_folder):
    _office, service = evening_office()
    page.goto("/")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent").strip() == "Zum Inhalt springen"
    page.keyboard.press("Enter")

    def tab_to(predicate_js: str, limit: int = 60):
        for _ in range(limit):
            page.keyboard.press("Tab")
            if page.evaluate(f"(() => {{ const el = document.activeElement; return {predicate_js}; }})()"):
                return
        raise AssertionError(f"never reached focus on {predicate_js}")

    def enter_and_wait():
        with page.expect_navigation():
            page.keyboard.press("Enter")

    tab_to(f"el.name === 'services' && el.value === '{service.slug}'")
    page.keyboard.press("Space")
    tab_to("el.type === 'submit' && el.textContent.includes('Freie Termine anzeigen')")
    enter_and_wait()
    tab_to("el.textContent.includes('Alle freien Zeiten')")
    enter_and_wait()
    tab_to("el.name === 'start'", limit=120)
    chosen = dt.datetime.fromisoformat(page.evaluate("document.activeElement.value"))
    enter_and_wait()
    assert "/reservierung/" in page.url
    tab_to("el.name === 'name'", limit=80)
    page.keyboard.type("Erika Mustermann")
    page.keyboard.press("Tab")
    page.keyboard.type("erika@example.org")
    tab_to("el.name === 'consent'")
    page.keyboard.press("Space")
    tab_to("el.type === 'submit'")
    enter_and_wait()
    assert page.url.endswith("/e-mail-gesendet/")
    mail = wait_for_mail(mail_folder, "bestätigen", page)
    page.goto(path_of(next(u for u in LINK.findall(text_of(mail)) if "/bestaetigen/" in u)))
    tab_to("el.type === 'submit' && el.textContent.includes('verbindlich')")
    enter_and_wait()
    assert "/meine-buchung/" in page.url
    appointment = Appointment.objects.get(email="erika@example.org")
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.start == chosen


def test_whole_flow_with_the_e_mail_link_and_the_ics_file(page, mail_folder):
    _office, service = evening_office()
    page.goto("/")
    page.get_by_label(service.name_de).check()
    page.get_by_role("button", name="Freie Termine anzeigen").click()
    expect(page.locator(".earliest")).to_contain_text("Serviceabend")
    page.get_by_role("link", name="Alle freien Zeiten").click()
    first_day = page.locator(".day h3").first.inner_text()
    page.get_by_label("Tageszeit").select_option("evening")
    page.get_by_role("button", name="Zeiten anzeigen").click()
    page.wait_for_url("**part=evening**")  # htmx swaps the list in place and pushes the filtered URL
    page.wait_for_function(
        "() => [...document.querySelectorAll('button[name=start]')].every((b) => b.value.slice(11, 13) >= '16')"
    )
    page.locator("button[name=start]").first.click()
    page.get_by_label("Vor- und Nachname").fill("Erika Mustermann")
    page.get_by_label("E-Mail-Adresse", exact=True).fill("erika@example.org")
    page.get_by_label("Ich bin einverstanden").check()
    page.get_by_role("button", name="Weiter").click()
    expect(page.locator("h1")).to_contain_text("Fast geschafft")

    opt_in_mail = wait_for_mail(mail_folder, "bestätigen", page)
    assert opt_in_mail["to"] == "erika@example.org"
    link = next(u for u in LINK.findall(text_of(opt_in_mail)) if "/bestaetigen/" in u)
    page.goto(path_of(link))
    page.get_by_role("button", name="Termin verbindlich buchen").click()
    appointment = Appointment.objects.get(email="erika@example.org")
    assert appointment.status == Appointment.Status.CONFIRMED
    assert appointment.code in page.locator(".code").inner_text()
    assert page.locator(".qr svg").count() == 1
    assert first_day  # the list started with a day that has times

    confirmation = wait_for_mail(mail_folder, "bestätigt", page)
    assert appointment.code in text_of(confirmation)
    ics_part = next(p for p in confirmation.iter_attachments() if p.get_content_type() == "text/calendar")
    cal = icalendar.Calendar.from_ical(ics_part.get_content())
    assert str(cal["method"]) == "REQUEST"
    assert [str(tz["tzid"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Berlin"]
    (event,) = cal.walk("VEVENT")
    assert event.decoded("dtstart") == appointment.start
    assert str(event["uid"]) == f"{appointment.public_id}@buergerbuero"

    cancel = next(u for u in LINK.findall(text_of(confirmation)) if "/absagen/" in u)
    page.goto(path_of(cancel))
    page.get_by_role("button", name="Ja, Termin absagen").click()
    expect(page.locator("h1")).to_contain_text("abgesagt")
    cancel_mail = wait_for_mail(mail_folder, "abgesagt", page)
    ics_part = next(p for p in cancel_mail.iter_attachments() if p.get_content_type() == "text/calendar")
    cal = icalendar.Calendar.from_ical(ics_part.get_content())
    assert str(cal["method"]) == "CANCEL"
    assert str(cal.walk("VEVENT")[0]["uid"]) == f"{appointment.public_id}@buergerbuero"
    assert int(cal.walk("VEVENT")[0]["sequence"]) == 1


def test_the_booking_works_without_javascript(browser, live_server, mail_folder):
    service = evening_office()[1]
    mixed = factories.office(slug="mixed", services=[service])  # mornings and a Thursday evening
    context = browser.new_context(java_script_enabled=False, locale="de-DE", base_url=live_server.url)
    page = context.new_page()
    try:
        page.goto(f"/termine/{mixed.slug}/?services={service.slug}&persons=1")
        page.get_by_label("Tageszeit").select_option("evening")
        page.get_by_role("button", name="Zeiten anzeigen").click()
        assert "part=evening" in page.url
        values = page.locator("button[name=start]").evaluate_all("(els) => els.map((e) => e.value)")
        assert values and all(v[11:13] >= "16" for v in values)
        page.locator("button[name=start]").first.click()
        page.get_by_label("Vor- und Nachname").fill("Erika Mustermann")
        page.get_by_label("E-Mail-Adresse", exact=True).fill("erika@example.org")
        page.get_by_label("Ich bin einverstanden").check()
        page.get_by_role("button", name="Weiter").click()
        mail = wait_for_mail(mail_folder, "bestätigen", page)
        page.goto(path_of(next(u for u in LINK.findall(text_of(mail)) if "/bestaetigen/" in u)))
        page.get_by_role("button", name="Termin verbindlich buchen").click()
        expect(page.locator("h1")).to_contain_text("Ihr Termin ist gebucht")
    finally:
        context.close()


STRIP_KERN = """() => {
    document.querySelectorAll('link[href*="kern"]').forEach((el) => el.remove());
    document.body.classList.replace('with-kern', 'no-kern');
}"""


def test_the_plain_fallback_stylesheet_without_kern_is_accessible_too(page):
    """Where npm is unavailable the pages use only core/site.css; the same axe rules must hold."""
    office, service = evening_office()
    for url in ("/", f"/?services={service.slug}&persons=1", times_url(office, service), "/meine-buchung/"):
        page.goto(url)
        page.evaluate(STRIP_KERN)
        assert_accessible(page, f"{url} without KERN")
    page.goto(times_url(office, service))
    page.locator("button[name=start]").first.click()
    page.wait_for_url("**/reservierung/*/")
    page.get_by_role("button", name="Weiter").click()
    page.evaluate(STRIP_KERN)
    assert_accessible(page, "contact with errors without KERN")
