"""The dashboard's combined filters in real Chromium: ownership ("all state-owned") and industry chosen in the form,
the figures read off the page equal a count made here over the rows (tests/reporting/tally_oracle.py's `applies`,
written out independently of the rules under test); the drill-down lists as many enterprises, with their status;
the map's labels are laid out not to overlap."""

from collections import Counter
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.utils import timezone

from enterprises.choices import Industry, Ownership
from enterprises.models import Enterprise
from measures.choices import TRACKED_ADDRESSEES, Status
from measures.lagging import LAGGING_DAYS
from measures.models import Measure, PolicyDocument, Progress
from reporting.rollup import rollup_full_now
from tests.e2e.waiting import wait_for_js
from tests.reporting.tally_oracle import applies

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STATE = {Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED}


def independent(document, industry) -> dict:
    """The state-owned enterprises of `industry` the document applies to, their measure records by status, and the
    lagging among them: counted row by row."""
    now = timezone.now()
    measures = list(Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES).select_related("scope"))
    every_measure = {m.pk: m for m in Measure.objects.select_related("scope")}
    chosen = [
        e
        for e in Enterprise.objects.filter(region__parent=document.province).select_related("region")
        if e.ownership in STATE and e.industry == industry and applies(document.scope, e)
    ]
    progress = {(p.enterprise_id, p.measure_id): p for p in Progress.objects.filter(enterprise__in=chosen)}
    records = Counter()
    lagging = 0
    for e in chosen:
        for m in measures:
            if applies(m.scope, e):
                p = progress.get((e.pk, m.pk))
                records["records"] += 1
                records[p.status if p else Status.NOT_STARTED] += 1
        mine = [p for (eid, mid), p in progress.items() if eid == e.pk and applies(every_measure[mid].scope, e)]
        if mine and (
            any(p.status == Status.NOT_STARTED for p in mine)
            or max(p.updated_at for p in mine) < now - timedelta(days=LAGGING_DAYS)
        ):
            lagging += 1
    return {"applicable": len(chosen), "lagging": lagging, **records}


def test_ownership_and_industry_combined_in_the_browser(login, portal):
    cache.clear()
    rollup_full_now()
    yn = PolicyDocument.objects.get(province__code="530000")
    # the industry with the most state-owned enterprises of Yunnan in the demo data
    industry = Counter(
        Enterprise.objects.filter(region__parent__code="530000", ownership__in=STATE).values_list("industry", flat=True)
    ).most_common(1)[0][0]
    expected = independent(yn, industry)
    assert expected["applicable"] > 0
    # given SASAC staff on the dashboard
    page = login("sasac-yn")
    page.click("text=统计看板")
    page.wait_for_selector("#dashboard-filters")
    # when they choose all state-owned enterprises and an industry together
    page.select_option("#id_ownership", "state")
    page.select_option("#id_industry", industry)
    page.click("#dashboard-filters button[type=submit]")
    page.wait_for_selector("#live-note")
    # then the figures on the page are those of the enterprises matching both
    applicable = page.locator("#headline [data-figure=applicable] .figure-value").inner_text().strip()
    assert int(applicable) == expected["applicable"]
    counts = {
        key: int(page.locator(f"#headline-counts [data-count={key}]").inner_text())
        for key in ("records", "not_started", "in_progress", "done", "ongoing")
    }
    assert counts == {key: expected.get(key, 0) for key in counts}
    assert int(page.locator("#lagging-count").inner_text()) == expected["lagging"]
    note = page.locator("#live-note").inner_text()
    assert "全部国有企业" in note and str(Industry(industry).label) in note
    # and the choice is kept in the form
    assert page.locator("#id_ownership").input_value() == "state"
    assert page.locator("#id_industry").input_value() == industry
    # the map's labels: short names, hidden where they would overlap
    wait_for_js(page, "document.querySelector('#chart-map').dataset.drawn === '1'")
    layout = page.evaluate(
        "() => echarts.getInstanceByDom(document.getElementById('chart-map')).getOption().series[0].labelLayout"
    )
    assert layout == {"hideOverlap": True}
    # a click on the figure lists as many enterprises, each with its measures done
    page.click("#headline [data-figure=applicable]")
    page.wait_for_selector("#drilldown-table")
    assert int(page.locator("#drilldown-count").get_attribute("data-count")) == expected["applicable"]
    rows = page.locator("#drilldown-table tbody tr")
    assert rows.count() == min(50, expected["applicable"])
    assert "/" in rows.first.locator(".standing-status").inner_text()
    assert page.console_errors == []
