"""是 / 否 as a switch, in real Chromium: the enterprise answers a yes/no indicator of its self-assessment with a click
(saved at once, as the form's other answers) and clears it again with 未填; the officer sets a yes/no indicator on the
enterprise page with a click and 保存, and the row reads 否."""

import pytest

from measures.applicability import applicable_indicators
from measures.choices import IndicatorKind
from measures.models import IndicatorValue
from reporting.assessments import services
from reporting.assessments.models import AssessmentIndicator

from .test_fill_once import period, user  # noqa: F401 (the period fixture)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_enterprise_answers_and_clears_a_yes_no_indicator_with_a_click(login, portal, period):  # noqa: F811
    enterprise_user = user("enterprise-yn")
    form = services.assessment_start(period=period, enterprise=enterprise_user.profile.enterprise, by=enterprise_user)
    answer = (
        AssessmentIndicator.objects.filter(
            assessment=form, indicator__kind=IndicatorKind.BOOLEAN, indicator__derived_from=""
        )
        .select_related("indicator")
        .order_by("indicator__code")
        .first()
    )
    assert answer is not None, "the demo enterprise is asked a yes/no indicator"
    code = answer.indicator.code
    page = login("enterprise-yn")
    page.goto(f"{portal}/reporting/assessments/{form.pk}/")
    switch = page.locator(f"[id='id_{code}-value'][role=radiogroup]")
    switch.wait_for()

    switch.get_by_text("是", exact=True).click()
    page.locator(f"#saved-{code}").filter(has_text="已保存").wait_for(timeout=10_000)
    answer.refresh_from_db()
    assert answer.claimed_value == 1

    page.locator(f"#saved-{code}").evaluate("element => { element.textContent = ''; }")
    switch.get_by_text("未填", exact=True).click()
    page.locator(f"#saved-{code}").filter(has_text="已保存").wait_for(timeout=10_000)
    answer.refresh_from_db()
    assert answer.claimed_value is None
    assert page.console_errors == []


def test_the_officer_sets_a_yes_no_indicator_on_the_enterprise_page(login, portal):
    enterprise = user("enterprise-yn").profile.enterprise
    indicator = (
        applicable_indicators(enterprise).filter(kind=IndicatorKind.BOOLEAN, derived_from="").order_by("code").first()
    )
    assert indicator is not None
    page = login("officer-yn")
    page.goto(f"{portal}/enterprises/{enterprise.pk}/")
    row = page.locator(f"#indicator-{indicator.pk}")
    row.locator("[role=radiogroup]").get_by_text("否", exact=True).click()
    row.get_by_role("button", name="保存").click()
    page.locator(f"#indicator-{indicator.pk} td.indicator-value").filter(has_text="否").wait_for(timeout=10_000)
    assert IndicatorValue.objects.get(enterprise=enterprise, indicator=indicator).value == 0
    assert page.console_errors == []
