"""Take the README screenshots with Debian's Chromium against a running demo (`make run`).

OUTBOX_DELIVER_ON_COMMIT=true make run   # mails at once, into var/mail/
.venv/bin/python docs/screenshots/take_screenshots.py http://127.0.0.1:8000
"""

import email
import email.policy
import re
import sys
import time
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent
MAIL = Path(__file__).resolve().parents[2] / "var" / "mail"


def newest_link(fragment: str, after: float) -> str:
    for _ in range(100):
        for path in sorted(MAIL.glob("*.log"), key=lambda p: p.stat().st_mtime, reverse=True):
            if path.stat().st_mtime >= after:
                urls = []
                for chunk in path.read_bytes().split(b"\n" + b"-" * 79 + b"\n"):
                    if not chunk.strip():
                        continue
                    message = email.message_from_bytes(chunk.lstrip(), policy=email.policy.default)
                    text = message.get_body(preferencelist=("plain",)).get_content()
                    urls += re.findall(r"https?://[^\s\"<>]+", text)
                for url in urls:
                    if fragment in url:
                        return re.sub(r"^https?://[^/]+", BASE, url)
        time.sleep(0.1)
    raise SystemExit(f"no mail with {fragment} in {MAIL}")


with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
    page = browser.new_page(viewport={"width": 1100, "height": 900}, locale="de-DE")
    page.goto(f"{BASE}/?services=personalausweis&persons=1")
    page.screenshot(path=OUT / "1-start.png", full_page=True)
    page.get_by_role("link", name="Alle freien Zeiten").first.click()
    page.get_by_label("Tageszeit").select_option("evening")
    page.get_by_role("button", name="Zeiten anzeigen").click()
    page.wait_for_url("**part=evening**")
    page.wait_for_function(
        "[...document.querySelectorAll('button[name=start]')].every(b => b.value.slice(11, 13) >= '16')"
    )
    page.wait_for_function(  # the ALTCHA widget has solved its proof-of-work (it starts when the list loads)
        "[...document.querySelectorAll('altcha-widget')].every(w => w.getState && w.getState() === 'verified')"
    )
    page.screenshot(path=OUT / "2-times.png")
    page.locator("button[name=start]").first.click()
    page.get_by_label("Vor- und Nachname").fill("Erika Mustermann")
    page.get_by_label("E-Mail-Adresse", exact=True).fill("erika@gmial.com")
    page.get_by_role("button", name="Weiter").click()
    page.screenshot(path=OUT / "3-contact-errors.png", full_page=True)
    page.get_by_label("E-Mail-Adresse", exact=True).fill(f"erika.mustermann+{int(time.time())}@example.org")
    page.get_by_label("Ich bin einverstanden").check()
    started = time.time() - 1
    page.get_by_role("button", name="Weiter").click()
    page.goto(newest_link("/bestaetigen/", started))
    page.get_by_role("button", name="Termin verbindlich buchen").click()
    page.screenshot(path=OUT / "4-confirmed.png", full_page=True)
    mobile = browser.new_page(viewport={"width": 390, "height": 844}, locale="de-DE", device_scale_factor=1)
    mobile.goto(f"{BASE}/termine/castrop-rauxel/?services=personalausweis&persons=1")
    mobile.screenshot(path=OUT / "5-times-mobile.png")
    browser.close()
