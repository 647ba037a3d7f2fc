"""A newcomer's first minutes, in a real browser: log in, see one's enterprises, browse the catalogue."""

import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_officer_logs_in_and_sees_enterprises_in_charge(login, portal):
    page = login("officer-yn")
    assert "我负责的企业" in page.content()
    rows = page.locator("table tbody tr")
    assert rows.count() > 0
    first = rows.first.locator("a").first
    name = first.inner_text()
    first.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text().startswith(name)
    assert "加强产业工人队伍党建工作" in page.content()
    # Assets all come from the portal itself and load cleanly.
    assert page.evaluate("getComputedStyle(document.body).fontFamily")
    assert page.console_errors == []


def test_enterprise_user_browses_the_catalogue(login, portal):
    page = login("enterprise-sx")
    page.click("text=政策措施")
    page.click("text=关于充分发挥国有企业在推进产业工人队伍建设改革中带动作用的实施意见")
    assert page.locator("article.card").count() == 18
    page.click("text=加强产业工人队伍党建工作")
    assert "SX-01" in page.content()
    assert page.console_errors == []


def test_static_assets_are_served_by_the_portal(login, portal):
    page = login("sasac-yn")
    external = page.evaluate(
        "[...document.querySelectorAll('link[href],script[src]')].map(e => e.href || e.src)"
        ".filter(u => !u.startsWith(location.origin))"
    )
    assert external == []
    # Bootstrap is really applied (a served stylesheet, not a missing file).
    assert page.evaluate("getComputedStyle(document.querySelector('.navbar')).display") == "flex"
