"""/api/pilots/ and /api/pilots/{id}/funds/: scoped lists with filters and cursor pages, designation with field
errors, updates with the version read (409 when stale), funds (paid never above granted)."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from enterprises.pilots.models import PilotDesignation, PilotFund

from .conftest import designate, scope_measures

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


@pytest.fixture
def api():
    return APIClient()


def _as(api, user):
    api.force_authenticate(user)
    return api


def test_create_read_update_and_a_stale_update(api, users, yn_enterprise):
    client = _as(api, users["officer-yn"])
    codes = [m.code for m in scope_measures(yn_enterprise, 2)]
    body = {
        "enterprise_id": yn_enterprise.pk,
        "region": "530100",
        "document_number": "昆工发〔2024〕12号",
        "designated_on": (TODAY() - timedelta(days=5)).isoformat(),
        "measures": codes,
    }
    created = client.post(reverse("api-pilot-list"), body, format="json")
    assert created.status_code == 201, created.json()
    data = created.json()
    assert data["measures"] == codes and data["applicable"] == 2 and data["done"] == 0 and data["version"] == 1
    url = reverse("api-pilot-detail", args=[data["id"]])
    got = client.get(url)
    assert got["ETag"] == '"1"' and got.json()["enterprise_name"] == yn_enterprise.name
    changed = client.patch(url, {"note": "扩大范围", "measures": codes[:1], "version": 1}, format="json")
    assert changed.status_code == 200 and changed.json()["version"] == 2 and changed.json()["measures"] == codes[:1]
    stale = client.patch(url, {"note": "又改", "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale" and stale.json()["current"]["note"] == "扩大范围"
    missing = client.patch(url, {"note": "无版本"}, format="json")
    assert missing.status_code == 400 and "version" in missing.json()


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"measures": ["SX-01-no-such"]}, "measures"),
        ({"region": "530000"}, "region"),  # a prefecture's officer designates for the prefecture only
        ({"designated_on": "2999-01-01"}, "designated_on"),
        ({"document_number": "文" * 51}, "document_number"),
    ],
)
def test_create_refusals_name_the_field_and_save_nothing(api, users, yn_enterprise, change, field):
    client = _as(api, users["officer-yn"])
    body = {
        "enterprise_id": yn_enterprise.pk,
        "region": "530100",
        "document_number": "昆工发〔2024〕12号",
        "designated_on": TODAY().isoformat(),
        "measures": [m.code for m in scope_measures(yn_enterprise, 1)],
        **change,
    }
    response = client.post(reverse("api-pilot-list"), body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert not PilotDesignation.objects.exists()


def test_a_measure_of_another_province_is_refused(api, users, yn_enterprise, sx_soe):
    client = _as(api, users["admin"])
    body = {
        "enterprise_id": yn_enterprise.pk,
        "region": "530100",
        "document_number": "昆工发〔2024〕12号",
        "designated_on": TODAY().isoformat(),
        "measures": [m.code for m in scope_measures(sx_soe, 1)],
    }
    response = client.post(reverse("api-pilot-list"), body, format="json")
    assert response.status_code == 400 and "不适用于该企业" in response.json()["measures"][0]


def test_an_enterprise_out_of_scope_is_refused_as_if_unknown(api, users, sx_soe):
    client = _as(api, users["officer-yn"])
    body = {
        "enterprise_id": sx_soe.pk,
        "region": "610100",
        "document_number": "X",
        "designated_on": TODAY().isoformat(),
        "measures": [m.code for m in scope_measures(sx_soe, 1)],
    }
    response = client.post(reverse("api-pilot-list"), body, format="json")
    assert response.status_code == 404 and not PilotDesignation.objects.exists()


def test_funds(api, users, yn_enterprise):
    d = designate(yn_enterprise, users["officer-yn"])
    client = _as(api, users["officer-yn"])
    url = reverse("api-pilot-funds", args=[d.pk])
    day = TODAY().isoformat()
    over = client.post(url, {"kind": "paid", "amount": "10.00", "on_date": day, "purpose": "培训"}, format="json")
    assert over.status_code == 400 and "将超过已下达的" in over.json()["amount"][0]
    granted = client.post(
        url, {"kind": "granted", "amount": "5000.00", "on_date": day, "purpose": "经费"}, format="json"
    )
    assert granted.status_code == 201 and granted.json()["amount"] == "5000.00"
    later = (TODAY() + timedelta(days=2)).isoformat()
    future = client.post(url, {"kind": "paid", "amount": "10", "on_date": later, "purpose": "培训"}, format="json")
    assert future.status_code == 400 and "on_date" in future.json()
    assert PilotFund.objects.count() == 1
    listed = client.get(url).json()
    assert [f["amount"] for f in listed] == ["5000.00"]
    detail = client.get(reverse("api-pilot-detail", args=[d.pk])).json()
    assert (detail["granted"], detail["paid"]) == ("5000.00", "0.00")
    # SASAC staff read the funds, and may not record any
    sasac = _as(APIClient(), users["sasac-yn"])
    assert sasac.get(url).status_code == 200
    refused = sasac.post(url, {"kind": "granted", "amount": "1", "on_date": day, "purpose": "x"}, format="json")
    assert refused.status_code == 403


def test_list_is_scoped_filtered_and_cursor_paged(api, users, yn_enterprise, sx_soe, kunming):
    from measures.services import progress_ensure
    from tests.factories import EnterpriseFactory

    mine = [designate(yn_enterprise, users["officer-yn"])]
    for i in range(4):
        e = EnterpriseFactory(name=f"接口试点{i}", region=kunming)
        progress_ensure(enterprise=e)
        mine.append(designate(e, users["officer-yn"], number=f"昆工发〔2024〕{i}号"))
    theirs = designate(sx_soe, users["officer-sx"], number="市工发〔2024〕8号")
    client = _as(api, users["officer-yn"])
    listed = client.get(reverse("api-pilot-list")).json()
    assert listed["count"] == 5 and theirs.pk not in {r["id"] for r in listed["results"]}
    filtered = client.get(reverse("api-pilot-list"), {"document": "〔2024〕3号"}).json()
    assert [r["id"] for r in filtered["results"]] == [mine[4].pk]
    seen, url = [], reverse("api-pilot-list") + "?cursor=&page_size=2"
    while url:
        page = client.get(url).json()
        seen += [r["id"] for r in page["results"]]
        url = page["next"]
    assert sorted(seen) == sorted(d.pk for d in mine)
    own = _as(APIClient(), users["enterprise-yn"]).get(reverse("api-pilot-list")).json()
    assert [r["id"] for r in own["results"]] == [mine[0].pk]
    assert _as(APIClient(), users["officer-sx"]).get(reverse("api-pilot-detail", args=[mine[0].pk])).status_code == 404
