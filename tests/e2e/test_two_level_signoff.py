"""Two levels of review in real Chromium (issue 14, item 4): SASAC staff set the period to two levels on the periods
page; the enterprise submits; the Kunming officer (first level) corrects and forwards; the province union's officer
returns it to the first level with a reason on a measure; the Kunming officer forwards again; the province accepts.
The trail shows each level and the working days each took."""

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from enterprises.models import Region
from measures.models import Progress
from reporting.assessments import services
from reporting.assessments.models import Assessment, ReportingPeriod
from tests.factories import make_officer
from tests.reporting.assessments.conftest import fill_complete

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def period(portal):
    call_command("seed_assessment_demo", verbosity=0)
    return ReportingPeriod.objects.get(province__code="530000", year=timezone.localdate().year)


def status_is(page, text):
    page.wait_for_selector(f"[data-testid=assessment-status]:has-text('{text}')")


def test_two_level_signoff_end_to_end(login, portal, period):
    make_officer("officer-yn-province", regions=[Region.objects.get(code="530000")])
    # SASAC staff of Yunnan set the period to two levels on the periods page
    sasac = login("sasac-yn")
    sasac.goto(f"{portal}/reporting/assessments/periods/")
    row = sasac.locator(f"#period-{period.pk}")
    row.locator("select[name=review_levels]").select_option("2")
    row.locator("button[type=submit]").click()
    sasac.wait_for_selector(f"#period-{period.pk} .review-levels:has-text('两级审核')")
    period.refresh_from_db()
    assert period.review_levels == 2

    # the enterprise has filled its form in and submits it
    user = get_user_model().objects.get(username="enterprise-yn")
    enterprise = user.profile.enterprise
    assessment = Assessment.objects.filter(period=period, enterprise=enterprise).first()
    if assessment is None or assessment.status != "draft":
        Assessment.objects.filter(period=period, enterprise=enterprise).delete()
        assessment = services.assessment_start(period=period, enterprise=enterprise, by=user)
    fill_complete(assessment, user)
    page = login("enterprise-yn")
    page.goto(f"{portal}/reporting/assessments/{assessment.pk}/")
    page.click("#submit-assessment")
    status_is(page, "已提交")
    detail = f"{portal}/reporting/assessments/{assessment.pk}/"

    # the Kunming officer (first level) corrects a percent and forwards; it may not accept
    first = login("officer-yn")
    first.goto(detail)
    first.wait_for_selector("#forward-form")
    assert first.locator("#accept-form").count() == 0
    percent = first.locator("input[name='review-YN-03-verified_percent']")
    percent.fill("30")
    percent.blur()
    first.locator("#saved-review-YN-03").filter(has_text="已保存").wait_for(timeout=10_000)
    first.fill("#forward-comment", "初审已核实")
    first.click("#forward-form button[type=submit]")
    status_is(first, "已初审")
    assert first.locator("#forward-form").count() == 0 and first.locator(".review-form").count() == 0

    # the province union's officer returns it to the first level with a reason on YN-03
    province = login("officer-yn-province")
    province.goto(detail)
    province.wait_for_selector("#return-to-reviewer-form")
    assert province.locator("#accept-form").count() == 1 and province.locator(".review-form").count() == 0
    # without a reason it is refused next to the button
    province.click("#return-to-reviewer-form button[type=submit]")
    province.wait_for_selector("#return-to-reviewer-error")
    province.fill("#reason-YN-03", "30% 与佐证不符，请再核实")
    province.click("#return-to-reviewer-form button[type=submit]")
    status_is(province, "已提交")

    # the first level sees the reason under the measure, and forwards again
    first.goto(detail)
    assert "30% 与佐证不符" in first.locator("#item-YN-03 .reviewer-reason").inner_text()
    assert first.locator("#reviewer-return").count() == 1
    percent = first.locator("input[name='review-YN-03-verified_percent']")
    percent.fill("35")
    percent.blur()
    first.locator("#saved-review-YN-03").filter(has_text="已保存").wait_for(timeout=10_000)
    first.click("#forward-form button[type=submit]")
    status_is(first, "已初审")

    # the province accepts: the verified values go into the progress
    province.goto(detail)
    province.click("#accept-form button[type=submit]")
    status_is(province, "已通过")
    assert Progress.objects.get(enterprise=enterprise, measure__code="YN-03").percent == 35
    # the trail shows each level's steps and the time each level took
    trail = province.locator("#trail").inner_text()
    for step in ("初审通过并上报", "退回初审", "通过", "复审（省级工会）"):
        assert step in trail
    times = province.locator("#level-times").inner_text()
    assert "初审（县级、州市级工会）用时" in times and "复审（省级工会）用时" in times and "个工作日" in times
    assessment.refresh_from_db()
    assert list(assessment.transitions.values_list("action", "level"))[-5:] == [
        ("submit", None),
        ("forward", 1),
        ("return_to_reviewer", 2),
        ("forward", 1),
        ("accept", 2),
    ]
    for p in (sasac, page, first):
        assert p.console_errors == []
    # the province's one refused return (a 400 page, by design) is its only console error
    assert [e for e in province.console_errors if "400 (Bad Request)" not in e] == []
    assert len(province.console_errors) <= 1
