"""Session limits: an idle timeout and an absolute lifetime (the session's clocks moved back, no sleeping), and
"退出所有设备"."""

import time

import pytest

from reform_portal.accounts.services import token_issue
from reform_portal.accounts.signals import SESSION_SEEN, SESSION_STARTED
from tests.factories import make_officer

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer_client(client):
    client.force_login(make_officer("t-session"))
    assert client.get("/").status_code == 200
    return client


def _shift(client, key, seconds):
    session = client.session
    session[key] = time.time() - seconds
    session.save()


def test_idle_timeout(officer_client, settings):
    settings.SESSION_IDLE_TIMEOUT_SECONDS = 1800
    _shift(officer_client, SESSION_SEEN, 1700)
    assert officer_client.get("/").status_code == 200  # 28 minutes idle: still in; the clock starts again
    _shift(officer_client, SESSION_SEEN, 1801)
    response = officer_client.get("/enterprises/")
    assert response.status_code == 302 and response["Location"].startswith("/login/?ended=idle")
    assert "长时间未操作" in officer_client.get(response["Location"]).content.decode()
    assert "_auth_user_id" not in officer_client.session
    assert officer_client.get("/").status_code == 302


def test_idle_timeout_for_the_api_is_anonymous(officer_client):
    _shift(officer_client, SESSION_SEEN, 3600)
    assert officer_client.get("/api/regions/").status_code == 401


def test_absolute_lifetime(officer_client, settings):
    settings.SESSION_ABSOLUTE_LIFETIME_SECONDS = 12 * 3600
    _shift(officer_client, SESSION_STARTED, 11 * 3600)
    assert officer_client.get("/").status_code == 200  # active all along, 11 hours in
    _shift(officer_client, SESSION_STARTED, 12 * 3600 + 1)
    response = officer_client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")


def test_the_cookie_lives_no_longer_than_the_session(settings):
    assert settings.SESSION_COOKIE_AGE == settings.SESSION_ABSOLUTE_LIFETIME_SECONDS


def test_logout_everywhere_ends_every_session_and_token(client):
    user = make_officer("t-session-all")
    _token, key = token_issue(user=user)
    laptop, phone = type(client)(), type(client)()
    laptop.force_login(user)
    phone.force_login(user)
    assert phone.get("/").status_code == 200
    assert laptop.post("/account/logout-everywhere/").status_code == 302
    assert laptop.get("/").status_code == 302
    assert phone.get("/").status_code == 302
    assert client.get("/api/regions/", HTTP_AUTHORIZATION=f"Token {key}").status_code == 401
    again = type(client)()
    again.force_login(user)  # a new login works
    assert again.get("/").status_code == 200
