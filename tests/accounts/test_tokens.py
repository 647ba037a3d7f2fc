"""API tokens: issued by POST /api/auth/token/, stored hashed, expiring, listed and revoked by their owner;
a bad one answers 401 with WWW-Authenticate."""

import hashlib
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from reform_portal.accounts.models import ApiToken
from reform_portal.audit.models import AuditEntry
from tests.factories import PASSWORD, make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    return make_officer("t-token")


def _issue(api, name=""):
    response = api.post("/api/auth/token/", {"username": "t-token", "password": PASSWORD, "name": name})
    assert response.status_code == 200, response.content
    return response.json()


def test_issued_tokens_are_stored_hashed_and_expire(officer, settings):
    settings.API_TOKEN_LIFETIME_DAYS = 30
    api = APIClient()
    body = _issue(api, "同步脚本")
    key = body["token"]
    row = ApiToken.objects.get(user=officer)
    assert row.digest == hashlib.sha256(key.encode()).hexdigest()
    assert key not in (row.digest, row.prefix) and key.startswith(row.prefix)
    assert abs(row.expires_at - (timezone.now() + timedelta(days=30))) < timedelta(minutes=1)
    assert AuditEntry.objects.filter(action="token.issued", user_id=officer.pk).exists()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/regions/").status_code == 200
    ApiToken.objects.filter(pk=row.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = api.get("/api/regions/")
    assert expired.status_code == 401
    assert expired["WWW-Authenticate"] == 'Token realm="api"'


@pytest.mark.parametrize("header", ["Token nonsense", "Token a b", "Token " + "0" * 40])
def test_a_bad_token_is_a_401_with_www_authenticate(db, header):
    response = APIClient().get("/api/regions/", HTTP_AUTHORIZATION=header)
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Token")


def test_no_credentials_is_a_401(db):
    response = APIClient().get("/api/regions/")
    assert response.status_code == 401 and "WWW-Authenticate" in response


def test_list_and_revoke_ones_own_tokens(officer):
    api = APIClient()
    first = _issue(api, "一")["token"]
    second = _issue(api, "二")["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {first}")
    listed = api.get("/api/auth/tokens/").json()["results"]
    assert [t["name"] for t in listed] == ["二", "一"]
    assert {"created_at", "last_used_at", "expires_at", "prefix"} <= set(listed[0])
    assert [t["current"] for t in listed] == [False, True]
    assert "token" not in listed[0] and "digest" not in listed[0]
    other_id = listed[0]["id"]
    assert api.delete(f"/api/auth/tokens/{other_id}/").status_code == 204
    assert ApiToken.objects.get(pk=other_id).revoked_at is not None
    other = APIClient()
    other.credentials(HTTP_AUTHORIZATION=f"Token {second}")
    assert other.get("/api/regions/").status_code == 401
    assert AuditEntry.objects.filter(action="token.revoked", user_id=officer.pk).exists()


def test_another_users_token_is_out_of_reach(officer):
    api = APIClient()
    key = _issue(api)["token"]
    mine = ApiToken.objects.get(user=officer)
    stranger = make_officer("t-token-stranger")
    snoop = APIClient()
    snoop.force_authenticate(stranger)
    assert snoop.get(f"/api/auth/tokens/{mine.pk}/").status_code == 404
    assert snoop.delete(f"/api/auth/tokens/{mine.pk}/").status_code == 404
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.get("/api/regions/").status_code == 200


def test_delete_revokes_the_current_token(officer):
    api = APIClient()
    key = _issue(api)["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    assert api.delete("/api/auth/token/").status_code == 204
    assert api.get("/api/regions/").status_code == 401
    api.credentials()
    assert api.delete("/api/auth/token/").status_code == 401


def test_the_tokens_page_creates_lists_and_revokes(client, officer):
    client.force_login(officer)
    created = client.post("/account/tokens/", {"name": "报表导出"})
    key = created.context["new_key"]
    assert key and key in created.content.decode()
    token = ApiToken.objects.get(user=officer, name="报表导出")
    assert "报表导出" in client.get("/account/tokens/").content.decode()
    assert client.post(f"/account/tokens/{token.pk}/revoke/").status_code == 302
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert "报表导出" not in client.get("/account/tokens/").content.decode()


def test_last_use_is_noted(officer):
    api = APIClient()
    key = _issue(api)["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    api.get("/api/regions/")
    assert ApiToken.objects.get(user=officer).last_used_at is not None
