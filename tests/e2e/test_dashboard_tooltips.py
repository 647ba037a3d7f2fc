"""The dashboard's tooltips show a measure's title and a region's name as text: markup typed into the catalogue or
the register never runs in the browser of whoever hovers the chart."""

import pytest
from django.core.cache import cache

from enterprises.models import Region
from measures.models import Measure
from reporting.rollup import rollup_full_now
from tests.e2e.waiting import wait_for_js

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PAYLOAD = "<img src=x onerror=window.__xss=1>"


def _hover(page, chart_id: str, point: list) -> None:
    """Moves the mouse over `point` (data coordinates of the chart's first series), as a user would."""
    page.locator(f"#{chart_id}").scroll_into_view_if_needed()
    page.wait_for_timeout(600)  # Bootstrap scrolls smoothly
    x, y = page.evaluate(
        """([id, point]) => {
            const el = document.getElementById(id);
            const [px, py] = echarts.getInstanceByDom(el).convertToPixel({seriesIndex: 0}, point);
            const box = el.getBoundingClientRect();
            return [box.left + px, box.top + py];
        }""",
        [chart_id, point],
    )
    page.mouse.move(x, y)


def _tooltip_text(page, chart_id: str) -> str:
    wait_for_js(
        page,
        "(id) => [...document.querySelectorAll('#' + id + ' div')].some("
        "d => d.style.display !== 'none' && d.style.position === 'absolute' && d.textContent.includes('onerror'))",
        arg=chart_id,
    )
    return page.evaluate(
        "(id) => [...document.querySelectorAll('#' + id + ' div')].map(d => d.textContent)"
        ".filter(t => t.includes('onerror')).join('\\n')",
        chart_id,
    )


def test_the_heat_map_tooltip_shows_markup_as_text(login, portal):
    # given a measure title and a prefecture name that are markup, and figures for them
    measure = Measure.objects.filter(document__province__code="530000").order_by("position").first()
    Measure.objects.filter(pk=measure.pk).update(title=f"{PAYLOAD} 措施")
    Region.objects.filter(code="530100").update(name=f"{PAYLOAD} 市")
    cache.clear()
    rollup_full_now()
    page = login("sasac-yn")
    page.goto(f"{portal}/reporting/dashboard/?province=530000")
    page.wait_for_selector("#chart-heat canvas")
    page.wait_for_timeout(800)  # ECharts animates its first frame
    heat = page.evaluate("JSON.parse(document.getElementById('dashboard-data').textContent).heat")
    x = next(i for i, name in enumerate(heat["prefectures"]) if PAYLOAD in name)
    y = next(i for i, name in enumerate(heat["measures"]) if PAYLOAD in name)
    assert [x, y] in [cell[:2] for cell in heat["cells"]]
    # when the cell of that measure and prefecture is hovered
    _hover(page, "chart-heat", [x, y])
    text = _tooltip_text(page, "chart-heat")
    # then both show literally, and nothing ran
    assert f"{PAYLOAD} 措施" in text and f"{PAYLOAD} 市" in text
    assert page.locator("#chart-heat img").count() == 0
    page.wait_for_timeout(300)  # an <img src=x> would have failed to load and run its onerror by now
    assert page.evaluate("window.__xss") is None
    assert page.console_errors == []
