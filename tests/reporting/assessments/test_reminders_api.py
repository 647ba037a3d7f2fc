"""`/api/reminders/` and `/api/escalations/` (issue 14: the API covers reminders): what the daily task and the
officers sent, to whom each may see it, and sending a reminder through the API as the overview does."""

from datetime import date

import pytest
from rest_framework.test import APIClient

from enterprises.models import Region
from reform_portal.outbox.models import OutboxMessage
from reform_portal.outbox.services import bound
from reporting.assessments import services, tasks
from reporting.assessments.models import Assessment, AssessmentNotice, ReportingPeriod
from tests.factories import EnterpriseFactory, make_enterprise_user, make_officer, make_sasac

pytestmark = pytest.mark.django_db
NOTICE_TASK = "reporting.assessments.tasks.send_notice_email"


@pytest.fixture
def overdue(kunming, xian, settings):
    """A 2025 Yunnan period due 1 October (falls due 9 October), three Kunming enterprises not submitted (one in a
    county) and one submitted, a Xi'an enterprise; officers of the county and of Kunming; the daily task run on the
    first working day overdue (10 October): three overdue reminders and three escalations."""
    settings.ESCALATION_DELAY_WORKDAYS = 5
    county = Region.objects.filter(parent=kunming, level="county").order_by("code").first()
    period = ReportingPeriod.objects.create(
        year=2025, province_id=kunming.parent_id, opens_on=date(2025, 9, 1), deadline=date(2025, 10, 1)
    )
    e = {
        "county": EnterpriseFactory(name="昆明县里机械有限公司", region=kunming, county=county),
        "draft": EnterpriseFactory(name="昆明草稿化工有限公司", region=kunming),
        "none": EnterpriseFactory(name="昆明未填报建材有限公司", region=kunming),
        "submitted": EnterpriseFactory(name="昆明已提交电力有限公司", region=kunming),
        "xian": EnterpriseFactory(name="西安某某有限公司", region=xian),
    }
    Assessment.objects.create(period=period, enterprise=e["draft"], status="draft")
    Assessment.objects.create(period=period, enterprise=e["submitted"], status="submitted")
    users = {
        "county": make_officer("o-county", regions=[county]),
        "kunming": make_officer("o-kunming", regions=[kunming]),
        "sasac": make_sasac("s-yn"),
        "sasac-sx": make_sasac("s-sx", province_code="610000"),
        "ent": make_enterprise_user("e-draft", enterprise=e["draft"]),
    }
    services.deadline_reminders_run(
        today=date(2025, 10, 10),
        enqueue_notice_email=bound(tasks.send_notice_email),
        enqueue_escalation_email=bound(tasks.send_escalation_email),
    )
    return period, e, users


def api(user) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def _listed(user, url, **params):
    response = api(user).get(url, params)
    assert response.status_code == 200, response.content
    return response.json()["results"]


def test_reminders_are_listed_to_those_who_see_the_enterprise(overdue):
    period, e, u = overdue
    late = {e[k].pk for k in ("county", "draft", "none")}
    rows = _listed(u["kunming"], "/api/reminders/", period=period.pk)
    assert {r["enterprise"] for r in rows} == late
    assert all(r["automatic"] and r["offset"] == -1 and r["period_year"] == 2025 for r in rows)
    assert {r["enterprise"] for r in _listed(u["county"], "/api/reminders/")} == {e["county"].pk}
    assert [r["enterprise"] for r in _listed(u["ent"], "/api/reminders/")] == [e["draft"].pk]
    assert {r["enterprise"] for r in _listed(u["sasac"], "/api/reminders/")} == late
    assert _listed(u["sasac-sx"], "/api/reminders/") == []
    other = AssessmentNotice.objects.get(enterprise=e["none"]).pk
    assert api(u["ent"]).get(f"/api/reminders/{other}/").status_code == 404


def test_escalations_are_the_union_and_regulator_business(overdue):
    period, e, u = overdue
    rows = _listed(u["kunming"], "/api/escalations/", period=period.pk)
    # the Kunming officer sees all three (told of the two without a county); the county officer its own
    assert sorted((r["enterprise"], r["stage"], r["level"], r["officers"]) for r in rows) == sorted(
        [(e["draft"].pk, 0, "prefecture", 1), (e["none"].pk, 0, "prefecture", 1), (e["county"].pk, 0, "county", 1)]
    )
    assert [r["enterprise"] for r in _listed(u["county"], "/api/escalations/")] == [e["county"].pk]
    assert len(_listed(u["sasac"], "/api/escalations/")) == 3
    assert _listed(u["ent"], "/api/escalations/") == []  # its reminders are its notices
    assert _listed(u["sasac-sx"], "/api/escalations/") == []


def test_an_officer_reminds_through_the_api(overdue, django_capture_on_commit_callbacks):
    period, e, u = overdue
    before = OutboxMessage.objects.filter(task=NOTICE_TASK).count()
    body = {"period": period.pk, "enterprises": [e["submitted"].pk], "message": "请尽快补充佐证材料。"}
    response = api(u["kunming"]).post("/api/reminders/", body, format="json")
    assert response.status_code == 201, response.content
    (sent,) = response.json()
    assert (sent["enterprise"], sent["automatic"], sent["offset"], sent["message"]) == (
        e["submitted"].pk,
        False,
        None,
        "请尽快补充佐证材料。",
    )
    assert OutboxMessage.objects.filter(task=NOTICE_TASK).count() == before + 1
    manual = _listed(u["kunming"], "/api/reminders/", automatic="false")
    assert [r["id"] for r in manual] == [sent["id"]]


def test_reminding_out_of_reach_or_as_the_wrong_role_saves_nothing(overdue):
    period, e, u = overdue
    before = AssessmentNotice.objects.count()
    out = api(u["county"]).post("/api/reminders/", {"period": period.pk, "enterprises": [e["none"].pk]}, format="json")
    assert out.status_code == 404 and str(e["none"].pk) in out.json()["detail"]
    xian = api(u["kunming"]).post(
        "/api/reminders/", {"period": period.pk, "enterprises": [e["draft"].pk, e["xian"].pk]}, format="json"
    )
    assert xian.status_code == 404 and str(e["xian"].pk) in xian.json()["detail"]
    refused = api(u["ent"]).post(
        "/api/reminders/", {"period": period.pk, "enterprises": [e["draft"].pk]}, format="json"
    )
    assert refused.status_code == 403
    empty = api(u["kunming"]).post("/api/reminders/", {"period": period.pk, "enterprises": []}, format="json")
    assert empty.status_code == 400 and "enterprises" in empty.json()
    assert AssessmentNotice.objects.count() == before


def test_the_reminder_list_reads_a_bounded_number_of_queries(overdue, django_assert_max_num_queries):
    period, e, u = overdue
    with django_assert_max_num_queries(8):
        assert len(_listed(u["kunming"], "/api/reminders/")) == 3
    with django_assert_max_num_queries(8):
        assert len(_listed(u["kunming"], "/api/escalations/")) == 3
