"""Indicator values as the texts ask them, by kind (measures/indicator_values.py): 是/否, a whole number, a share of
0–100 %, a date, a text. Each kind takes a valid value and refuses an invalid one with the same message through the
service, the officer's form on the enterprise page and the self-assessment API; an indicator that does not apply
to the enterprise, or that the register gives, takes none; and every value reads the same way everywhere."""

import datetime
import io
import re
import zipfile
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from measures.indicator_values import value_display, verdict_display
from measures.models import Indicator, IndicatorValue
from measures.services import indicator_value_set
from reform_portal.spreadsheets import sheet_row
from reporting.assessments import services as assessment_services
from reporting.assessments.models import AssessmentIndicator
from tests.factories import open_period

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}
TODAY = datetime.date.today()

# Per kind: an indicator of the Yunnan document that applies to the Kunming medium private enterprise and is typed
# in, a valid value as typed with what is stored (value, text) and how it reads, and an invalid value with its
# refusal. The messages are written out here, not taken from the code under test.
KINDS = {
    "boolean": ("YN-09-collective-contract", "是", (Decimal("1.00"), ""), "是", "2", "此项指标只能填“是”或“否”。"),
    "count": ("YN-05-suggestions", "12", (Decimal("12.00"), ""), "12条", "2.5", "此项指标应为整数（不小于 0）。"),
    "share": (
        "YN-06-edu-fund",
        "60.5",
        (Decimal("60.50"), ""),
        "60.5%",
        "116.9",
        "比例应在 0 到 100 之间（单位为 %），116.9% 超过了 100%。",
    ),
    "date": (
        "YN-09-collective-contract-date",
        "2024-03-01",
        (None, "2024-03-01"),
        "2024-03-01",
        "2024-02-30",
        "请输入有效的日期，如 2024-03-01。",
    ),
    "text": (
        "YN-S1-group-leader",
        "  张三（董事长）\n",
        (None, "张三（董事长）"),
        "张三（董事长）",
        "字" * 301,
        "内容不超过 300 字（现为 301 字）。",
    ),
}
# More refusals, one kind each.
MORE_REFUSED = [
    ("boolean", "0.5", "此项指标只能填“是”或“否”。"),
    ("count", "-1", "指标值不能为负数。"),
    ("count", "abc", "请输入数字。"),
    ("share", "-0.5", "指标值不能为负数。"),
    ("share", "100.01", "比例应在 0 到 100 之间（单位为 %），100.01% 超过了 100%。"),
    ("date", "2024/13/01", "请输入有效的日期，如 2024-03-01。"),
    ("date", (TODAY + datetime.timedelta(days=1)).isoformat(), f"日期不能晚于今天（{TODAY.isoformat()}）。"),
    ("text", "   ", "请填写内容。"),
    ("text", "a\x00b", "内容含有不能保存的控制字符。"),
]
NOT_APPLICABLE = "该指标不适用于本企业。"


def indicator(kind) -> Indicator:
    return Indicator.objects.get(code=KINDS[kind][0])


def year() -> int:
    return timezone.localdate().year


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def errors_in(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'class="invalid-feedback d-block">([^<]*)<', html) if m.strip()]


@pytest.fixture
def form(users, yn_enterprise):
    """The Kunming enterprise's draft self-assessment."""
    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    return assessment_services.assessment_start(period=period, enterprise=yn_enterprise, by=users["enterprise-yn"])


# The service -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_service_stores_a_valid_value_of_each_kind_where_its_kind_keeps_it(users, yn_enterprise, kind):
    code, typed, stored, shown, _bad, _message = KINDS[kind]
    saved = indicator_value_set(
        enterprise=yn_enterprise, indicator=indicator(kind), year=year(), value=typed, by=users["officer-yn"]
    )
    saved.refresh_from_db()
    assert (saved.value, saved.text) == stored
    assert value_display(saved.indicator, saved) == shown


@pytest.mark.parametrize(
    ("kind", "bad", "message"), [(k, v[4], v[5]) for k, v in KINDS.items()] + MORE_REFUSED, ids=lambda x: str(x)[:12]
)
def test_the_service_refuses_an_invalid_value_of_each_kind(users, yn_enterprise, kind, bad, message):
    with pytest.raises(ValidationError) as refused:
        indicator_value_set(
            enterprise=yn_enterprise, indicator=indicator(kind), year=year(), value=bad, by=users["officer-yn"]
        )
    assert refused.value.message_dict == {"value": [message]}
    assert not IndicatorValue.objects.filter(enterprise=yn_enterprise, indicator=indicator(kind)).exists()


def test_a_yes_no_takes_yes_and_no_in_every_spelling(users, yn_enterprise):
    flag = indicator("boolean")
    for typed, stored in [("是", 1), ("否", 0), (True, 1), (False, 0), ("true", 1), ("false", 0), ("1", 1), (0, 0)]:
        saved = indicator_value_set(
            enterprise=yn_enterprise, indicator=flag, year=year(), value=typed, by=users["officer-yn"]
        )
        assert saved.value == stored, typed


def test_a_value_for_an_indicator_that_does_not_apply_is_refused(users, yn_enterprise):
    # given the training centre, asked of large enterprises only, and the Kunming enterprise, a medium one
    centre = Indicator.objects.get(code="YN-06-training-centre")
    assert yn_enterprise.size_class == "medium"
    # then no value is taken for it, on the service and on the page
    with pytest.raises(ValidationError) as refused:
        indicator_value_set(enterprise=yn_enterprise, indicator=centre, year=year(), value="是", by=users["admin"])
    assert refused.value.message_dict == {"value": [NOT_APPLICABLE]}
    assert not IndicatorValue.objects.filter(indicator=centre).exists()
    # and once the enterprise is large, it is
    yn_enterprise.size_class = "large"
    yn_enterprise.save()
    indicator_value_set(enterprise=yn_enterprise, indicator=centre, year=year(), value="是", by=users["admin"])
    assert IndicatorValue.objects.get(indicator=centre).value == 1


# The officer's form on the enterprise page -------------------------------------------------------------------------


def post_value(client, user, enterprise, indicator, value):
    client.force_login(user)
    url = reverse("measures:indicator_value", args=[enterprise.pk, indicator.pk])
    return client.post(url, {"value": value, "version": "0"}, **HTMX).content.decode()


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_enterprise_page_form_takes_a_valid_value_and_shows_it_as_it_reads(client, users, yn_enterprise, kind):
    code, typed, stored, shown, _bad, _message = KINDS[kind]
    html = post_value(client, users["officer-yn"], yn_enterprise, indicator(kind), typed)
    assert errors_in(html) == []
    row = IndicatorValue.objects.get(enterprise=yn_enterprise, indicator=indicator(kind))
    assert (row.value, row.text) == stored
    cell = re.search(r'<td class="indicator-value"[^>]*>(.*?)<div', html, re.S).group(1)
    assert cell.strip() == shown
    # judged against its target, or 仅统计 (never 未达标) where the text sets none
    verdict = re.search(r'<td class="indicator-verdict"[^>]*>(.*?)</td>', html, re.S).group(1)
    expected = "仅统计" if indicator(kind).comparison == "info" else "达标"
    assert re.sub(r"<[^>]+>", "", verdict).strip() == expected


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_enterprise_page_form_refuses_an_invalid_value(client, users, yn_enterprise, kind):
    code, _typed, _stored, _shown, bad, message = KINDS[kind]
    html = post_value(client, users["officer-yn"], yn_enterprise, indicator(kind), bad)
    assert errors_in(html) == [message]
    assert not IndicatorValue.objects.filter(enterprise=yn_enterprise, indicator=indicator(kind)).exists()


def test_the_enterprise_page_has_the_input_of_each_kind_and_no_row_for_what_does_not_apply(
    client, users, yn_enterprise
):
    client.force_login(users["officer-yn"])
    html = client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])).content.decode()

    def row_of(code):
        pk = Indicator.objects.get(code=code).pk
        found = re.search(rf'<tr id="indicator-{pk}">(.*?)</tr>', html, re.S)
        return found.group(1) if found else None

    switch = row_of(KINDS["boolean"][0])  # 是 / 否 as a switch: radio buttons of the field's name
    assert 'role="radiogroup"' in switch
    assert re.search(
        r'type="radio" class="btn-check" name="value"[^>]*value="1"[^>]*>\s*<label[^>]*>是</label>', switch
    )
    assert re.search(r'type="number"[^>]*step="1"', row_of(KINDS["count"][0]))
    share = row_of(KINDS["share"][0])
    assert re.search(r'type="number"[^>]*max="100"[^>]*step="0.01"', share) and '"input-group-text">%<' in share
    assert 'type="date"' in row_of(KINDS["date"][0])
    assert re.search(r'type="text"[^>]*maxlength="300"', row_of(KINDS["text"][0]))
    # the training centre (large enterprises only) is not shown to a medium one
    assert row_of("YN-06-training-centre") is None


# The self-assessment API ------------------------------------------------------------------------------------------

# Per kind: the body of a valid edit, and the value the API returns for it.
API_VALID = {
    "boolean": ({"claimed_value": True}, {"claimed_value": True, "claimed_text": ""}),
    "count": ({"claimed_value": 12}, {"claimed_value": 12, "claimed_text": ""}),
    "share": ({"claimed_value": "60.5"}, {"claimed_value": "60.50", "claimed_text": ""}),
    "date": ({"claimed_text": "2024-03-01"}, {"claimed_value": None, "claimed_text": "2024-03-01"}),
    "text": ({"claimed_text": "张三（董事长）"}, {"claimed_value": None, "claimed_text": "张三（董事长）"}),
}


def answer_url(form, kind) -> str:
    return f"/api/assessments/{form.pk}/indicators/{KINDS[kind][0]}/"


def version_of(form, kind) -> dict:
    return {"version": AssessmentIndicator.objects.get(assessment=form, indicator__code=KINDS[kind][0]).version}


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_api_takes_and_returns_each_kind_as_its_kind(users, form, kind):
    body, returned = API_VALID[kind]
    response = api(users["enterprise-yn"]).patch(answer_url(form, kind), body | version_of(form, kind), format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert {k: data[k] for k in returned} == returned
    assert data["kind"] == kind and data["claimed_display"] == KINDS[kind][3]
    answer = AssessmentIndicator.objects.get(assessment=form, indicator__code=KINDS[kind][0])
    assert (answer.claimed_value, answer.claimed_text) == KINDS[kind][2]


@pytest.mark.parametrize("kind", list(KINDS))
def test_the_api_refuses_an_invalid_value_with_the_same_message(users, form, kind):
    _code, _typed, _stored, _shown, bad, message = KINDS[kind]
    key = "claimed_text" if kind in ("date", "text") else "claimed_value"
    body = {key: bad} | version_of(form, kind)
    response = api(users["enterprise-yn"]).patch(answer_url(form, kind), body, format="json")
    assert response.status_code == 400 and response.json() == {"value": [message]}
    assert AssessmentIndicator.objects.get(assessment=form, indicator__code=KINDS[kind][0]).claimed.is_blank


def test_the_api_says_which_key_a_kind_takes_and_refuses_what_is_not_one_value(users, form):
    client, version = api(users["enterprise-yn"]), version_of(form, "share")
    response = client.patch(answer_url(form, "share"), {"claimed_text": "60"} | version, format="json")
    assert response.status_code == 400
    assert response.json() == {"claimed_text": ["“职工教育经费提取比例”是比例类指标，请用 claimed_value 填写。"]}
    response = client.patch(answer_url(form, "share"), {"claimed_value": [60]} | version, format="json")
    assert response.status_code == 400 and list(response.json()) == ["claimed_value"]
    response = client.patch(answer_url(form, "share"), version, format="json")
    assert response.status_code == 400 and list(response.json()) == ["claimed_value"]


def test_the_catalogue_api_gives_kind_source_and_conditions(users):
    client = api(users["officer-yn"])
    measure = client.get("/api/measures/", {"search": "YN-11"}).json()["results"]
    indicators = {i["code"]: i for m in measure for i in m["indicators"]}
    union = indicators["YN-11-union"]
    assert (union["kind"], union["derived_from"], union["conditions"]) == (
        "boolean",
        "union_founded",
        {"min_employees": 100},
    )
    assert union["conditions_source"] == "巩固百人以上企业建会专项行动成果"
    assert indicators["YN-11-safety-training-share"]["target_display"] == "≥ 100%"


# How values and targets read --------------------------------------------------------------------------------------


def test_targets_read_as_written_not_in_exponent_notation(client, users):
    share = Indicator.objects.get(code="SX-04-frontline-share")
    assert share.target == Decimal("60.00")
    assert share.target_display == "≥ 60%"
    assert Indicator.objects.get(code="YN-06-edu-fund").target_display == "≥ 8%"
    assert Indicator.objects.get(code="YN-01-blank-teams").target_display == "≤ 0个"
    client.force_login(users["officer-sx"])
    html = client.get(reverse("measures:measure", args=["SX-04"])).content.decode()
    assert "≥ 60%" in html and "6E+1" not in html


def test_values_read_by_kind_and_a_count_only_indicator_never_fails():
    flag, count, share = indicator("boolean"), indicator("count"), indicator("share")
    assert [value_display(flag, Decimal(v)) for v in ("1.00", "0.00")] == ["是", "否"]
    assert value_display(count, Decimal("60.00")) == "60条" and value_display(count, Decimal("6E+1")) == "60条"
    assert value_display(share, Decimal("8.50")) == "8.5%" and value_display(share, None) == ""
    # 仅统计: the verdict says so, whatever the value; a target compares
    info = Indicator.objects.get(code="YN-06-training-plan")
    assert info.comparison == "info"
    assert [verdict_display(info, v) for v in (Decimal(0), Decimal(1), None)] == ["仅统计"] * 3
    assert [verdict_display(share, Decimal(v)) for v in ("7.99", "8")] == ["未达标", "达标"]


def test_a_text_that_looks_like_a_formula_is_written_to_a_workbook_as_text():
    from openpyxl import Workbook, load_workbook

    wb = Workbook()
    ws = wb.active
    ws.append(sheet_row(ws, ['=HYPERLINK("http://x","点击")', "+1+1", "-2", "@SUM(A1)", "普通", 60, None]))
    buffer = io.BytesIO()
    wb.save(buffer)
    # no formula in the file, and every text reads back as it was written
    sheet_xml = zipfile.ZipFile(io.BytesIO(buffer.getvalue())).read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml
    back = load_workbook(io.BytesIO(buffer.getvalue())).active
    cells = list(back.iter_rows(values_only=False))[0]
    assert [c.value for c in cells[:6]] == ['=HYPERLINK("http://x","点击")', "+1+1", "-2", "@SUM(A1)", "普通", 60]
    assert [c.data_type for c in cells[:6]] == ["s", "s", "s", "s", "s", "n"]
