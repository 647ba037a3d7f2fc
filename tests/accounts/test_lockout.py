"""Brute force: 50 wrong passwords on the login page, the admin's login and the token endpoint are cut off at
AXES_FAILURE_LIMIT; the right password is then refused too until the cool-off ends or an administrator unlocks."""

import pytest
from axes.models import AccessAttempt
from django.core.management import call_command

from tests.factories import make_admin, make_officer

from .conftest import STRONG, log_in, verified

pytestmark = pytest.mark.django_db


@pytest.fixture
def officer(db):
    user = make_officer("t-lock-officer")
    user.set_password(STRONG)
    user.save()
    return user


def test_fifty_wrong_passwords_on_the_page_lock_the_account(client, officer):
    statuses = [log_in(client, "t-lock-officer", f"wrong-{i}").status_code for i in range(50)]
    assert statuses[:4] == [200] * 4  # the form again, with its error
    assert set(statuses[4:]) == {429}, statuses  # the 5th failure locks
    response = log_in(client, "t-lock-officer", STRONG)
    assert response.status_code == 429
    assert "登录失败次数过多" in response.content.decode()
    assert "_auth_user_id" not in client.session


def test_fifty_wrong_passwords_on_the_token_endpoint_lock_the_account(client, officer):
    answers = [
        client.post("/api/auth/token/", {"username": "t-lock-officer", "password": f"wrong-{i}"}) for i in range(50)
    ]
    assert [a.status_code for a in answers[:4]] == [400] * 4
    assert answers[0].json()["code"] == "invalid_credentials"
    assert {a.status_code for a in answers[4:]} == {429}
    assert answers[-1].json()["code"] == "locked_out"
    assert "30 分钟" in answers[-1].json()["detail"]
    right = client.post("/api/auth/token/", {"username": "t-lock-officer", "password": STRONG})
    assert right.status_code == 429
    assert "token" not in right.json()


def test_the_admin_login_is_throttled_too(client, db):
    make_admin("t-lock-admin")
    for i in range(5):
        response = client.post("/admin/login/", {"username": "t-lock-admin", "password": f"wrong-{i}"})
    assert response.status_code == 429


def test_a_lockout_keeps_to_its_account_and_address(client, officer):
    """Colleagues behind the same NAT address keep logging in (AXES_LOCKOUT_PARAMETERS: username with address)."""
    colleague = make_officer("t-lock-colleague")
    colleague.set_password(STRONG)
    colleague.save()
    for i in range(5):
        log_in(client, "t-lock-officer", f"wrong-{i}")
    assert log_in(client, "t-lock-colleague", STRONG).status_code == 302


def test_axes_reset_command_unlocks(client, officer):
    for i in range(5):
        log_in(client, "t-lock-officer", f"wrong-{i}")
    assert log_in(client, "t-lock-officer", STRONG).status_code == 429
    call_command("axes_reset_username", "t-lock-officer")
    assert log_in(client, "t-lock-officer", STRONG).status_code == 302


def test_an_administrator_unlocks_in_the_admin(client, officer):
    for i in range(5):
        log_in(client, "t-lock-officer", f"wrong-{i}")
    attempt = AccessAttempt.objects.get(username="t-lock-officer")
    admin_client = verified(type(client)(), make_admin("t-unlocker"))
    response = admin_client.post(
        "/admin/axes/accessattempt/", {"action": "delete_selected", "_selected_action": [attempt.pk], "post": "yes"}
    )
    assert response.status_code == 302
    assert not AccessAttempt.objects.filter(username="t-lock-officer").exists()
    assert log_in(client, "t-lock-officer", STRONG).status_code == 302
