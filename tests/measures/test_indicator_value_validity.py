"""Indicator-value validity is one rule (measures/indicator_values.py): the officer's edit on the enterprise page,
the enterprise's self-assessment (autosave page and API) and the officer's correction of it (API) refuse the same
values with the same message, and store the values they accept alike."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from measures.applicability import applicable_indicators
from measures.models import Indicator, IndicatorValue, Progress
from reporting.assessments import services as assessment_services
from reporting.assessments.models import AssessmentIndicator
from tests.factories import open_period

pytestmark = pytest.mark.django_db
HTMX = {"HTTP_HX_REQUEST": "true"}

# The messages, written out here rather than taken from the code under test.
NOT_A_NUMBER = "请输入数字。"
NEGATIVE = "指标值不能为负数。"
YES_OR_NO = "此项指标只能填“是”或“否”。"
OVER_100 = "比例应在 0 到 100 之间（单位为 %），100.5% 超过了 100%。"

# (which enterprise, which kind of indicator, the value typed, the refusal expected)
REFUSED = [
    ("yn", "minimum %", "abc", NOT_A_NUMBER),
    ("yn", "minimum %", "NaN", NOT_A_NUMBER),
    ("yn", "minimum %", "Infinity", NOT_A_NUMBER),
    ("yn", "minimum %", "1e12", NOT_A_NUMBER),
    ("yn", "minimum %", "999999999999.996", NOT_A_NUMBER),  # rounds up past the column's twelve digits
    ("yn", "minimum %", "-0.5", NEGATIVE),
    ("yn", "yes/no", "2", YES_OR_NO),
    ("yn", "yes/no", "0.5", YES_OR_NO),
    ("sx", "capped %", "100.5", OVER_100),
]
ACCEPTED = [
    ("yn", "minimum %", "12.345", Decimal("12.35")),
    ("yn", "minimum %", "100", Decimal("100.00")),
    ("yn", "yes/no", "是", Decimal("1.00")),
]


@pytest.fixture
def sides(users, yn_enterprise, sx_soe):
    result = {}
    for side, enterprise in (("yn", yn_enterprise), ("sx", sx_soe)):
        period = open_period(province_id=enterprise.region.parent_id, opened_by=users["admin"])
        user = users[f"enterprise-{side}"]
        assessment = assessment_services.assessment_start(period=period, enterprise=enterprise, by=user)
        result[side] = {"enterprise": enterprise, "user": user, "officer": users[f"officer-{side}"], "form": assessment}
    return result


def indicator_of(enterprise, kind) -> Indicator:
    """An indicator asked of `enterprise` (it applies, and is typed in, not derived), of the kind the case needs."""
    tracked = applicable_indicators(enterprise).filter(
        derived_from="", measure__in=Progress.objects.filter(enterprise=enterprise).values("measure")
    )
    chosen = {
        "minimum %": tracked.filter(kind="share", comparison="gte"),
        "yes/no": tracked.filter(kind="boolean", comparison="true"),
        "capped %": tracked.filter(kind="share").exclude(comparison="gte"),
    }[kind].first()
    assert chosen is not None, f"the catalogue has no {kind} indicator for {enterprise}"
    return chosen


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def errors_in(html: str) -> list[str]:
    return [m.strip() for m in re.findall(r'class="invalid-feedback d-block">([^<]*)<', html) if m.strip()]


def through_the_enterprise_page(client, side, indicator, value) -> list[str]:
    client.force_login(side["officer"])
    url = reverse("measures:indicator_value", args=[side["enterprise"].pk, indicator.pk])
    return errors_in(client.post(url, {"value": value, "version": "0"}, **HTMX).content.decode())


def through_the_autosave(client, side, answer, value) -> list[str]:
    client.force_login(side["user"])
    url = reverse("reporting:assessments:indicator_save", args=[side["form"].pk, answer.pk])
    code = answer.indicator.code
    html = client.post(url, {f"{code}-value": value, f"{code}-version": answer.version}, **HTMX).content.decode()
    return errors_in(html)


def through_the_api(side, answer, value) -> list[str]:
    url = f"/api/assessments/{side['form'].pk}/indicators/{answer.indicator.code}/"
    response = api(side["user"]).patch(url, {"claimed_value": value, "version": answer.version}, format="json")
    assert response.status_code == 400, response.json()
    return response.json()["value"]


def through_the_review_api(side, answer, value) -> list[str]:
    url = f"/api/assessments/{side['form'].pk}/indicator-reviews/{answer.indicator.code}/"
    response = api(side["officer"]).patch(url, {"verified_value": value, "version": answer.version}, format="json")
    assert response.status_code == 400, response.json()
    return response.json()["verified_value"]


@pytest.mark.parametrize(("side_name", "kind", "value", "message"), REFUSED)
def test_the_same_bad_value_gets_the_same_refusal_on_every_path(client, sides, side_name, kind, value, message):
    # given an indicator tracked for the enterprise, and its answer in the enterprise's draft self-assessment
    side = sides[side_name]
    indicator = indicator_of(side["enterprise"], kind)
    answer = AssessmentIndicator.objects.get(assessment=side["form"], indicator=indicator)

    # when the officer types the value on the enterprise page, and the enterprise in its form (page and API)
    on_the_page = through_the_enterprise_page(client, side, indicator, value)
    in_the_autosave = through_the_autosave(client, side, answer, value)
    in_the_api = through_the_api(side, answer, value)

    # then each path refuses it with the one message, and nothing is stored
    assert on_the_page == in_the_autosave == in_the_api == [message]
    assert not IndicatorValue.objects.filter(enterprise=side["enterprise"], indicator=indicator).exists()
    answer.refresh_from_db()
    assert answer.claimed_value is None


@pytest.mark.parametrize(("side_name", "kind", "value", "message"), REFUSED[:1] + REFUSED[5:7])
def test_the_officers_correction_of_an_answer_refuses_it_alike(sides, side_name, kind, value, message):
    # given the form submitted for review
    side = sides[side_name]
    from tests.reporting.assessments.conftest import fill_complete

    fill_complete(side["form"], side["user"])
    assessment_services.assessment_submit(assessment=side["form"], by=side["user"])
    answer = AssessmentIndicator.objects.get(assessment=side["form"], indicator=indicator_of(side["enterprise"], kind))

    # when the officer corrects the value through the API, then the refusal is the same
    assert through_the_review_api(side, answer, value) == [message]


@pytest.mark.parametrize(("side_name", "kind", "value", "stored"), ACCEPTED)
def test_an_accepted_value_is_stored_alike_on_every_path(client, sides, side_name, kind, value, stored):
    side = sides[side_name]
    indicator = indicator_of(side["enterprise"], kind)
    answer = AssessmentIndicator.objects.get(assessment=side["form"], indicator=indicator)

    assert through_the_enterprise_page(client, side, indicator, value) == []
    assert through_the_autosave(client, side, answer, value) == []

    assert IndicatorValue.objects.get(enterprise=side["enterprise"], indicator=indicator).value == stored
    answer.refresh_from_db()
    assert answer.claimed_value == stored
