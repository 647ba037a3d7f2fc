"""The self-assessment asks each enterprise the indicators that apply to it, with the input of each one's kind: an
80-employee Yunnan enterprise is not asked the union indicator (百人以上) and submits without it; a 100-employee one
is shown it, derived from the register, never to type in; a 仅统计 indicator is never required and never 未达标, on
the page, in the PDF and in the workbook; targets read as written."""

import io
import re

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.services import enterprise_update
from measures.models import Indicator
from reporting.assessments import services
from reporting.assessments.models import AssessmentIndicator
from tests.factories import EnterpriseFactory, make_enterprise_user

from .conftest import fill_complete

pytestmark = pytest.mark.django_db
UNION = (
    "YN-11-union"  # 已建立工会（职工百人以上企业）: boolean, 是 required, derived from the register, ≥ 100 employees
)
INFO = "YN-06-training-plan"  # 已制定产业工人培养计划: boolean, 仅统计


def enterprise_with(kunming, username, employees):
    enterprise = EnterpriseFactory(
        region=kunming,
        size_class="small",
        employees=employees,
        frontline_workers=employees // 2,
        union_members=employees // 2,
        party_members=3,
        skilled_workers=10,
        highly_skilled_workers=1,
        union_founded=True,
    )
    return enterprise, make_enterprise_user(username, enterprise=enterprise)


def start(yn_period, enterprise, user):
    return services.assessment_start(period=yn_period, enterprise=enterprise, by=user)


def page(client, user, assessment) -> str:
    client.force_login(user)
    return client.get(reverse("reporting:assessments:detail", args=[assessment.pk])).content.decode()


def block(html: str, code: str) -> str:
    """The page's block of one indicator (up to the next one)."""
    return html.split(f'id="indicator-{code}"')[1].split('id="indicator-')[0]


def test_an_80_employee_enterprise_is_not_asked_the_union_indicator_and_submits_without_it(client, yn_period, kunming):
    # given a Yunnan enterprise of 80 employees
    enterprise, user = enterprise_with(kunming, "ent-80", 80)
    # when its form starts
    form = start(yn_period, enterprise, user)
    # then the union indicator is neither in the form nor on its page
    assert not form.indicator_answers.filter(indicator__code=UNION).exists()
    html = page(client, user, form)
    assert f'id="indicator-{UNION}"' not in html and Indicator.objects.get(code=UNION).name not in html
    # and with every other required item filled in, it submits
    fill_complete(form, user)
    assert services.assessment_problems(assessment=form) == []
    submitted = services.assessment_submit(assessment=form, by=user)
    assert submitted.status == "submitted"


def test_a_100_employee_enterprise_is_shown_the_union_indicator_from_the_register(client, yn_period, kunming):
    # given a Yunnan enterprise of 100 employees whose register says it has a union
    enterprise, user = enterprise_with(kunming, "ent-100", 100)
    form = start(yn_period, enterprise, user)
    answer = form.indicator_answers.get(indicator__code=UNION)
    # then its form holds the register's 是, shown read-only, with where it comes from, as 达标
    assert answer.claimed_value == 1
    union = block(page(client, user, form), UNION)
    assert "取自企业登记信息" in union and "是" in union and "达标" in union and "未达标" not in union
    assert f'name="{UNION}-value"' not in union
    # and it cannot be typed in, even through the API
    api = APIClient()
    api.force_authenticate(user)
    response = api.patch(
        f"/api/assessments/{form.pk}/indicators/{UNION}/",
        {"claimed_value": False, "version": answer.version},
        format="json",
    )
    assert response.status_code == 400 and "不单独填报" in response.json()["value"][0]
    roles = {i["indicator"]: i["role"] for i in api.get(f"/api/assessments/{form.pk}/").json()["indicators"]}
    assert roles[UNION] == "derived" and roles[INFO] == "optional"
    # when the register changes before the form is submitted, the submitted value follows it
    enterprise_update(enterprise=enterprise, data={"union_founded": False, "union_founded_on": None}, by=None)
    assert "否" in block(page(client, user, form), UNION)
    fill_complete(form, user)  # (the derived answer is left alone: it is not asked)
    services.assessment_submit(assessment=form, by=user)
    answer.refresh_from_db()
    assert answer.claimed_value == 0


def test_the_form_has_the_input_of_each_kind(client, draft, users):
    html = page(client, users["enterprise-yn"], draft)
    boolean = block(html, "YN-09-collective-contract")
    # 是 / 否 as a switch of radio buttons, with 未填 to clear it; the group carries the field's id
    assert 'role="radiogroup"' in boolean and 'id="id_YN-09-collective-contract-value"' in boolean
    assert re.findall(r'type="radio"[^>]*value="([01]?)"[^>]*>\s*<label[^>]*>([^<]+)</label>', boolean) == [
        ("1", "是"),
        ("0", "否"),
        ("", "未填"),
    ]
    assert re.search(r'type="number"[^>]*step="1"', block(html, "YN-05-suggestions"))
    share = block(html, "YN-06-edu-fund")
    assert re.search(r'type="number"[^>]*max="100"[^>]*step="0.01"', share) and '"input-group-text">%<' in share
    assert "≥ 8%" in share
    assert 'type="date"' in block(html, "YN-09-collective-contract-date")
    assert re.search(r'type="text"[^>]*maxlength="300"', block(html, "YN-S1-group-leader"))
    numbers = re.sub(r"[A-Za-z0-9_-]{32,}", "", html)  # not the CSRF token, whose random letters may hold a "6E"
    assert "6E" not in numbers and "8.00" not in numbers


def test_the_officers_correction_takes_the_input_of_each_kind(client, submitted, users):
    html = page(client, users["officer-yn"], submitted)
    assert re.search(
        r'type="radio"[^>]*value=""[^>]*>\s*<label[^>]*>与填报一致</label>', block(html, "YN-09-collective-contract")
    )
    assert 'type="date"' in block(html, "YN-09-collective-contract-date")
    answer = submitted.indicator_answers.get(indicator__code="YN-06-edu-fund")
    with pytest.raises(ValidationError) as refused:
        services.review_indicator_save(answer=answer, by=users["officer-yn"], verified_value="116.9")
    assert "116.9% 超过了 100%" in str(refused.value)


def test_a_count_only_indicator_is_never_required(draft, users):
    user = users["enterprise-yn"]
    fill_complete(draft, user)
    # given every 仅统计 answer emptied
    for answer in draft.indicator_answers.select_related("indicator").filter(indicator__comparison="info"):
        if not answer.indicator.derived_from:
            services.indicator_save(answer=answer, by=user, value="")
    # then nothing is missing, and a required one left empty is
    assert services.assessment_problems(assessment=draft) == []
    required = draft.indicator_answers.get(indicator__code="YN-09-collective-contract")
    services.indicator_save(answer=required, by=user, value="")
    assert [p.message for p in services.assessment_problems(assessment=draft)] == ["未填写指标值。"]


def test_a_count_only_indicator_with_a_value_is_never_failing(client, draft, users):
    # given the form filled in, the 仅统计 training plan answered 否 (which a "是" target would fail)
    user = users["enterprise-yn"]
    fill_complete(draft, user)
    info = draft.indicator_answers.get(indicator__code=INFO)
    services.indicator_save(answer=info, by=user, value="否")
    services.assessment_submit(assessment=draft, by=user)
    officer = users["officer-yn"]

    # then the page shows its value and 仅统计, and 未达标 nowhere
    html = page(client, officer, draft)
    shown = block(html, INFO)
    assert re.search(r'class="claimed-value">否<', shown)
    verdict = re.search(rf'<span id="met-{INFO}"[^>]*>(.*?)</span></span>', shown).group(1)
    assert re.sub(r"<[^>]+>", "", verdict) == "仅统计"
    assert "未达标" not in html

    # and so does the PDF
    from pypdf import PdfReader

    client.force_login(officer)
    pdf = client.get(reverse("reporting:assessments:pdf", args=[draft.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    text = "".join("".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.content)).pages)
    name = "".join(Indicator.objects.get(code=INFO).name.split())
    assert f"指标{name}：填报值否（目标仅统计，仅统计）" in text
    assert "未达标" not in text

    # and the workbook
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(reverse("reporting:assessments:xlsx", args=[draft.pk])).content))
    rows = {r[0]: r for r in wb["指标"].iter_rows(min_row=2, values_only=True)}
    info_row = rows[Indicator.objects.get(code=INFO).name]
    assert (info_row[4], info_row[7]) == ("否", "仅统计")
    assert "未达标" not in {r[7] for r in rows.values()}


def test_exports_read_values_by_kind_and_write_formula_like_text_as_text(client, draft, users):
    user = users["enterprise-yn"]
    fill_complete(draft, user)
    leader = draft.indicator_answers.get(indicator__code="YN-S1-group-leader")
    services.indicator_save(answer=leader, by=user, value='=HYPERLINK("http://example.com","点我")')
    services.indicator_save(answer=draft.indicator_answers.get(indicator__code="YN-06-edu-fund"), by=user, value="60")
    services.assessment_submit(assessment=draft, by=user)
    client.force_login(users["officer-yn"])
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(reverse("reporting:assessments:xlsx", args=[draft.pk])).content))
    cells = {r[0].value: r for r in wb["指标"].iter_rows(min_row=2)}
    edu = cells[Indicator.objects.get(code="YN-06-edu-fund").name]
    assert (edu[4].value, edu[4].number_format, edu[3].value) == (60, 'General"%"', "≥ 8%")
    flag = cells[Indicator.objects.get(code="YN-09-collective-contract").name]
    assert flag[4].value == "是"
    formula = cells[Indicator.objects.get(code="YN-S1-group-leader").name][4]
    assert (formula.value, formula.data_type) == ('=HYPERLINK("http://example.com","点我")', "s")
    assert AssessmentIndicator.objects.get(pk=leader.pk).claimed_text.startswith("=HYPERLINK")
