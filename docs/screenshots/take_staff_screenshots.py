"""Take the README screenshots of the staff side with Debian's Chromium against a running demo (`make run`).

make run   # the demo skips the TOTP code (BUERGERBUERO_DEMO_SKIP_2FA=1), so a password signs in
.venv/bin/python docs/screenshots/take_staff_screenshots.py http://127.0.0.1:8000

Signs in as the demo manager (`leitung`) and photographs the staff start page, the reception desk and the key
figures, each reached through its tile as a person would.
"""

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
OUT = Path(__file__).resolve().parent
# (tile, file, height of the picture): the key figures down to the lead-time chart.
SHOTS = [("reception", "7-staff-reception.png", 900), ("insights", "8-staff-key-figures.png", 1500)]

with sync_playwright() as p:
    # Headless Chromium draws the native date fields in US order whatever the page's language (a browser shows the
    # person's own format).
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"], headless=True)
    page = browser.new_page(viewport={"width": 1280, "height": 900}, locale="de-DE")
    page.goto(f"{BASE}/intern/anmelden/")
    page.fill("#id_username", "leitung")
    page.fill("#id_password", "demo-leitung")
    page.click("#sign-in")
    page.wait_for_url("**/intern/")
    page.screenshot(path=OUT / "6-staff-start.png", full_page=True)
    for key, name, height in SHOTS:
        page.goto(f"{BASE}/intern/")
        page.locator(f"#tiles li[data-tile={key}] a").first.click()
        page.wait_for_load_state("networkidle")
        page.screenshot(path=OUT / name, clip={"x": 0, "y": 0, "width": 1280, "height": height}, full_page=True)
    page.goto(f"{BASE}/intern/")
    page.click("#logout")
    browser.close()
