"""A campaign's bulk update in a real browser (Playwright driving /usr/bin/chromium): the list filtered →
批量更新筛选结果 → the measure, the status it must be in now and the new values → preview (count and names) →
confirm; then the enterprises' new status on their pages."""

import re

import pytest

from enterprises.models import Enterprise
from measures.choices import Status
from measures.models import Measure, Progress, ProgressEvent
from reform_portal.choices import ChangeSource

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("username", "region_label", "place", "current"),
    [
        # a prefecture's officer, filtering 昆明市, the enterprises still 未启动 on YN-04
        ("officer-yn", "昆明市", {"enterprise__region__code": "530100"}, Status.NOT_STARTED),
        # 官渡区's officer: the whole charge, whatever their status on YN-04 (a move back is explained by the note)
        ("officer-county", None, {"enterprise__county__code": "530111"}, ""),
    ],
)
def test_officer_bulk_updates_the_filtered_enterprises(login, portal, username, region_label, place, current):
    # an independent count: the demo's rows of YN-04 in the officer's place (in the status asked; YN-04 applies to
    # every enterprise of Yunnan)
    waiting = Progress.objects.filter(measure__code="YN-04", **place)
    if current:
        waiting = waiting.filter(status=current)
    expected = set(waiting.values_list("pk", flat=True))
    others = dict(Progress.objects.exclude(pk__in=expected).values_list("pk", "version"))
    assert expected
    page = login(username)

    page.goto(f"{portal}/enterprises/")
    if region_label:
        page.select_option("select[name=region]", label=region_label)
        page.get_by_role("button", name="筛选").click()
        page.wait_for_url(re.compile(r"region="))
    page.locator("#bulk-by-filter").click()
    page.wait_for_selector("#bulk-values")
    if region_label:
        assert region_label in page.locator("#bulk-filter").inner_text()

    page.select_option("select[name=bulk-measure]", str(Measure.objects.get(code="YN-04").pk))
    page.select_option("select[name=bulk-current]", current)
    page.select_option("select[name=bulk-status]", Status.IN_PROGRESS)
    page.fill("input[name=bulk-percent]", "30")
    page.fill("textarea[name=bulk-note]", "全市劳动竞赛已部署")
    page.get_by_role("button", name="预览").click()
    page.wait_for_selector("#bulk-preview")

    count = page.locator("#bulk-count").inner_text()
    assert f"符合条件的企业 {len(expected)} 家" in count and f"其中 {len(expected)} 家将被更新" in count
    names = page.locator("#bulk-sample li").all_inner_texts()
    waiting_names = sorted(Enterprise.objects.filter(progress__in=expected).values_list("name", flat=True))
    assert names == waiting_names[:20]

    page.get_by_role("button", name=f"确认更新 {len(expected)} 家企业").click()
    page.wait_for_url(re.compile(r"/enterprises/(\?|$)"))
    assert f"已将 YN-04 更新到 {len(expected)} 家企业" in page.locator("body").inner_text()

    # every one of them moved, by this officer, in the history as 批量; nothing else moved
    rows = Progress.objects.filter(pk__in=expected)
    assert {(r.status, r.percent, r.note) for r in rows} == {(Status.IN_PROGRESS, 30, "全市劳动竞赛已部署")}
    events = ProgressEvent.objects.filter(source=ChangeSource.BULK)
    assert set(events.values_list("pgh_obj_id", flat=True)) == expected
    assert set(events.values_list("changed_by__username", flat=True)) == {username}
    assert dict(Progress.objects.exclude(pk__in=expected).values_list("pk", "version")) == others

    # the enterprise's page shows the new status
    row = rows.select_related("enterprise").order_by("enterprise__name").first()
    page.goto(f"{portal}/enterprises/{row.enterprise_id}/")
    shown = page.locator(f"#progress-{row.pk}").inner_text()
    assert "推进中" in shown and "30%" in shown and "全市劳动竞赛已部署" in shown
    assert not page.console_errors
