"""The whole self-assessment cycle in real Chromium: fill part, leave, come back, submit incomplete,
complete, submit; the officer returns; the enterprise resubmits; the officer accepts; the progress
history shows the assessment as the source. Plus the refusals a browser user meets."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from enterprises.models import Enterprise
from measures.models import ProgressEvent
from reform_portal import workdays
from reform_portal.choices import ChangeSource
from reporting.assessments.models import Assessment, ReportingPeriod

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def period(portal):
    call_command("seed_assessment_demo", verbosity=0)
    return ReportingPeriod.objects.get(province__code="530000", year=timezone.localdate().year)


def saved(page, key):
    """Wait until the autosave of one form has answered with “已保存”."""
    page.wait_for_load_state("networkidle")
    page.locator(f"#saved-{key}").filter(has_text="已保存").wait_for(timeout=10_000)


def fill_item(
    page, code, *, rating="较好", status="推进中", percent="50", what_done="开展岗位练兵，覆盖一线职工 120 人"
):
    card = page.locator(f"#item-{code}")
    card.locator(f"select[name='{code}-self_rating']").select_option(label=rating)
    card.locator(f"select[name='{code}-claimed_status']").select_option(label=status)
    card.locator(f"input[name='{code}-claimed_percent']").fill(percent)
    card.locator(f"textarea[name='{code}-what_done']").fill(what_done)
    card.locator(f"textarea[name='{code}-what_done']").blur()
    saved(page, code)


def fill_indicators(page):
    """Every number the form asks (counts and shares: 100, but 0 空白班组) and every 是/否 (是); dates and texts are
    仅统计 and may stay empty."""
    for field in page.locator(".indicator-row input[type=number]").all():
        name = field.get_attribute("name")
        field.fill("0" if name.startswith("YN-01-") else "100")
        field.blur()
        saved(page, name.removesuffix("-value"))
    for field in page.locator(".indicator-row select").all():
        name = field.get_attribute("name")
        field.select_option("1")
        saved(page, name.removesuffix("-value"))


def test_whole_cycle_in_the_browser(login, portal, period):
    # given enterprise-yn's home page shows the open period
    page = login("enterprise-yn")
    assert "未填报" in page.locator("#assessment-panel").inner_text()
    page.click("text=开始填写自评表")
    page.click("button:has-text('开始填写自评表')")
    page.wait_for_selector("#item-YN-02")
    codes = [c.get_attribute("id").removeprefix("item-") for c in page.locator("article.assessment-item").all()]
    assert codes[:2] == ["YN-01", "YN-02"] and len(codes) == 13

    # when it fills part of the form and leaves
    fill_item(page, "YN-01", rating="好", what_done="消除党员空白班组 3 个")
    page.locator("input[name='YN-06-edu-fund-value']").fill("6")
    page.locator("input[name='YN-06-edu-fund-value']").blur()
    saved(page, "YN-06-edu-fund")
    # (checked against its target on the spot: 6 % < 8 %)
    assert page.locator("#met-YN-06-edu-fund").inner_text().strip().startswith("未达标")
    page.context.close()

    # then coming back in a new session finds the draft intact
    page = login("enterprise-yn")
    page.click("text=继续填写自评表")
    page.wait_for_selector("#item-YN-01")
    assert page.locator("select[name='YN-01-self_rating']").input_value() == "good"
    assert page.locator("select[name='YN-01-claimed_status']").input_value() == "in_progress"
    assert page.locator("input[name='YN-01-claimed_percent']").input_value() == "50"
    assert page.locator("textarea[name='YN-01-what_done']").input_value() == "消除党员空白班组 3 个"
    assert page.locator("input[name='YN-06-edu-fund-value']").input_value() == "6"

    # when it submits the incomplete form, it sees exactly what is missing, with links
    page.click("#submit-assessment")
    problems = page.locator("#problems")
    problems.wait_for()
    assert problems.locator("a[href='#item-YN-02']").count() >= 1
    assert problems.locator("a[href='#item-YN-01']").count() == 0
    # a 是/否 the text requires is missing; a 仅统计 count (YN-05's studios: the text sets no number) may stay empty
    assert problems.locator("a[href='#indicator-YN-09-collective-contract']").count() == 1
    # (pre-filled from the enterprise's records it may await confirmation, but it is never "missing")
    studios = problems.locator("li", has=page.locator("a[href='#indicator-YN-05-master-studios']"))
    assert studios.count() == 0 or "未填写指标值" not in studios.inner_text()
    assert "未选择自评等级" in problems.inner_text()
    problems.locator("a[href='#item-YN-02']").first.click()
    assert page.evaluate("location.hash") == "#item-YN-02"

    # when it completes everything and submits
    for code in codes[1:]:
        fill_item(page, code)
    fill_indicators(page)
    # the answers pre-filled from the enterprise's records and not typed over are confirmed, section by section
    buttons = page.locator("[data-confirm-section]:visible").all()
    for section in [b.get_attribute("data-confirm-section") for b in buttons]:
        page.click(f"[data-confirm-section='{section}']")
    for _ in range(100):
        if page.locator("[data-confirm]").count() == 0:
            break
        page.wait_for_timeout(200)
    page.wait_for_load_state("networkidle")
    page.click("#submit-assessment")
    page.wait_for_selector("[data-testid=assessment-status]:has-text('已提交')")
    assert page.locator("textarea").count() == 0  # read-only now
    assert page.console_errors == []

    # the officer in charge sees it submitted and returns it with a comment on one measure
    officer = login("officer-yn")
    officer.click("nav >> text=年度自评")
    assert "已提交" in officer.locator("#state-counts").inner_text()
    enterprise = Enterprise.objects.get(users__user__username="enterprise-yn")
    officer.locator(f"tr[data-enterprise='{enterprise.pk}'] >> text=审核").click()
    officer.wait_for_selector("#return-form")
    comment = officer.locator("textarea[name='review-YN-02-officer_comment']")
    comment.fill("请补充参训人数和培训课时")
    comment.blur()
    saved(officer, "review-YN-02")
    officer.fill("#return-comment", "请按意见修改后再报")
    officer.click("#return-form button[type=submit]")
    officer.wait_for_selector("[data-testid=assessment-status]:has-text('已退回')")

    # the enterprise sees the reasons, edits and resubmits
    page.goto(f"{portal}/reporting/assessments/")
    assert "请按意见修改后再报" in page.locator("#return-notice").inner_text()
    assert "请补充参训人数和培训课时" in page.locator("#item-YN-02 .return-reason").inner_text()
    what_done = page.locator("textarea[name='YN-02-what_done']")
    what_done.fill("组织培训 12 期，参训 360 人次，共 48 课时")
    what_done.blur()
    saved(page, "YN-02")
    page.click("#submit-assessment")
    page.wait_for_selector("[data-testid=assessment-status]:has-text('已提交')")

    # the officer sees what changed since the last round, corrects one percent and accepts
    officer.reload()
    assert "组织培训 12 期" in officer.locator("#item-YN-02 .changes").inner_text()
    percent = officer.locator("input[name='review-YN-03-verified_percent']")
    percent.fill("30")
    percent.blur()
    saved(officer, "review-YN-03")
    assert "差额 -20 个百分点" in officer.locator("#gap-YN-03").inner_text()
    officer.click("#accept-form button[type=submit]")
    officer.wait_for_selector("[data-testid=assessment-status]:has-text('已通过')")

    # then the progress history shows the assessment as the source
    history = officer.locator("#progress-history")
    assert "年度自评" in history.inner_text()
    assert "YN-03" in history.inner_text()
    assessment = Assessment.objects.get(enterprise=enterprise, period=period)
    assert assessment.round == 2
    change = ProgressEvent.objects.filter(pgh_obj__enterprise=enterprise, pgh_obj__measure__code="YN-03").first()
    assert (change.source, change.percent, change.changed_by.username) == (
        ChangeSource.ASSESSMENT,
        30,
        "officer-yn",
    )
    trail = officer.locator("#trail").inner_text()
    for step in ("开始填报", "提交", "退回", "通过"):
        assert step in trail
    assert officer.console_errors == [] and page.console_errors == []


def test_refusals_in_the_browser(login, portal, period):
    from django.contrib.auth import get_user_model

    from reporting.assessments import services
    from tests.reporting.assessments.conftest import fill_complete

    user = get_user_model().objects.get(username="enterprise-yn")
    assessment = services.assessment_start(period=period, enterprise=user.profile.enterprise, by=user)
    # another enterprise's user cannot open it
    other = login("enterprise-sx")
    response = other.goto(f"{portal}/reporting/assessments/{assessment.pk}/")
    assert response.status == 404
    # the enterprise cannot edit after submission
    fill_complete(assessment, user)
    services.assessment_submit(assessment=assessment, by=user)
    page = login("enterprise-yn")
    page.goto(f"{portal}/reporting/assessments/{assessment.pk}/")
    assert "等待审核" in page.content()
    assert page.locator("textarea, select[name$='self_rating']").count() == 0
    # nobody can submit after the deadline: a returned form, past the deadline, shows why and when
    officer = get_user_model().objects.get(username="officer-yn")
    item = assessment.items.first()
    services.review_item_save(
        item=item,
        by=officer,
        verified_status="",
        verified_percent=None,
        comment="补充材料",
        expected_version=item.version,
    )
    services.assessment_return(assessment=assessment, by=officer, comment="补充材料")
    # the last working day before today (a deadline on a day off falls due on the next working day)
    period.deadline = workdays.previous_workday(timezone.localdate())
    period.opens_on = period.deadline - timedelta(days=10)
    period.save()
    page.reload()
    assert f"已于 {period.deadline} 截止" in page.locator("#period-refusal").inner_text()
    assert page.locator("#submit-assessment").is_disabled()
    # and a forced post is refused too
    page.evaluate("document.querySelector('#submit-assessment').disabled = false")
    page.click("#submit-assessment")
    page.wait_for_selector(".alert-danger:has-text('截止')")
    assessment.refresh_from_db()
    assert assessment.status == "returned"
