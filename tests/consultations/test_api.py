"""/api/questions/ and /api/faq/: scoped lists, asking, the actions with their version (409 when stale), precise
errors with `code` beside `detail`."""

import pytest
from rest_framework.test import APIClient

from enterprises.consultations import services
from enterprises.consultations.models import Question

from .conftest import ask

pytestmark = pytest.mark.django_db


def client_for(user):
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_ask_answer_rate_through_the_api(users, yn_enterprise, chain):
    enterprise = client_for(users["enterprise-yn"])
    body = {
        "enterprise_id": yn_enterprise.pk,
        "topic": "measure",
        "measure_code": "YN-06",
        "title": "问",
        "body": "内容",
    }
    created = enterprise.post("/api/questions/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert data["measure"] == "YN-06" and data["status"] == "open" and data["sla_text"].startswith("剩余")
    pk, version = data["id"], data["version"]

    officer = client_for(users["officer-yn"])
    stale = officer.post(f"/api/questions/{pk}/answer/", {"text": "答", "version": version + 5}, format="json")
    assert stale.status_code == 409 and stale.json()["code"] == "stale"
    answered = officer.post(f"/api/questions/{pk}/answer/", {"text": "按 8% 提取", "version": version}, format="json")
    assert answered.status_code == 200 and answered.json()["status"] == "answered"

    again = officer.post(f"/api/questions/{pk}/answer/", {"text": "再答", "version": answered.json()["version"]})
    assert again.status_code == 403  # answered: nothing waits for an answer
    rated = enterprise.post(f"/api/questions/{pk}/rate/", {"rating": 5}, HTTP_IF_MATCH=str(answered.json()["version"]))
    assert rated.status_code == 200 and rated.json()["rating"] == 5 and rated.json()["status"] == "closed"
    thread = enterprise.get(f"/api/questions/{pk}/messages/").json()
    assert [m["kind"] for m in thread] == ["ask", "answer", "rate"]


def test_scope_and_refusals(users, yn_enterprise, sx_soe, chain):
    question = ask(users, yn_enterprise)
    assert client_for(users["officer-sx"]).get(f"/api/questions/{question.pk}/").status_code == 404
    ids = [row["id"] for row in client_for(users["officer-sx"]).get("/api/questions/").json()["results"]]
    assert question.pk not in ids
    assert client_for(users["sasac-yn"]).get(f"/api/questions/{question.pk}/").status_code == 200
    forward = client_for(users["sasac-yn"]).post(f"/api/questions/{question.pk}/forward/", {"version": 1})
    assert forward.status_code == 403 and "code" in forward.json()
    officer_asks = client_for(users["officer-yn"]).post(
        "/api/questions/", {"enterprise_id": yn_enterprise.pk, "topic": "other", "title": "t", "body": "b"}
    )
    assert officer_asks.status_code == 403
    wrong = client_for(users["enterprise-yn"]).post(
        "/api/questions/",
        {"enterprise_id": yn_enterprise.pk, "topic": "measure", "measure_code": "SX-01", "title": "t", "body": "b"},
    )
    assert wrong.status_code == 400 and "measure_code" in wrong.json()
    too_long = client_for(users["enterprise-yn"]).post(
        "/api/questions/", {"enterprise_id": yn_enterprise.pk, "topic": "other", "title": "长" * 101, "body": "b"}
    )
    assert too_long.status_code == 400 and "title" in too_long.json()
    no_version = client_for(users["officer-yn"]).post(f"/api/questions/{question.pk}/answer/", {"text": "答"})
    assert no_version.status_code == 400 and "version" in no_version.json()
    assert Question.objects.get(pk=question.pk).status == "open"


def test_faq_search_and_filter(users, yn_enterprise, yn06):
    services.faq_publish(question=None, measure=yn06, title="教育经费提取比例", answer="8%", by=users["officer-yn"])
    client = client_for(users["enterprise-yn"])
    assert [r["title"] for r in client.get("/api/faq/", {"q": "经费"}).json()["results"]] == ["教育经费提取比例"]
    assert client.get("/api/faq/", {"q": "没有的词"}).json()["results"] == []
    assert len(client.get("/api/faq/", {"measure": "YN-06"}).json()["results"]) == 1
    assert client_for(users["enterprise-sx"]).get("/api/faq/").json()["results"] == []
