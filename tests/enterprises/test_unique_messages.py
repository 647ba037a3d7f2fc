"""The portal's own words when a row would repeat a unique value (issue 13, item 4): never Django's "具有 统一社会信用
代码 的 企业 已存在。", whether the check is the model's (a form, the admin, full_clean) or the database's at save (a
race between the checks and the write)."""

import pytest
from django import forms
from django.core.exceptions import ValidationError

from enterprises.models import Enterprise
from enterprises.services import enterprise_create
from measures.models import Measure
from reform_portal.models import unique_message
from reporting.assessments.models import ReportingPeriod
from tests.factories import make_credit_code, open_period

pytestmark = pytest.mark.django_db

DJANGO_WORDS = ("具有", "已存在一个", "already exists", "must make a unique set", "必须能构成唯一集合")


def messages_of(exc: ValidationError) -> list[str]:
    return [m for messages in exc.message_dict.values() for m in messages]


def test_a_repeated_unique_field_is_told_in_the_portals_words(yn_enterprise):
    # given
    twin = Enterprise(name="另一家公司", credit_code=yn_enterprise.credit_code, region=yn_enterprise.region)

    # when
    with pytest.raises(ValidationError) as refused:
        twin.validate_unique()

    # then
    [message] = refused.value.message_dict["credit_code"]
    assert message == f"统一社会信用代码“{yn_enterprise.credit_code}”已被其他企业使用，请核对后重试。"
    assert not any(words in message for words in DJANGO_WORDS)


def test_a_repeated_unique_constraint_names_its_fields_together(users, yn_enterprise):
    # given: Yunnan's period of this year, and a form (as the admin's) for another one
    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    form_class = forms.modelform_factory(ReportingPeriod, fields=["year", "province", "opens_on", "deadline"])
    data = {
        "year": period.year,
        "province": period.province_id,
        "opens_on": period.opens_on,
        "deadline": period.deadline,
    }

    # when
    form = form_class(data)

    # then
    assert not form.is_valid()
    errors = [e for errors in form.errors.values() for e in errors]
    assert errors == ["该年度和省份的填报期已存在，不能重复添加。"]
    assert unique_message(ReportingPeriod, ("year", "province"), [period.year, period.province]) == errors[0]


def test_a_catalogue_code_repeated_in_a_form(db):
    measure = Measure.objects.order_by("pk").first()
    form = forms.modelform_factory(Measure, fields=["code"])({"code": measure.code}, instance=Measure())
    assert not form.is_valid()
    assert form.errors["code"] == [f"代码“{measure.code}”已被其他措施使用，请核对后重试。"]


@pytest.fixture
def race(monkeypatch):
    """The model's checks pass, as they do when another registration of the same code commits between them and the
    save: only the database's unique index sees the repeat."""
    monkeypatch.setattr(Enterprise, "validate_unique", lambda self, exclude=None: None)
    monkeypatch.setattr(Enterprise, "validate_constraints", lambda self, exclude=None: None)


def register(code, region, by):
    data = {
        "name": "后登记的公司",
        "credit_code": code,
        "region": region,
        "ownership": "private",
        "industry": "C",
        "size_class": "small",
        "employees": 10,
    }
    return enterprise_create(data=data, by=by)


def test_a_code_registered_meanwhile_is_refused_with_the_forms_words_not_a_server_error(users, yn_enterprise, race):
    # when: an officer in charge registers the code another registration took meanwhile
    with pytest.raises(ValidationError) as refused:
        register(yn_enterprise.credit_code, yn_enterprise.region, users["officer-yn"])

    # then: the holder is named to whom may see it; the transaction goes on (the save was a savepoint)
    assert refused.value.message_dict == {"credit_code": ["该统一社会信用代码已由“昆明测试机械有限公司”登记。"]}
    assert Enterprise.objects.filter(credit_code=yn_enterprise.credit_code).count() == 1
    fresh = register(make_credit_code(), yn_enterprise.region, users["officer-yn"])
    assert fresh.pk is not None


def test_a_code_registered_meanwhile_out_of_scope_is_not_revealed(users, sx_soe, kunming, race):
    with pytest.raises(ValidationError) as refused:
        register(sx_soe.credit_code, kunming, users["officer-yn"])

    [message] = messages_of(refused.value)
    assert "西安" not in message and message == "该统一社会信用代码无法登记，请核对后重试；如确认无误，请联系省总工会。"


def test_a_second_period_of_a_year_is_refused_by_the_api_in_the_portals_words(users, yn_enterprise):
    from rest_framework.test import APIClient

    # given
    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    api = APIClient()
    api.force_authenticate(users["admin"])
    body = {"province": "530000", "year": period.year, "opens_on": period.opens_on, "deadline": period.deadline}

    # when
    response = api.post("/api/assessment-periods/", body, format="json")

    # then
    assert response.status_code == 400
    text = response.content.decode()
    assert f"云南省已有{period.year}年度填报期。" in text
    assert not any(words in text for words in DJANGO_WORDS)
    assert ReportingPeriod.objects.filter(province_id=period.province_id, year=period.year).count() == 1


def test_a_period_opened_meanwhile_is_refused_in_the_same_words(users, yn_enterprise, monkeypatch):
    from reporting.assessments import services

    # given: Yunnan's period, opened after another officer's check found none (the check is made to find none)
    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    real_filter = ReportingPeriod.objects.filter

    class Nothing:
        def exists(self):
            return False

    monkeypatch.setattr(
        ReportingPeriod.objects, "filter", lambda **kw: Nothing() if "year" in kw else real_filter(**kw)
    )

    # when
    with pytest.raises(ValidationError) as refused:
        services.period_open(
            province=period.province,
            year=period.year,
            opens_on=period.opens_on,
            deadline=period.deadline,
            by=users["admin"],
        )

    # then: the words of the check, not a server error; the transaction goes on
    assert refused.value.message_dict == {"year": [f"云南省已有{period.year}年度填报期。"]}
    monkeypatch.undo()
    assert ReportingPeriod.objects.filter(province_id=period.province_id, year=period.year).count() == 1
