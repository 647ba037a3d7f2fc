"""The orders' API: create for several enterprises, refusals as field errors, reply multipart with evidence, accept
with the version (409 when stale), lists by light."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from rest_framework.test import APIClient

from reporting.supervision.models import SupervisionOrder

from .conftest import TODAY, measures_of
from .test_services import PDF

pytestmark = pytest.mark.django_db


def _client(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_orders_api_round_trip(users, yn_enterprise, second_yn):
    sasac = _client(users["sasac-yn"])
    body = {
        "enterprise_ids": [yn_enterprise.pk, second_yn.pk],
        "measures": [m.code for m in measures_of(yn_enterprise, 1)],
        "request": "请整改",
        "due_date": (TODAY + timedelta(days=1)).isoformat(),
    }
    created = sasac.post("/api/orders/", body, format="json")
    assert created.status_code == 201, created.content
    assert [o["light"] for o in created.json()] == ["yellow", "yellow"]
    order_id = created.json()[0]["id"]
    past = sasac.post("/api/orders/", {**body, "due_date": (TODAY - timedelta(days=1)).isoformat()}, format="json")
    assert past.status_code == 400 and "due_date" in past.json()
    outside = _client(users["sasac-sx"]).post("/api/orders/", body, format="json")
    assert outside.status_code == 400 and "enterprise_ids" in outside.json()
    assert SupervisionOrder.objects.count() == 2

    enterprise = _client(users["enterprise-yn"])
    reply = enterprise.post(
        f"/api/orders/{order_id}/replies/", {"text": "已整改", "files": [SimpleUploadedFile("a.pdf", PDF)]}
    )
    assert reply.status_code == 201, reply.content
    assert reply.json()["evidence"][0]["name"] == "a.pdf"
    got = sasac.get(f"/api/orders/{order_id}/")
    order = got.json()
    assert got.status_code == 200 and "status" in order, order
    assert order["status"] == "replied"
    stale = sasac.post(f"/api/orders/{order_id}/accept/", {"version": order["version"] - 1}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    ok = sasac.post(f"/api/orders/{order_id}/accept/", {"version": order["version"]}, format="json")
    assert ok.status_code == 200 and ok.json()["status"] == "closed"
    closed = enterprise.post(f"/api/orders/{order_id}/replies/", {"text": "再回复"})
    assert closed.status_code == 400 and closed.json()["text"] == ["该督办单已办结，不能再回复。"]
    listed = sasac.get("/api/orders/", {"light": "green"}).json()
    assert [o["id"] for o in listed["results"]] == [order_id]  # closed on time
    assert _client(users["enterprise-sx"]).get(f"/api/orders/{order_id}/").status_code == 404
