"""Password policy (length, character classes, not the username), the first-login change an administrator's
password asks for, and what a change ends: API tokens and the user's other sessions."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from reform_portal.accounts.models import AccountState, ApiToken
from reform_portal.accounts.services import require_password_change, token_issue
from reform_portal.audit.models import AuditEntry
from tests.factories import PASSWORD, make_admin, make_officer

from .conftest import STRONG, log_in, verified

pytestmark = pytest.mark.django_db


def _messages(password, user=None):
    try:
        validate_password(password, user)
    except ValidationError as exc:
        return " ".join(exc.messages)
    return ""


def test_password_policy_messages(db):
    user = get_user_model()(username="zhangwei2026", first_name="张伟")
    assert "至少包含 10 个字符" in _messages("Ab1!", user) or "10" in _messages("Ab1!", user)
    assert "至少 3 类" in _messages("abcdefghijkl", user)
    assert "至少 3 类" in _messages("abcdefgh1234", user)  # two classes
    assert _messages("abcdefgh123!", user) == ""  # lower, digit, symbol
    assert _messages("Abcdefgh1234", user) == ""  # lower, upper, digit
    assert "相似" in _messages("Zhangwei2026!", user) or "similar" in _messages("Zhangwei2026!", user)


def test_the_change_password_page_shows_the_policy(client):
    user = make_officer("t-pw-page")
    client.force_login(user)
    response = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": "short", "new_password2": "short"}
    )
    assert response.status_code == 200
    assert "至少 3 类" in response.content.decode()
    same = client.post(
        "/account/password/", {"old_password": PASSWORD, "new_password1": PASSWORD, "new_password2": PASSWORD}
    )
    assert "新密码不能与原密码相同" in same.content.decode()


def test_a_user_an_administrator_created_changes_the_password_first(client):
    admin = make_admin("t-pw-admin")
    admin_client = verified(type(client)(), admin)
    created = admin_client.post(
        "/admin/auth/user/add/",
        {"username": "t-pw-new", "password1": STRONG, "password2": STRONG, "usable_password": "true"},
    )
    assert created.status_code == 302, created.content.decode()[:2000]
    new = get_user_model().objects.get(username="t-pw-new")
    assert AccountState.objects.get(user=new).must_change_password
    log_in(client, "t-pw-new", STRONG)
    for path in ("/", "/measures/", "/api/regions/"):
        answer = client.get(path)
        assert answer.status_code in (302, 403) and (
            answer.status_code == 403 or answer["Location"].startswith("/account/password/")
        ), path
    changed = client.post(
        "/account/password/",
        {"old_password": STRONG, "new_password1": "Dianchi-lake-9", "new_password2": "Dianchi-lake-9"},
    )
    assert changed.status_code == 302
    assert "/account/password/" not in client.get("/").get("Location", "")  # (no role yet: its own home page)
    assert not AccountState.objects.get(user=new).must_change_password
    assert AuditEntry.objects.filter(action="password.changed", user_id=new.pk).exists()


def test_an_administrator_reset_asks_for_a_change_again(client):
    admin = make_admin("t-pw-admin2")
    user = make_officer("t-pw-reset")
    admin_client = verified(type(client)(), admin)
    response = admin_client.post(
        f"/admin/auth/user/{user.pk}/password/", {"password1": STRONG, "password2": STRONG, "usable_password": "true"}
    )
    assert response.status_code == 302
    assert AccountState.objects.get(user=user).must_change_password
    require_password_change(user=user)  # idempotent


def test_a_password_change_revokes_tokens_and_ends_other_sessions(client):
    user = make_officer("t-pw-kill")
    _token, key = token_issue(user=user)
    elsewhere = type(client)()
    elsewhere.force_login(user)
    assert elsewhere.get("/").status_code == 200
    client.force_login(user)
    client.post(
        "/account/password/",
        {"old_password": PASSWORD, "new_password1": "Erhai-lake-77", "new_password2": "Erhai-lake-77"},
    )
    assert client.get("/").status_code == 200  # this session goes on
    assert elsewhere.get("/").status_code == 302  # the other one has ended
    api = client.get("/api/regions/", HTTP_AUTHORIZATION=f"Token {key}")
    assert api.status_code == 401
    assert ApiToken.objects.get(user=user).revoked_reason == "password_changed"


def test_set_password_in_a_shell_revokes_tokens_too(db):
    user = make_officer("t-pw-shell")
    token, _key = token_issue(user=user)
    user.set_password("Yulong-snow-5")
    user.save()
    token.refresh_from_db()
    assert token.revoked_at is not None
