"""Browser tests: Playwright driving Debian's Chromium against the live test server.

Each test gets a fresh database (transactional, so the live server sees it) with the regions,
the catalogue and the demo data, exactly as `make run` prepares it.
"""

import os

import pytest
from django.core.management import call_command

# Playwright's sync API runs an event loop in this thread; the ORM calls the tests make are still
# plain synchronous calls.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update"]
PASSWORD = "demo12345"


@pytest.fixture(scope="session")
def playwright_instance():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        yield p


@pytest.fixture(scope="session")
def browser(playwright_instance):
    if not os.path.exists(CHROMIUM):
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (make test does as root)")
    browser = playwright_instance.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def portal(transactional_db, live_server, settings):
    """The live server's URL, with the catalogue and demo data loaded."""
    settings.DEBUG = True
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    call_command("seed_demo", verbosity=0)
    return live_server.url


@pytest.fixture
def login(browser, portal):
    """login("officer-yn") → a logged-in Page in its own browser context; console errors collected. Options of the
    context (a phone's viewport, touch) may be given: login("officer-yn", viewport=…, is_mobile=True)."""
    contexts = []

    def _login(username: str, **context_options):
        context = browser.new_context(locale="zh-CN", timezone_id="Asia/Shanghai", **context_options)
        contexts.append(context)
        page = context.new_page()
        page.console_errors = []
        page.on("console", lambda msg: msg.type == "error" and page.console_errors.append(msg.text))
        page.on("pageerror", lambda exc: page.console_errors.append(str(exc)))
        page.goto(f"{portal}/login/")
        page.fill("input[name=username]", username)
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(f"{portal}/")
        return page

    yield _login
    for context in contexts:
        context.close()
