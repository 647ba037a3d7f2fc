"""The read API: token login, scoping per role, schema and offline docs."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db


@pytest.fixture
def api():
    return APIClient()


def as_user(api, user):
    api.force_authenticate(user)
    return api


def test_token_login_then_token_requests(api, users, yn_enterprise):
    response = api.post("/api/auth/token/", {"username": "t-officer-yn", "password": "demo12345"}, format="json")
    assert response.status_code == 200
    token = response.json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    names = [e["name"] for e in api.get("/api/enterprises/").json()["results"]]
    assert yn_enterprise.name in names


def test_wrong_password_gets_no_token(api, users):
    response = api.post("/api/auth/token/", {"username": "t-officer-yn", "password": "wrong"}, format="json")
    assert response.status_code == 400
    assert "token" not in response.json()


@pytest.mark.parametrize("url", ["/api/enterprises/", "/api/regions/", "/api/documents/", "/api/measures/"])
def test_anonymous_is_refused(api, url):
    assert api.get(url).status_code in (401, 403)


def test_anonymous_is_refused_real_rows(api, yn_enterprise):
    progress = yn_enterprise.progress.order_by("pk").first()
    for url in (f"/api/enterprises/{yn_enterprise.pk}/", f"/api/progress/{progress.pk}/"):
        assert api.get(url).status_code in (401, 403), url


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ("admin", {"yn", "sx"}),
        ("officer-yn", {"yn"}),
        ("officer-sx", {"sx"}),
        ("sasac-yn", {"yn"}),
        ("sasac-sx", {"sx"}),
        ("enterprise-yn", {"yn"}),
        ("enterprise-sx", {"sx"}),
    ],
)
def test_enterprise_list_and_detail_are_scoped(api, users, yn_enterprise, sx_soe, role, expected):
    client = as_user(api, users[role])
    ids = {e["id"] for e in client.get("/api/enterprises/").json()["results"]}
    by_key = {"yn": yn_enterprise, "sx": sx_soe}
    for key, enterprise in by_key.items():
        assert (enterprise.pk in ids) == (key in expected)
        status = client.get(f"/api/enterprises/{enterprise.pk}/").status_code
        assert status == (200 if key in expected else 404)


def test_enterprise_fields(api, users, sx_soe):
    data = as_user(api, users["sasac-sx"]).get(f"/api/enterprises/{sx_soe.pk}/").json()
    assert data["credit_code"] == sx_soe.credit_code
    assert data["region"]["code"] == "610100" and data["province_code"] == "610000"
    for field in ("ownership", "supervision_level", "industry", "employees", "frontline_workers", "party_members"):
        assert field in data


def test_regions_are_scoped_to_the_users_province(api, users):
    codes = {r["code"] for r in as_user(api, users["sasac-yn"]).get("/api/regions/?page_size=100").json()["results"]}
    assert "530100" in codes and "530000" in codes
    assert not any(c.startswith("61") for c in codes)


def test_measures_filter_by_document_number_and_carry_indicators(api, users):
    client = as_user(api, users["enterprise-yn"])
    data = client.get("/api/measures/", {"document": "云工通〔2022〕21号", "page_size": 100}).json()
    assert data["count"] == 16
    yn06 = next(m for m in data["results"] if m["code"] == "YN-06")
    assert yn06["title"] == "强化职业技能培训"
    assert any(i["comparison"] == "gte" and float(i["target"]) == 8 for i in yn06["indicators"])
    assert yn06["section"]["title"] and yn06["addressee"]
    sx = client.get("/api/measures/", {"document": "陕工发〔2023〕21号"}).json()
    assert sx["count"] == 18


def test_documents_endpoint(api, users):
    data = as_user(api, users["officer-sx"]).get("/api/documents/").json()
    assert {d["number"] for d in data["results"]} == {"云工通〔2022〕21号", "陕工发〔2023〕21号"}


def test_schema_and_offline_docs(client, users):
    client.force_login(users["officer-yn"])
    schema = client.get("/api/schema/")
    assert schema.status_code == 200 and b"/api/enterprises/" in schema.content
    docs = client.get("/api/docs/").content.decode()
    assert "swagger" in docs.lower()
    assert "cdn" not in docs.lower() and "https://" not in docs


@pytest.mark.parametrize("value", ["³", "²1", "١٢"])
def test_unicode_digits_in_id_filters_are_not_a_server_error(api, users, value):
    # "³".isdigit() is true but int("³") fails: filters must not crash on such input
    client = as_user(api, users["officer-yn"])
    assert client.get("/api/measures/", {"document": value}).status_code == 200
    assert client.get("/api/progress/", {"document": value}).status_code == 200
