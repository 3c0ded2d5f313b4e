import os

import pytest
from django.utils import translation
from hypothesis import settings as hypothesis_settings

from tests import factories

# No deadlines: on a shared 2-core machine a first example may take 400 ms; speed belongs in bench/, and a
# timing-based failure here would be a timing assertion in disguise.
hypothesis_settings.register_profile("buergerbuero", deadline=None)
hypothesis_settings.load_profile("buergerbuero")


def pytest_collection_modifyitems(config, items):
    """Tests marked `postgres` need PostgreSQL; on SQLite they are deselected, not silently passed."""
    on_postgres = os.environ.get("DATABASE_URL", "").startswith("postgres")
    if on_postgres:
        return
    kept = [item for item in items if "postgres" not in item.keywords]
    deselected = [item for item in items if "postgres" in item.keywords]
    if deselected:
        config.hook.pytest_deselected(items=deselected)
        items[:] = kept


@pytest.fixture(autouse=True)
def _cheap_proof_of_work(settings):
    """Tests solve real ALTCHA challenges (tests/antibot.py), at a difficulty of a few PBKDF2 rounds."""
    settings.ALTCHA_COST = 1
    settings.ALTCHA_MAX_COUNTER = 20


@pytest.fixture(autouse=True)
def _default_language_after_each_test():
    """A request in English (Accept-Language, language cookie) leaves English active in this thread: reset it."""
    yield
    translation.deactivate()


@pytest.fixture
def id_card(db):
    return factories.service()


@pytest.fixture
def small_office(db, id_card):
    return factories.office(services=[id_card])


CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium driven by Playwright (installed by .ci/run; Playwright's own download is not used)."""
    # Playwright's sync API runs an event loop in this thread; Django would refuse ORM calls from tests.
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import sync_playwright

    if not os.path.exists(CHROMIUM):
        pytest.fail(f"Chromium not found at {CHROMIUM}: install Debian's 'chromium' package (see .ci/run)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server):
    context = browser.new_context(locale="de-DE", timezone_id="Europe/Berlin", base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


@pytest.fixture(autouse=True)
def _force_login_includes_second_factor(monkeypatch):
    """`client.force_login(user)` stands for a complete staff sign-in: password and second factor (see
    tests/staff_login.py). The second factor is still required by the application; this marks the session as
    verified with a real TOTP device of the user. `staff_login.password_only` gives Django's bare force_login."""
    from django.test import Client

    from tests import staff_login

    def force_login(client, user, backend=None):
        staff_login.password_only(client, user)
        staff_login.mark_verified(client, user)

    monkeypatch.setattr(Client, "force_login", force_login)


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Tests roll the database back and reuse primary keys: cached availability must not survive a test."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def outbox_on_commit(settings):
    """Outbox rows are delivered right after their transaction commits, in the test's process (a test that
    wants the worker to deliver them turns this off)."""
    settings.OUTBOX_DELIVER_ON_COMMIT = True
