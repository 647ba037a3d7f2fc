"""Fill once, in real Chromium: an enterprise with last year's accepted assessment submits this year's by confirming
the pre-filled answers (counted: under 20 clicks and keys); a refused submission jumps to the first problem, marked
at its field; answers save while typing (no blur), leaving with unsaved text asks first, and a stale edit is still
refused."""

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.utils import timezone

from reporting.assessments import services
from reporting.assessments.models import Assessment, AssessmentItem, ReportingPeriod
from tests.reporting.assessments.conftest import fill_complete

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def period(portal):
    call_command("seed_assessment_demo", verbosity=0)
    return ReportingPeriod.objects.get(province__code="530000", year=timezone.localdate().year)


def user(name):
    return get_user_model().objects.get(username=name)


def accepted_last_year(period):
    """enterprise-yn's complete form of last year, accepted by officer-yn."""
    enterprise_user = user("enterprise-yn")
    today = timezone.localdate()
    last = ReportingPeriod.objects.create(
        year=period.year - 1,
        province=period.province,
        opens_on=today - timedelta(days=5),
        deadline=today + timedelta(days=25),
    )
    form = services.assessment_start(period=last, enterprise=enterprise_user.profile.enterprise, by=enterprise_user)
    fill_complete(form, enterprise_user)
    services.assessment_submit(assessment=form, by=enterprise_user)
    services.assessment_accept(assessment=form, by=user("officer-yn"))


class Counted:
    """The user's interactions (clicks and keys), counted."""

    def __init__(self, page):
        self.page, self.n = page, 0

    def click(self, selector):
        self.n += 1
        self.page.locator(selector).first.click()


def test_last_years_answers_confirmed_and_submitted_in_under_20_interactions(login, portal, period):
    accepted_last_year(period)
    page = login("enterprise-yn")
    act = Counted(page)
    act.click("text=开始填写自评表")
    act.click("button:has-text('开始填写自评表')")
    page.wait_for_selector("#item-YN-01")
    # every answer is pre-filled and says where from
    assert page.locator("[data-confirm]").count() > 13
    assert "沿用上年" in page.locator("#carried-YN-02").inner_text()
    assert "取自当前进度" in page.locator("#carried-YN-02").inner_text()
    assert page.locator("#count-all").inner_text().strip() == "已填 0/13"
    # when the enterprise reads each section and confirms it as it stands
    sections = [b.get_attribute("data-confirm-section") for b in page.locator("[data-confirm-section]:visible").all()]
    assert len(sections) >= 4
    for section in sections:
        act.click(f"[data-confirm-section='{section}']")
        page.wait_for_function("s => !document.querySelector('#' + s + ' [data-confirm]')", arg=section, timeout=20_000)
        # its count rises as it goes, up to all of its measures
        page.wait_for_function(
            "id => { const c = document.getElementById(id); return c.dataset.filled === c.dataset.total }",
            arg="count-" + section.removeprefix("section-"),
            timeout=20_000,
        )
    page.wait_for_load_state("networkidle")
    page.locator("#count-all").filter(has_text="已填 13/13").wait_for(timeout=20_000)
    act.click("#submit-assessment")
    page.wait_for_selector("[data-testid=assessment-status]:has-text('已提交')")
    # then it was submitted with far fewer interactions than typing 93 answers
    assert act.n < 20, act.n
    assessment = Assessment.objects.get(period=period, enterprise=user("enterprise-yn").profile.enterprise)
    assert assessment.status == "submitted" and not assessment.items.filter(carried_over=True).exists()
    assert page.console_errors == []


def test_failed_submit_jumps_to_the_first_problem_autosave_on_input_and_leave_warning(login, portal, period):
    enterprise_user = user("enterprise-yn")
    form = services.assessment_start(period=period, enterprise=enterprise_user.profile.enterprise, by=enterprise_user)
    page = login("enterprise-yn")
    page.goto(f"{portal}/reporting/assessments/{form.pk}/")
    page.wait_for_selector("#item-YN-01")

    # a refused submission marks the problems where they are and focuses the first one
    page.click("#submit-assessment")
    problems = page.locator("#problems")
    problems.wait_for()
    page.wait_for_load_state("load")
    first = problems.get_attribute("data-first-problem")
    assert first and page.evaluate("document.activeElement.id") == first
    box, viewport = page.locator(f"[id='{first}']").bounding_box(), page.viewport_size
    assert 0 <= box["y"] <= viewport["height"]  # scrolled to it
    rating = page.locator("select[name='YN-02-self_rating']")
    assert rating.get_attribute("aria-invalid") == "true"
    assert "未选择自评等级" in page.locator("#err-YN-02-self_rating").inner_text()

    # typing saves without leaving the field (no blur, no key-up: as a paste)
    what_done = page.locator("textarea[name='YN-02-what_done']")
    what_done.click()
    what_done.fill("组织班组学习 24 次")
    page.locator("#saved-YN-02").filter(has_text="已保存").wait_for(timeout=10_000)
    assert AssessmentItem.objects.get(assessment=form, measure__code="YN-02").what_done == "组织班组学习 24 次"

    # a value the server refuses (已完成 at 50 %) stays unsaved: leaving asks first
    page.locator("select[name='YN-02-claimed_status']").select_option(label="已完成")
    percent = page.locator("input[name='YN-02-claimed_percent']")
    percent.click()
    percent.fill("50")
    page.wait_for_timeout(1500)  # past the autosave's pause
    page.wait_for_load_state("networkidle")
    page.locator("#saved-YN-02.text-danger").wait_for(timeout=10_000)
    assert page.locator("#assessment-sections").get_attribute("data-unsaved") == "true"
    with page.expect_event("dialog") as dialog:
        page.close(run_before_unload=True)
    assert dialog.value.type == "beforeunload"
    dialog.value.dismiss()
    assert not page.is_closed()
    # once corrected and saved, leaving does not ask
    percent.fill("100")
    page.locator("#saved-YN-02").filter(has_text="已保存").wait_for(timeout=10_000)
    page.locator("#assessment-sections[data-unsaved='false']").wait_for(state="attached", timeout=10_000)
    asked = []
    page.on("dialog", lambda d: (asked.append(d.type), d.dismiss()))
    page.close(run_before_unload=True)
    page.wait_for_event("close", timeout=10_000) if not page.is_closed() else None
    assert asked == [] and page.is_closed()

    # a stale edit (changed in another window since the page was read) is still refused
    page = login("enterprise-yn")
    page.goto(f"{portal}/reporting/assessments/{form.pk}/")
    page.wait_for_selector("#item-YN-03")
    item = AssessmentItem.objects.get(assessment=form, measure__code="YN-03")
    services.item_save(item=item, by=enterprise_user, self_rating="good", what_done="", status="", percent=None)
    field = page.locator("textarea[name='YN-03-what_done']")
    field.click()
    field.fill("另一个窗口之后的修改")
    page.locator("#saved-YN-03").filter(has_text="已在别处被修改").wait_for(timeout=10_000)
    assert AssessmentItem.objects.get(pk=item.pk).what_done == ""
    assert page.console_errors == []
