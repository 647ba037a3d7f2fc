"""The SASAC dashboard in real Chromium: figures, map and charts drawn, nothing broken; refused to enterprises."""

from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from reporting.rollup import rollup_full_now
from tests.e2e.waiting import wait_for_js

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _drawn(page, selector: str) -> bool:
    """True when the chart's canvas has non-blank pixels."""
    return page.evaluate(
        """(sel) => {
            const c = document.querySelector(sel + ' canvas');
            if (!c || !c.width || !c.height) return false;
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            for (let i = 3; i < d.length; i += 4) { if (d[i] !== 0) return true; }
            return false;
        }""",
        selector,
    )


@pytest.fixture
def rolled(portal):
    cache.clear()
    today = timezone.localdate()
    rollup_full_now(day=today - timedelta(days=1))  # a second day, so the trend has a line
    rollup_full_now(day=today)
    return portal


def test_sasac_sees_the_dashboard_drawn(login, rolled):
    # given
    page = login("sasac-yn")
    # when
    page.click("text=统计看板")
    page.wait_for_selector("#headline")
    wait_for_js(page, "document.querySelector('#chart-map').dataset.drawn === '1'")
    page.wait_for_timeout(800)  # ECharts animates its first frame
    # then figures with their "as of", and each chart drawn on its canvas
    assert "云南省产改推进统计看板" in page.content()
    assert "截至" in page.locator("#as-of").inner_text()
    assert page.locator("#headline .figure-card").count() == 6
    for chart in ("#chart-measures", "#chart-map", "#chart-trend", "#chart-heat"):
        assert _drawn(page, chart), chart
    assert page.locator("#lagging-table tbody tr").count() > 0
    assert page.console_errors == []
    # a click on a figure explains it and lists the enterprises behind it
    page.click("#headline [data-figure=lagging]")
    page.wait_for_selector("#figure-explanation")
    assert "未启动" in page.locator("#figure-explanation").inner_text()
    assert page.locator("#drilldown-table tbody tr a").count() > 0
    # and a lagging enterprise's link leads to its page
    page.go_back()
    link = page.locator("#lagging-table tbody tr a").first
    name = link.inner_text()
    link.click()
    page.wait_for_selector("h1")
    assert page.locator("h1").inner_text().startswith(name)
    assert page.console_errors == []


def test_enterprise_users_are_refused(login, rolled):
    page = login("enterprise-yn")
    assert page.locator("text=统计看板").count() == 0
    response = page.goto(f"{rolled}/reporting/dashboard/")
    assert response.status == 403
