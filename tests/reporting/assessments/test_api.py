"""/api/assessments/ and /api/assessment-periods/: the same rules as the pages, with 400/403/404/409."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone
from rest_framework.test import APIClient

from measures.models import ProgressEvent
from reform_portal import workdays
from reform_portal.choices import ChangeSource
from reporting.assessments.models import Assessment, ReportingPeriod

from .conftest import fill_complete

pytestmark = pytest.mark.django_db


def api(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def read(client, pk) -> dict:
    """The assessment as the client reads it: its version and those of its items / indicators by code."""
    body = client.get(f"/api/assessments/{pk}/").json()
    return {
        "version": body["version"],
        **{i["measure"]: i["version"] for i in body["items"]},
        **{i["indicator"]: i["version"] for i in body["indicators"]},
    }


def test_enterprise_creates_edits_and_submits_its_own_draft(yn_period, users):
    client = api(users["enterprise-yn"])
    # when it creates its draft
    response = client.post("/api/assessments/", {"period": yn_period.pk}, format="json")
    assert response.status_code == 201
    body = response.json()
    pk = body["id"]
    assert body["status"] == "draft" and len(body["items"]) == 13
    # edits one measure (partial) and one indicator
    response = client.patch(f"/api/assessments/{pk}/items/YN-02/", {"self_rating": "good", "version": 1}, format="json")
    assert response.status_code == 200 and response.json()["self_rating"] == "good"
    response = client.patch(f"/api/assessments/{pk}/items/YN-02/", {"self_rating": "poor", "version": 1}, format="json")
    assert response.status_code == 409 and "别处" in response.json()["detail"]
    assert response.json()["current"]["version"] == 2 and response.json()["current"]["self_rating"] == "good"
    response = client.patch(
        f"/api/assessments/{pk}/items/YN-02/",
        {"claimed_status": "done", "claimed_percent": 30, "version": 2},
        format="json",
    )
    assert response.status_code == 400 and "percent" in response.json()
    version = read(client, pk)["YN-06-edu-fund"]
    response = client.patch(
        f"/api/assessments/{pk}/indicators/YN-06-edu-fund/", {"claimed_value": "9", "version": version}, format="json"
    )
    assert response.status_code == 200 and response.json()["claimed_met"] is True
    # submitting an incomplete form lists what is missing
    response = client.post(f"/api/assessments/{pk}/submit/", {"version": read(client, pk)["version"]}, format="json")
    assert response.status_code == 400
    missing = response.json()["missing"]
    # (YN-03's status and percent came from the current progress record, to be confirmed; it has no rating)
    assert {(m["anchor"], m["message"]) for m in missing} >= {
        ("item-YN-03", "未选择自评等级。"),
        ("item-YN-03", "预填的答案尚未确认：请核对后点“确认”或直接修改。"),
    }
    # complete and submit
    fill_complete(Assessment.objects.get(pk=pk), users["enterprise-yn"])
    response = client.post(f"/api/assessments/{pk}/submit/", {"version": read(client, pk)["version"]}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "submitted"
    # editing after submission is a 409
    version = read(client, pk)["YN-02"]
    response = client.patch(
        f"/api/assessments/{pk}/items/YN-02/", {"self_rating": "poor", "version": version}, format="json"
    )
    assert response.status_code == 409 and "已提交" in response.json()["detail"]


def test_officer_returns_and_accepts_and_progress_history_records_the_assessment(submitted, users):
    officer = api(users["officer-yn"])
    pk = submitted.pk
    # a return without a reason is a 400
    response = officer.post(f"/api/assessments/{pk}/return/", {"version": read(officer, pk)["version"]}, format="json")
    assert response.status_code == 400
    response = officer.patch(
        f"/api/assessments/{pk}/reviews/YN-04/",
        {"officer_comment": "缺少佐证", "version": read(officer, pk)["YN-04"]},
        format="json",
    )
    assert response.status_code == 200
    response = officer.post(
        f"/api/assessments/{pk}/return/", {"comment": "请补充", "version": read(officer, pk)["version"]}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "returned"
    # accepting a returned form is an illegal transition
    response = officer.post(f"/api/assessments/{pk}/accept/", {"version": read(officer, pk)["version"]}, format="json")
    assert response.status_code == 409 and "已退回" in response.json()["detail"]
    enterprise = api(users["enterprise-yn"])
    response = enterprise.post(
        f"/api/assessments/{pk}/submit/", {"version": read(enterprise, pk)["version"]}, format="json"
    )
    assert response.status_code == 200
    response = officer.patch(
        f"/api/assessments/{pk}/reviews/YN-04/",
        {"verified_percent": 20},
        headers={"If-Match": f'"{read(officer, pk)["YN-04"]}"'},
        format="json",
    )
    assert response.status_code == 200 and response.json()["percent_gap"] == -40
    response = officer.post(
        f"/api/assessments/{pk}/accept/", {"comment": "通过", "version": read(officer, pk)["version"]}, format="json"
    )
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "accepted" and body["round"] == 2
    assert [t["action"] for t in body["transitions"]] == ["create", "submit", "return", "submit", "accept"]
    change = ProgressEvent.objects.filter(
        pgh_obj__enterprise=submitted.enterprise, pgh_obj__measure__code="YN-04"
    ).first()
    assert change.source == ChangeSource.ASSESSMENT and change.percent == 20


def test_refusals_by_role(submitted, draft, users, yn_period):
    pk = submitted.pk
    # another province's officer, SASAC and enterprise: out of scope
    for role in ("officer-sx", "sasac-sx", "enterprise-sx"):
        client = api(users[role])
        assert client.get(f"/api/assessments/{pk}/").status_code == 404, role
        assert client.post(f"/api/assessments/{pk}/accept/", {}, format="json").status_code == 404, role
        assert pk not in [a["id"] for a in client.get("/api/assessments/").json()["results"]]
    # SASAC of the province reads but cannot act
    sasac = api(users["sasac-yn"])
    assert sasac.get(f"/api/assessments/{pk}/").status_code == 200
    assert sasac.post(f"/api/assessments/{pk}/accept/", {}, format="json").status_code == 403
    # the enterprise cannot review its own form
    enterprise = api(users["enterprise-yn"])
    assert enterprise.post(f"/api/assessments/{pk}/accept/", {}, format="json").status_code == 403
    response = enterprise.patch(f"/api/assessments/{pk}/reviews/YN-02/", {"verified_percent": 100}, format="json")
    assert response.status_code == 403
    # officers cannot create an enterprise's form
    assert (
        api(users["officer-yn"]).post("/api/assessments/", {"period": yn_period.pk}, format="json").status_code == 403
    )
    # another province's enterprise cannot start a form in this period
    response = api(users["enterprise-sx"]).post("/api/assessments/", {"period": yn_period.pk}, format="json")
    assert response.status_code in (400, 404)
    submitted.refresh_from_db()
    assert submitted.status == "submitted"


def test_accepting_a_draft_is_a_409(yn_period, users):
    from reporting.assessments import services

    draft = services.assessment_start(
        period=yn_period, enterprise=users["enterprise-yn"].profile.enterprise, by=users["enterprise-yn"]
    )
    response = api(users["officer-yn"]).post(
        f"/api/assessments/{draft.pk}/accept/", {"version": draft.version}, format="json"
    )
    assert response.status_code == 409 and "草稿" in response.json()["detail"]


def test_nobody_submits_after_the_deadline(draft, users):
    fill_complete(draft, users["enterprise-yn"])
    period = draft.period
    period.opens_on = timezone.localdate() - timedelta(days=30)
    # the last working day before today (a deadline on a day off falls due on the next working day)
    period.deadline = workdays.previous_workday(timezone.localdate())
    period.save()
    draft.refresh_from_db()
    response = api(users["enterprise-yn"]).post(
        f"/api/assessments/{draft.pk}/submit/", {"version": draft.version}, format="json"
    )
    assert response.status_code == 409 and "截止" in response.json()["detail"]
    draft.refresh_from_db()
    assert draft.status == "draft"


def test_periods_api(users):
    province = users["sasac-yn"].profile.province
    data = {"year": 2031, "province": province.code, "opens_on": "2031-01-01", "deadline": "2031-02-01"}
    assert api(users["officer-yn"]).post("/api/assessment-periods/", data, format="json").status_code == 403
    assert api(users["sasac-sx"]).post("/api/assessment-periods/", data, format="json").status_code == 403
    response = api(users["sasac-yn"]).post("/api/assessment-periods/", data, format="json")
    assert response.status_code == 201, response.json()
    pk = response.json()["id"]
    assert api(users["sasac-yn"]).post("/api/assessment-periods/", data, format="json").status_code == 400
    response = api(users["sasac-yn"]).patch(f"/api/assessment-periods/{pk}/", {"is_open": False}, format="json")
    assert response.status_code == 200 and response.json()["is_open"] is False
    assert (
        api(users["sasac-sx"]).patch(f"/api/assessment-periods/{pk}/", {"is_open": True}, format="json").status_code
        == 404
    )
    assert [p["id"] for p in api(users["enterprise-sx"]).get("/api/assessment-periods/").json()["results"]] == []


def test_seed_assessment_demo_is_idempotent_and_refuses_production(db, settings):
    settings.DEBUG = True
    call_command("seed_assessment_demo", verbosity=0)
    call_command("seed_assessment_demo", verbosity=0)
    year = timezone.localdate().year
    periods = ReportingPeriod.objects.filter(year=year)
    assert sorted(periods.values_list("province__code", flat=True)) == ["530000", "610000"]
    assert all(p.is_open and p.deadline == timezone.localdate() + timedelta(days=30) for p in periods)
    settings.DEBUG = False
    with pytest.raises(CommandError):
        call_command("seed_assessment_demo", year=year + 1, verbosity=0)
    assert not ReportingPeriod.objects.filter(year=year + 1).exists()


def test_return_with_the_version_read_succeeds_and_a_stale_one_is_a_409(submitted, users):
    # given the officer commented on a measure and read the form at its current version, and someone acted on it since
    officer = api(users["officer-yn"])
    response = officer.patch(
        f"/api/assessments/{submitted.pk}/reviews/YN-04/",
        {"officer_comment": "缺少佐证", "version": read(officer, submitted.pk)["YN-04"]},
        format="json",
    )
    assert response.status_code == 200
    current = officer.get(f"/api/assessments/{submitted.pk}/").json()["version"]
    stale = current - 1
    # when the officer returns it with a version that is no longer current
    response = officer.post(
        f"/api/assessments/{submitted.pk}/return/", {"comment": "请补充", "version": stale}, format="json"
    )
    # then it is refused and nothing changed
    assert response.status_code == 409
    submitted.refresh_from_db()
    assert submitted.status == "submitted"
    # and with the version read it goes through
    response = officer.post(
        f"/api/assessments/{submitted.pk}/return/", {"comment": "请补充", "version": current}, format="json"
    )
    assert response.status_code == 200 and response.json()["status"] == "returned"


WRITES = {
    # endpoint: (who writes, body without the version, which row's version it needs)
    "items/YN-02/": ("enterprise-yn", {"self_rating": "good"}, "YN-02"),
    "indicators/YN-06-edu-fund/": ("enterprise-yn", {"claimed_value": "9"}, "YN-06-edu-fund"),
    "submit/": ("enterprise-yn", {}, "version"),
    "reviews/YN-02/": ("officer-yn", {"officer_comment": "请补充佐证"}, "YN-02"),
    "indicator-reviews/YN-06-edu-fund/": ("officer-yn", {"verified_value": "9"}, "YN-06-edu-fund"),
    "return/": ("officer-yn", {"comment": "请补充"}, "version"),
    "accept/": ("officer-yn", {}, "version"),
}


@pytest.mark.parametrize("endpoint", list(WRITES))
def test_every_write_without_a_version_is_a_400_naming_the_field(endpoint, draft, users):
    # given a form in the state where this write is allowed
    who, body, _ = WRITES[endpoint]
    if who == "officer-yn":
        fill_complete(draft, users["enterprise-yn"])
        from reporting.assessments import services

        services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    before = api(users[who]).get(f"/api/assessments/{draft.pk}/").json()
    # when the client leaves the version out (no body field, no If-Match)
    method = "post" if endpoint.endswith(("submit/", "return/", "accept/")) else "patch"
    response = getattr(api(users[who]), method)(f"/api/assessments/{draft.pk}/{endpoint}", body, format="json")
    # then it is refused with a message on `version`, and nothing changed
    assert response.status_code == 400, response.json()
    assert "version" in response.json() and "If-Match" in response.json()["version"][0]
    assert api(users[who]).get(f"/api/assessments/{draft.pk}/").json() == before


@pytest.mark.parametrize("endpoint", list(WRITES))
def test_every_write_with_a_stale_version_is_a_409_with_the_current_values(endpoint, draft, users):
    from reporting.assessments import services

    who, body, key = WRITES[endpoint]
    if who == "officer-yn":
        fill_complete(draft, users["enterprise-yn"])
        services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    client = api(users[who])
    current = read(client, draft.pk)[key]
    before = client.get(f"/api/assessments/{draft.pk}/").json()
    # when the client sends a version older than the current one (in the If-Match header for half of them)
    method = "post" if endpoint.endswith(("submit/", "return/", "accept/")) else "patch"
    if endpoint.startswith(("items", "reviews", "return")):
        kwargs = {"headers": {"If-Match": f'"{current - 1}"'}}
    else:
        body = {**body, "version": current - 1}
        kwargs = {}
    response = getattr(client, method)(f"/api/assessments/{draft.pk}/{endpoint}", body, format="json", **kwargs)
    # then it is refused with the current values, and nothing changed
    assert response.status_code == 409, response.json()
    assert "别处" in response.json()["detail"]
    assert response.json()["current"]["version"] == current
    assert client.get(f"/api/assessments/{draft.pk}/").json() == before


def test_if_match_header_carries_the_version(draft, users):
    client = api(users["enterprise-yn"])
    version = read(client, draft.pk)["YN-02"]
    response = client.patch(
        f"/api/assessments/{draft.pk}/items/YN-02/", {"self_rating": "good"}, headers={"If-Match": f'W/"{version}"'}
    )
    assert response.status_code == 200 and response.json()["version"] == version + 1
