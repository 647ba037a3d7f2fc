"""The Content-Security-Policy in real Chromium: the main pages, the dashboard's charts and map, the account pages
and Swagger UI run with no violation; the handlers moved out of the templates (static/portal/behaviour.js) work.
Logged in as the DEBUG demo's accounts with the production second-factor roles: the demo exemption lets the
README's documented password in."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from reporting.rollup import rollup_full_now
from tests.e2e.waiting import wait_for_js

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LISTEN = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  const where = e.sourceFile + ':' + e.lineNumber;
  window.__cspViolations.push(e.violatedDirective + ' ' + (e.blockedURI || 'inline') + ' ' + where);
});
"""


def _visit(page, url: str) -> list[str]:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    return page.evaluate("window.__cspViolations")


@pytest.fixture
def csp_login(login, settings, portal):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin", "sasac"]  # production: the demo is exempt as DEBUG is on
    cache.clear()
    rollup_full_now(day=timezone.localdate() - timedelta(days=1))
    rollup_full_now(day=timezone.localdate())

    def _login(username):
        page = login(username)
        page.context.add_init_script(LISTEN)
        page.csp_console = []
        page.on(
            "console",
            lambda msg: "Content Security Policy" in msg.text and page.csp_console.append(msg.text),
        )
        return page

    return _login


def test_the_pages_pass_the_policy(csp_login, portal):
    page = csp_login("sasac-yn")
    violations = {}
    for path in ("/", "/catalogue/", "/enterprises/", "/reporting/dashboard/", "/account/otp/", "/account/tokens/"):
        found = _visit(page, portal + path)
        if found:
            violations[path] = found
    # the dashboard's charts and map are drawn under the policy
    page.goto(portal + "/reporting/dashboard/")
    wait_for_js(page, "document.querySelector('#chart-map canvas') !== null")
    docs = _visit(page, portal + "/api/docs/")
    page.wait_for_selector(".swagger-ui .opblock", timeout=20000)
    if docs:
        violations["/api/docs/"] = docs
    assert not violations, violations
    assert not page.csp_console, page.csp_console


def test_the_moved_handlers_work(csp_login, portal):
    page = csp_login("officer-yn")
    assert not _visit(page, portal + "/enterprises/")
    page.click("#select-all")
    boxes = page.eval_on_selector_all("input[name=enterprises]", "els => els.map(e => e.checked)")
    assert boxes and all(boxes)
    with page.expect_navigation():
        page.select_option("select[name=language]", "en")
    assert page.evaluate("document.documentElement.lang") == "en"
    assert not page.evaluate("window.__cspViolations")
    assert not page.csp_console, page.csp_console
    # and the listener does hear a violation: an inline script is refused
    page.evaluate(
        "() => { const s = document.createElement('script'); s.textContent = 'window.x = 1'; document.body.append(s); }"
    )
    wait_for_js(page, "window.__cspViolations.length > 0")
    assert page.evaluate("window.x") is None
