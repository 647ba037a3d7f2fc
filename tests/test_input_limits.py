"""Bad input is refused with a message at its field or a precise API error, never a 500 (issue 11, findings 8 and
10): a period of year 20266 or dates 0001-01-01 … 9999-12-31, a 4.9 MB progress note or answer, JSON nested
100,000 levels deep, a NUL byte in a path, filter or form field, an enterprise user with no enterprise."""

import json
from datetime import date

import pytest
from django.db import IntegrityError, transaction
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.choices import Role
from enterprises.models import Profile, Region
from measures.models import Progress
from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS
from reporting.assessments.models import ReportingPeriod
from reporting.assessments.period_limits import period_problems
from tests.factories import UserFactory, open_period

pytestmark = pytest.mark.django_db

HUGE = "长" * (4_900_000 // 3)  # 4.9 MB of UTF-8


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


# Periods ----------------------------------------------------------------------------------------------------------


def test_the_period_rule():
    assert period_problems(year=2026, opens_on=date(2025, 12, 1), deadline=date(2027, 1, 31)) == {}
    assert set(period_problems(year=20266, opens_on=date(1, 1, 1), deadline=date(9999, 12, 31))) == {"year"}
    assert set(period_problems(year=1999, opens_on=None, deadline=None)) == {"year"}
    assert set(period_problems(year=2026, opens_on=date(1, 1, 1), deadline=date(9999, 12, 31))) == {
        "opens_on",
        "deadline",
    }
    assert set(period_problems(year=2026, opens_on=date(2026, 5, 1), deadline=date(2026, 4, 1))) == {"deadline"}


def test_an_absurd_period_is_refused_on_the_page_with_a_message_at_its_field(client, users):
    client.force_login(users["admin"])
    yunnan = Region.objects.get(code="530000")
    url = reverse("reporting:assessments:periods")
    body = {"year": 20266, "province": yunnan.pk, "opens_on": "0001-01-01", "deadline": "9999-12-31"}
    response = client.post(url, body)
    assert response.status_code == 200
    assert "year" in response.context["form"].errors
    body["year"] = 2026
    response = client.post(url, body)
    errors = response.context["form"].errors
    assert "2025-01-01 至 2027-12-31" in errors["opens_on"][0] and "deadline" in errors
    assert not ReportingPeriod.objects.exists()


def test_an_absurd_period_is_refused_by_the_api_naming_the_fields(users):
    client = api(users["admin"])
    body = {"year": 20266, "province": "530000", "opens_on": "0001-01-01", "deadline": "9999-12-31"}
    response = client.post("/api/assessment-periods/", body, format="json")
    assert response.status_code == 400
    assert "year" in response.json()
    response = client.post("/api/assessment-periods/", {**body, "year": 2026}, format="json")
    assert response.status_code == 400
    assert {"opens_on", "deadline"} <= set(response.json())
    assert not ReportingPeriod.objects.exists()


def test_a_deadline_moved_out_of_the_year_is_refused(users):
    period = open_period(province_id=Region.objects.get(code="530000").pk, opened_by=users["admin"])
    response = api(users["admin"]).patch(
        f"/api/assessment-periods/{period.pk}/", {"deadline": "9999-12-31"}, format="json"
    )
    assert response.status_code == 400
    assert "deadline" in json.dumps(response.json())
    period.refresh_from_db()
    assert period.deadline.year < 9999


def test_the_database_refuses_an_absurd_period_whatever_path_writes_it(users):
    yunnan = Region.objects.get(code="530000")
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingPeriod.objects.create(
            year=20266, province=yunnan, opens_on=date(2026, 1, 1), deadline=date(2026, 2, 1)
        )
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingPeriod.objects.create(year=2026, province=yunnan, opens_on=date(1, 1, 1), deadline=date(9999, 12, 31))


# Text fields ------------------------------------------------------------------------------------------------------


def _progress(enterprise) -> Progress:
    return Progress.objects.filter(enterprise=enterprise).order_by("pk").first()


def test_a_huge_progress_note_is_refused_by_the_api_naming_the_field(users, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10 * 1024 * 1024  # the field's limit refuses it, not the body's
    progress = _progress(users["enterprise-yn"].profile.enterprise)
    before = progress.note
    response = api(users["officer-yn"]).patch(
        f"/api/progress/{progress.pk}/", {"note": HUGE, "version": progress.version}, format="json"
    )
    assert response.status_code == 400
    assert "note" in response.json()
    progress.refresh_from_db()
    assert progress.note == before
    ok = api(users["officer-yn"]).patch(
        f"/api/progress/{progress.pk}/", {"note": "说" * NOTE_MAX_CHARS, "version": progress.version}, format="json"
    )
    assert ok.status_code == 200, ok.content


def test_the_forms_bound_every_free_text():
    from measures.forms import BulkProgressForm, ProgressForm
    from reporting.assessments.forms import DecisionForm, ItemForm, ReviewItemForm

    assert ProgressForm.base_fields["note"].max_length == NOTE_MAX_CHARS
    assert BulkProgressForm.base_fields["note"].max_length == NOTE_MAX_CHARS
    assert ItemForm.base_fields["what_done"].max_length == ANSWER_MAX_CHARS
    assert ReviewItemForm.base_fields["officer_comment"].max_length == NOTE_MAX_CHARS
    assert DecisionForm.base_fields["comment"].max_length == NOTE_MAX_CHARS
    form = ProgressForm(data={"status": "in_progress", "percent": 10, "note": HUGE[: NOTE_MAX_CHARS + 1], "version": 1})
    assert not form.is_valid() and "note" in form.errors


def test_a_huge_answer_is_refused_by_the_assessment_api(users):
    from reporting.assessments import services

    period = open_period(province_id=Region.objects.get(code="530000").pk, opened_by=users["admin"])
    enterprise = users["enterprise-yn"].profile.enterprise
    draft = services.assessment_start(period=period, enterprise=enterprise, by=users["enterprise-yn"])
    item = draft.items.select_related("measure").first()
    url = f"/api/assessments/{draft.pk}/items/{item.measure.code}/"
    response = api(users["enterprise-yn"]).patch(url, {"what_done": "做" * (ANSWER_MAX_CHARS + 1)}, format="json")
    assert response.status_code == 400
    assert "what_done" in response.json()
    item.refresh_from_db()
    assert item.what_done == ""


# Malformed input --------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/api/progress/{pk}/", "/api/enterprises/{enterprise}/"])
def test_deeply_nested_json_is_a_400(users, path):
    enterprise = users["enterprise-yn"].profile.enterprise
    url = path.format(pk=_progress(enterprise).pk, enterprise=enterprise.pk)
    client = api(users["officer-yn"])
    for depth in (100_000, 40):
        body = "[" * depth + "]" * depth
        response = client.patch(url, body, content_type="application/json")
        assert response.status_code == 400, (depth, response.status_code)
        assert "嵌套" in response.json()["detail"]


def test_a_nul_in_json_text_is_a_400(users):
    progress = _progress(users["enterprise-yn"].profile.enterprise)
    response = api(users["officer-yn"]).patch(
        f"/api/progress/{progress.pk}/", '{"note": "a\\u0000b"}', content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json()["code"] == "parse_error"  # the code beside the detail (reform_portal/api_exceptions.py)
    # the token endpoint declares `code` as required in its 400 (schemathesis found it without one)
    refused = APIClient().post(
        "/api/auth/token/", '{"username": "a\\u0000", "password": "x"}', content_type="application/json"
    )
    assert refused.status_code == 400
    assert set(refused.json()) == {"detail", "code"} and refused.json()["code"] == "parse_error"


def test_a_nul_byte_in_a_path_query_or_form_field_is_a_400(users):
    client = Client(raise_request_exception=False)
    client.force_login(users["officer-yn"])
    progress = _progress(users["enterprise-yn"].profile.enterprise)
    assert client.get("/enterprises/", {"q": "昆明\x00"}).status_code == 400
    assert client.get("/enterprises/?q=%00").status_code == 400
    assert client.get("/enterprises/%00/").status_code == 400
    assert client.get("/api/enterprises/", {"search": "\x00"}).status_code == 400
    assert client.get("/api/enterprises/", {"search": "\x00"}).json()["code"] == "nul_character"
    url = reverse("measures:progress_edit", args=[progress.pk])
    response = client.post(url, {"status": "in_progress", "percent": 10, "note": "a\x00b", "version": progress.version})
    assert response.status_code == 400
    # and an ordinary request still passes
    assert client.get("/enterprises/", {"q": "昆明"}).status_code == 200


# A profile without its enterprise -------------------------------------------------------------------------------


@pytest.fixture
def orphan(db):
    """An enterprise user whose profile names no enterprise (the admin refuses it, a data fix or a deletion may
    leave it)."""
    user = UserFactory(username="t-orphan")
    Profile.objects.create(user=user, role=Role.ENTERPRISE)
    return user


def test_an_enterprise_user_without_an_enterprise_never_gets_a_500(orphan, users, yn_enterprise, settings, tmp_path):
    from tests.test_role_matrix import CASES, build_objects, url_of

    settings.MEDIA_ROOT = tmp_path / "media"
    objects = build_objects(users, yn_enterprise, side="yn")
    client = Client(raise_request_exception=False)
    client.force_login(orphan)
    failures = []
    for name, method in CASES:
        url = url_of(name, objects)
        kwargs = {"content_type": "application/json"} if method in ("PATCH", "PUT") else {}
        with transaction.atomic():
            response = getattr(client, method.lower())(url, {} if method not in ("PATCH", "PUT") else "{}", **kwargs)
            transaction.set_rollback(True)
        if response.status_code >= 500:
            failures.append(f"{method} {url} ({name}): {response.status_code}")
    assert not failures, "\n".join(failures)


def test_an_enterprise_user_without_an_enterprise_gets_a_clear_page(orphan, users):
    client = Client(raise_request_exception=False)
    client.force_login(orphan)
    response = client.get("/")
    assert response.status_code == 403
    assert "没有关联企业或负责范围" in response.content.decode()
    period = open_period(province_id=Region.objects.get(code="530000").pk, opened_by=users["admin"])
    response = api(orphan).post("/api/assessments/", {"period": period.pk}, format="json")
    assert response.status_code == 403
    assert response.json()["detail"]


# A credit code taken outside the user's reach -------------------------------------------------------------------


def test_a_credit_code_of_another_province_is_refused_without_revealing_it(client, users, sx_soe, yn_enterprise):
    from enterprises.credit_code_uniqueness import NEUTRAL

    officer = users["officer-yn"]
    # the API: the Shaanxi enterprise is neither named nor linked, the officer's own one is
    response = api(officer).post(
        "/api/enterprises/", {"name": "新企业", "credit_code": sx_soe.credit_code}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["credit_code"] == [NEUTRAL]
    assert sx_soe.name not in response.content.decode() and "已存在" not in response.content.decode()
    response = api(officer).post(
        "/api/enterprises/", {"name": "新企业", "credit_code": yn_enterprise.credit_code}, format="json"
    )
    assert response.status_code == 400
    assert yn_enterprise.name in response.json()["credit_code"][0]
    # the page form: the same, with a link to the enterprise the officer may open
    client.force_login(officer)
    url = reverse("enterprises:create")
    html = client.post(url, {"name": "新企业", "credit_code": sx_soe.credit_code}).content.decode()
    assert NEUTRAL in html and sx_soe.name not in html and "已存在" not in html
    html = client.post(url, {"name": "新企业", "credit_code": yn_enterprise.credit_code}).content.decode()
    assert reverse("enterprises:detail", args=[yn_enterprise.pk]) in html and yn_enterprise.name in html


# The assessment overview --------------------------------------------------------------------------------------


def test_the_assessment_overview_paginates_and_keeps_its_filters(client, users, kunming):
    from reporting.assessments.views.overview import OVERVIEW_PAGE_SIZE
    from tests.factories import EnterpriseFactory

    period = open_period(province_id=kunming.parent_id, opened_by=users["admin"])
    for i in range(OVERVIEW_PAGE_SIZE + 5):
        EnterpriseFactory(name=f"分页测试企业{i:03d}", region=kunming)
    client.force_login(users["officer-yn"])
    url = reverse("reporting:assessments:index")
    first = client.get(url, {"period": period.pk, "state": "not_filled"})
    html = first.content.decode()
    assert html.count("data-enterprise=") == OVERVIEW_PAGE_SIZE
    total = first.context["page"].paginator.count
    assert total == OVERVIEW_PAGE_SIZE + 6  # and the users fixture's enterprise
    assert f"period={period.pk}&state=not_filled&page=2" in html
    second = client.get(url, {"period": period.pk, "state": "not_filled", "page": 2})
    assert second.content.decode().count("data-enterprise=") == total - OVERVIEW_PAGE_SIZE


def test_a_huge_reminder_message_is_refused_and_nothing_is_sent(client, users, yn_enterprise):
    from reporting.assessments.models import AssessmentNotice

    period = open_period(province_id=yn_enterprise.region.parent_id, opened_by=users["admin"])
    client.force_login(users["officer-yn"])
    url = reverse("reporting:assessments:remind", args=[period.pk])
    response = client.post(url, {"enterprise": [yn_enterprise.pk], "message": "催" * (NOTE_MAX_CHARS + 1)}, follow=True)
    assert "提醒内容不能超过 2000 个字" in response.content.decode()
    assert not AssessmentNotice.objects.exists()
