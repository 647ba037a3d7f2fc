"""/api/liaisons/ and /api/visits/: scoped lists, assignment and its end, visits with field errors, updates with the
version read (409 when stale), filters."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises.liaisons.models import LiaisonAssignment, Visit
from enterprises.models import Region
from tests.factories import EnterpriseFactory, make_officer

from .conftest import log_visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def test_assign_list_and_end(api, users, liaison, yn_enterprise, sx_soe):
    client = _as(api, users["officer-yn"])
    body = {"enterprise_id": yn_enterprise.pk, "user_id": liaison.pk, "role": "instructor"}
    created = client.post(reverse("api-liaison-list"), body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["user"] == liaison.username and data["role"] == "instructor" and data["active"] is True
    again = client.post(reverse("api-liaison-list"), body, format="json")
    assert again.status_code == 400 and "user_id" in again.json()
    # the enterprise's own user sees who its liaison is; Shaanxi's officer does not
    listed = _as(APIClient(), users["enterprise-yn"]).get(reverse("api-liaison-list")).json()["results"]
    assert [a["id"] for a in listed] == [data["id"]]
    assert _as(APIClient(), users["officer-sx"]).get(reverse("api-liaison-list")).json()["results"] == []
    mine = _as(APIClient(), liaison).get(reverse("api-liaison-list"), {"mine": 1}).json()["results"]
    assert [a["enterprise"] for a in mine] == [yn_enterprise.pk]
    # another province's enterprise: 404; a role that may not assign: 403
    out = client.post(reverse("api-liaison-list"), {**body, "enterprise_id": sx_soe.pk}, format="json")
    assert out.status_code == 404 and out.json()["code"] == "not_found"
    refused = _as(APIClient(), users["sasac-yn"]).post(reverse("api-liaison-list"), body, format="json")
    assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
    ended = client.post(reverse("api-liaison-end", args=[data["id"]]))
    assert ended.status_code == 200 and ended.json()["active"] is False
    assert client.post(reverse("api-liaison-end", args=[data["id"]])).status_code == 400
    assert not LiaisonAssignment.objects.filter(ended_at__isnull=True).exists()


def test_assigning_an_unqualified_officer_names_the_field(api, users, yn_enterprise):
    body = {"enterprise_id": yn_enterprise.pk, "user_id": users["officer-yn"].pk, "role": "liaison"}
    answer = _as(api, users["officer-yn"]).post(reverse("api-liaison-list"), body, format="json")
    assert answer.status_code == 400 and list(answer.json()) == ["user_id"]
    bad_role = _as(api, users["officer-yn"]).post(reverse("api-liaison-list"), {**body, "role": "x"}, format="json")
    assert bad_role.status_code == 400 and "role" in bad_role.json()


def test_visit_create_read_update_and_a_stale_update(api, users, yn_enterprise):
    client = _as(api, users["officer-yn"])
    body = {
        "enterprise_id": yn_enterprise.pk,
        "visited_on": (TODAY() - timedelta(days=1)).isoformat(),
        "people_met": "王主席",
        "questions_answered": "职工创新工作室如何申报",
        "follow_ups": "寄送申报指南",
        "follow_up_due": (TODAY() + timedelta(days=10)).isoformat(),
    }
    created = client.post(reverse("api-visit-list"), body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["recorded_by"] == users["officer-yn"].username and data["prefecture"] == "530100"
    assert data["version"] == 1
    url = reverse("api-visit-detail", args=[data["id"]])
    got = client.get(url)
    assert got["ETag"] == '"1"' and got.json()["enterprise_name"] == yn_enterprise.name
    changed = client.patch(url, {"follow_ups": "已寄送", "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2
    stale = client.patch(url, {"follow_ups": "又改", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale" and stale.json()["current"]["follow_ups"] == "已寄送"
    missing = client.patch(url, {"follow_ups": "无版本"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"visited_on": "2999-01-01"}, "visited_on"),
        ({"people_met": ""}, "people_met"),
        ({"questions_answered": "问" * 5001}, "questions_answered"),
        ({"follow_up_due": "2000-01-01", "follow_ups": "再访"}, "follow_up_due"),
        ({"enterprise_id": "x"}, "enterprise_id"),
    ],
)
def test_visit_errors_name_the_field(api, users, yn_enterprise, change, field):
    body = {
        "enterprise_id": yn_enterprise.pk,
        "visited_on": TODAY().isoformat(),
        "people_met": "王主席",
        "questions_answered": "问题",
        **change,
    }
    answer = _as(api, users["officer-yn"]).post(reverse("api-visit-list"), body, format="json")
    assert answer.status_code == 400 and field in answer.json(), answer.json()
    assert not Visit.objects.exists()


def test_visit_list_is_scoped_and_filtered(api, users, kunming, yn_enterprise, sx_soe):
    qujing = EnterpriseFactory(name="曲靖走访测试有限公司", region=Region.objects.get(code="530300"))
    province = make_officer("t-yn-province", regions=[Region.objects.get(code="530000")])
    old = log_visit(yn_enterprise, users["officer-yn"], days=40)
    recent = log_visit(yn_enterprise, users["officer-yn"], days=2)
    far = log_visit(qujing, province, days=5)
    log_visit(sx_soe, users["officer-sx"], days=1)

    def ids(user, **params):
        answer = _as(APIClient(), user).get(reverse("api-visit-list"), params)
        assert answer.status_code == 200, answer.json()
        return [v["id"] for v in answer.json()["results"]]

    assert ids(users["sasac-yn"]) == [recent.pk, far.pk, old.pk]
    assert ids(users["officer-yn"]) == [recent.pk, old.pk]
    assert ids(users["sasac-yn"], prefecture="530300") == [far.pk]
    assert ids(users["sasac-yn"], date_from=(TODAY() - timedelta(days=10)).isoformat()) == [recent.pk, far.pk]
    assert ids(users["sasac-yn"], enterprise="曲靖走访") == [far.pk]
    assert ids(users["sasac-yn"], enterprise=yn_enterprise.credit_code) == [recent.pk, old.pk]
    bad = _as(APIClient(), users["sasac-yn"]).get(
        reverse("api-visit-list"), {"date_from": TODAY().isoformat(), "date_to": "2000-01-01"}
    )
    assert bad.status_code == 400 and "date_to" in bad.json()
    assert _as(APIClient(), users["enterprise-yn"]).get(reverse("api-visit-list")).status_code == 403
