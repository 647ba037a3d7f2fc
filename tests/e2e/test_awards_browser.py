"""Award shortlists in a real browser (Playwright driving /usr/bin/chromium), issue 15 item 3's "done when":
sasac-yn creates an award round through the page; the shortlist's ranks and totals equal a computation made here
over the demo data (progress rows, indicator values, the self-assessments' trails, the open orders and the weights
file, read and counted in this file, not by reporting/awards/ranking.py); sasac-yn strikes one candidate with a
reason (shown), confirms others and exports the confirmed list (a browser download opened with openpyxl)."""

import json
from datetime import date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.models import Enterprise, Region
from measures.applicability import applicable_indicators, applicable_measures
from measures.models import IndicatorValue, Progress
from reform_portal import workdays
from reporting.assessments.models import Assessment, AssessmentTransition, ReportingPeriod
from reporting.awards.models import AwardCandidateDecision, AwardRound
from reporting.awards.weights import WEIGHTS_FILE
from reporting.supervision import lights
from reporting.supervision import services as order_services
from reporting.supervision.models import SupervisionOrder

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]
CENT = Decimal("0.01")
# how each comparison of an indicator meets its target, written out here (the portal's is measures/targets.py)
MEETS = {
    "gte": lambda value, target: target is not None and value >= target,
    "lte": lambda value, target: target is not None and value <= target,
    "eq": lambda value, target: target is not None and value == target,
    "true": lambda value, target: value >= 1,
}


def _at(day, hour):
    return timezone.make_aware(datetime.combine(day, time(hour)), timezone.get_current_timezone())


def _trail(period, enterprise, status, steps):
    assessment = Assessment.objects.create(period=period, enterprise=enterprise, status=status)
    for action, at in steps:
        AssessmentTransition.objects.create(
            assessment=assessment, action=action, from_status="", to_status="submitted", at=at
        )


def _record(year, province, sasac):
    """What the demo data lack for the round's facts: a period of the year with a past deadline, self-assessments
    first submitted on time, a working day late, and on time then resubmitted late; one overdue open order."""
    yunnan = list(Enterprise.objects.filter(region__parent=province).order_by("pk"))
    deadline = date(year, 6, 30)
    period = ReportingPeriod.objects.create(year=year, province=province, opens_on=date(year, 3, 1), deadline=deadline)
    due = period.due_date
    late = workdays.next_workday(due + timedelta(days=1))
    _trail(period, yunnan[0], "accepted", [("submit", _at(due, 22)), ("accept", _at(late, 10))])
    _trail(period, yunnan[1], "accepted", [("submit", _at(late, 9)), ("accept", _at(late, 15))])
    _trail(
        period,
        yunnan[2],
        "accepted",
        [("submit", _at(due, 9)), ("return", _at(due, 11)), ("submit", _at(late, 9)), ("accept", _at(late, 16))],
    )
    _trail(period, yunnan[3], "returned", [("submit", _at(due, 9)), ("return", _at(due, 11))])
    overdue = yunnan[4]
    order = order_services.order_issue(
        enterprises=[overdue],
        measures=list(applicable_measures(overdue)[:1]),
        request="请整改",
        due_date=lights.today() + timedelta(days=10),
        by=sasac,
    )[0]
    SupervisionOrder.objects.filter(pk=order.pk).update(due_date=lights.today() - timedelta(days=3))
    return period, order, [e.pk for e in yunnan[:4]]


def _expected(year, province, period, weights):
    """{prefecture code: [(enterprise id, total), …] by rank} and {excluded enterprise id: order numbers}, counted
    here from the rows."""
    cutoff = _at(period.due_date + timedelta(days=1), 0)
    today = lights.today()
    overdue = {}
    for order in SupervisionOrder.objects.all():
        if order.status != "closed" and order.due_date < today:
            overdue.setdefault(order.enterprise_id, []).append(order.number)
    rows, timely_ids = {}, set()
    for enterprise in Enterprise.objects.filter(region__parent=province).select_related("region"):
        measures = {m.pk for m in applicable_measures(enterprise)}
        if not measures:
            continue
        if enterprise.pk in overdue:
            continue
        progress = [p for p in Progress.objects.filter(enterprise=enterprise) if p.measure_id in measures]
        done = sum(1 for p in progress if p.status in ("done", "ongoing"))
        indicators = {i.pk: i for i in applicable_indicators(enterprise)}
        met = 0
        for v in IndicatorValue.objects.filter(enterprise=enterprise, year=year):
            i = indicators.get(v.indicator_id)
            if i is not None and v.value is not None and i.comparison in MEETS:
                met += bool(MEETS[i.comparison](v.value, i.target))
        submits = [
            t.at
            for t in AssessmentTransition.objects.filter(
                assessment__enterprise=enterprise, assessment__period=period, action="submit"
            )
        ]
        accepted = Assessment.objects.filter(enterprise=enterprise, period=period, status="accepted").exists()
        on_time = accepted and bool(submits) and min(submits) < cutoff
        if on_time:
            timely_ids.add(enterprise.pk)
        completion = Decimal(str(weights["completion"]["points"])) * done / len(progress) if progress else Decimal(0)
        indicator_points = Decimal(str(weights["indicators_met"]["points"])) * met
        if weights["indicators_met"].get("max") is not None:
            indicator_points = min(indicator_points, Decimal(str(weights["indicators_met"]["max"])))
        timely = Decimal(str(weights["assessment_on_time"]["points"])) if on_time else Decimal(0)
        total = sum((x.quantize(CENT, ROUND_HALF_UP) for x in (completion, indicator_points, timely)), Decimal("0.00"))
        rows.setdefault(enterprise.region.code, []).append((enterprise.pk, enterprise.name, total))
    ranked = {
        code: [(pk, total) for pk, _name, total in sorted(entries, key=lambda r: (-r[2], r[1], r[0]))]
        for code, entries in rows.items()
    }
    return ranked, overdue, timely_ids


def test_round_created_ranked_struck_confirmed_and_exported(login, portal, tmp_path):
    year = timezone.localdate().year
    province = Region.objects.get(code="530000")
    sasac_user = get_user_model().objects.get(username="sasac-yn")
    period, order, trails = _record(year, province, sasac_user)
    weights = json.loads(WEIGHTS_FILE.read_text(encoding="utf-8"))
    expected, overdue, timely = _expected(year, province, period, weights)
    assert len(expected) >= 2 and order.enterprise_id in overdue
    # on time: the first submission by the due date and an acceptance (also when resubmitted late after a return)
    assert timely == {trails[0], trails[2]}
    quota = {code: 2 for code in expected}

    # sasac-yn creates the round through the page
    page = login("sasac-yn")
    page.goto(f"{portal}/reporting/awards/")
    page.fill("#id_name", f"{year}年度五一劳动奖状推荐")
    page.fill("#id_year", str(year))
    page.fill("#id_level", "省级")
    page.select_option("#id_province", str(province.pk))
    page.fill("#id_quota", "\n".join(f"{code}: {n}" for code, n in quota.items()))
    page.locator("#award-round-form button[type=submit]").click()
    page.wait_for_selector("#award-prefectures")
    award_round = AwardRound.objects.get()
    assert award_round.quota == quota and award_round.weights == weights
    assert page.url.startswith(f"{portal}/reporting/awards/{award_round.pk}/")

    # each prefecture's ranks and totals equal the count above
    for code, candidates in sorted(expected.items()):
        page.click(f"#award-prefectures a[data-prefecture='{code}']")
        page.wait_for_selector(f"table.award-ranked[data-prefecture='{code}']")
        rows = page.locator(f"table.award-ranked[data-prefecture='{code}'] tbody tr")
        got = [
            (int(rows.nth(i).get_attribute("data-enterprise")), Decimal(rows.nth(i).locator("td.total").inner_text()))
            for i in range(rows.count())
        ]
        assert got == candidates, code
        ranks = [int(rows.nth(i).locator("td.rank").inner_text()) for i in range(rows.count())]
        assert ranks == list(range(1, len(candidates) + 1))
        proposed = [("建议推荐" in rows.nth(i).inner_text()) for i in range(rows.count())]
        assert proposed == [i < quota[code] for i in range(len(candidates))]
    # the enterprise with the overdue order is listed as excluded, its order named
    excluded_code = Enterprise.objects.get(pk=order.enterprise_id).region.code
    page.click(f"#award-prefectures a[data-prefecture='{excluded_code}']")
    page.wait_for_selector(f"table.award-ranked[data-prefecture='{excluded_code}']")
    assert order.number in page.inner_text(f"#award-excluded li[data-enterprise='{order.enterprise_id}']")

    # strike the first candidate of the first prefecture with a reason; confirm the next ones and the other's first
    first_code, second_code = sorted(expected)[:2]
    struck = expected[first_code][0][0]
    confirmed = [expected[first_code][1][0], expected[second_code][0][0]]
    page.click(f"#award-prefectures a[data-prefecture='{first_code}']")
    row = page.locator(f"tr[data-enterprise='{struck}']")
    row.get_by_role("button", name="剔除").click()  # no reason: refused next to the row
    page.wait_for_selector("text=剔除须说明理由")
    assert not AwardCandidateDecision.objects.exists()
    assert page.console_errors == ["Failed to load resource: the server responded with a status of 400 (Bad Request)"]
    page.console_errors.clear()  # the refused form's answer is a 400, as meant
    row = page.locator(f"tr[data-enterprise='{struck}']")
    row.locator("input[name=reason]").fill("近三年发生较大安全生产事故")
    row.get_by_role("button", name="剔除").click()
    page.wait_for_selector(f"tr[data-enterprise='{struck}'] .decision-reason")
    assert page.inner_text(f"tr[data-enterprise='{struck}'] .decision-reason") == "近三年发生较大安全生产事故"
    assert "剔除" in page.inner_text(f"tr[data-enterprise='{struck}'] .decision")
    for pk in confirmed:
        code = Enterprise.objects.get(pk=pk).region.code
        page.click(f"#award-prefectures a[data-prefecture='{code}']")
        page.locator(f"tr[data-enterprise='{pk}']").get_by_role("button", name="确认").click()
        page.wait_for_selector(f"tr[data-enterprise='{pk}'] .decision")
        assert "确认" in page.inner_text(f"tr[data-enterprise='{pk}'] .decision")

    # the confirmed list, downloaded through the browser
    with page.expect_download() as info:
        page.get_by_role("link", name="导出确认名单").click()
    path = tmp_path / "确认名单.xlsx"
    info.value.save_as(path)
    sheet = load_workbook(path).worksheets[0]
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:3] == (award_round.name, "省级", year)
    names = dict(Enterprise.objects.filter(pk__in=confirmed).values_list("pk", "name"))
    totals = {pk: total for cs in expected.values() for pk, total in cs}
    ranks = {pk: i for cs in expected.values() for i, (pk, _total) in enumerate(cs, start=1)}
    assert [(r[2], r[1], r[4]) for r in rows[2:]] == [(names[pk], ranks[pk], float(totals[pk])) for pk in confirmed]
    assert page.console_errors == []
