"""Two-factor login: required of administrators and SASAC staff (TWO_FACTOR_REQUIRED_ROLES), optional for the
others, asked after the password on the page, in the admin and at the token endpoint; a wrong code refused; the
DEBUG demo's accounts exempt, and only with DEBUG."""

import re

import pytest
from django_otp.plugins.otp_totp.models import TOTPDevice

from reform_portal.accounts.services import mark_demo_account
from tests.factories import make_admin, make_officer, make_sasac

from .conftest import STRONG, code_for, device_for, log_in, verified

pytestmark = pytest.mark.django_db


def _user(maker, username):
    user = maker(username)
    user.set_password(STRONG)
    user.save()
    return user


def test_sasac_without_a_device_is_sent_to_set_one_up_before_anything(client):
    _user(make_sasac, "t-2fa-sasac")
    response = log_in(client, "t-2fa-sasac", STRONG)
    assert response.status_code == 302
    for path in ("/", "/reporting/", "/enterprises/"):
        answer = client.get(path)
        assert answer.status_code == 302 and answer["Location"].startswith("/account/otp/"), path
    assert client.get("/api/enterprises/").json()["code"] == "otp_setup_required"


def test_setting_up_a_device_scanning_the_qr_code(client):
    user = _user(make_sasac, "t-2fa-setup")
    log_in(client, "t-2fa-setup", STRONG)
    page = client.get("/account/otp/")
    html = page.content.decode()
    assert "<svg" in html  # the QR code, inline
    secret = re.search(r'id="otp-secret">([A-Z2-7]+)<', html).group(1)
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    assert secret == __import__("base64").b32encode(device.bin_key).decode()
    assert (
        client.post("/account/otp/", {"code": "000000" if code_for(device) != "000000" else "111111"}).status_code
        == 200
    )
    assert not TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    assert client.post("/account/otp/", {"code": code_for(device)}).status_code == 302
    assert TOTPDevice.objects.filter(user=user, confirmed=True).count() == 1
    assert client.get("/").status_code == 200  # verified by the setup itself


def test_a_user_with_a_device_enters_a_code_after_the_password(client):
    user = _user(make_officer, "t-2fa-officer")
    device = device_for(user)
    log_in(client, "t-2fa-officer", STRONG)
    assert client.get("/").status_code == 302
    wrong = "000000" if code_for(device) != "000000" else "111111"
    refused = client.post("/account/otp/verify/", {"code": wrong})
    assert refused.status_code == 200 and "验证码不正确" in refused.content.decode()
    assert client.get("/").status_code == 302
    assert client.post("/account/otp/verify/", {"code": code_for(device)}).status_code == 302
    assert client.get("/").status_code == 200


def test_two_factor_is_optional_for_an_officer(client):
    _user(make_officer, "t-2fa-optional")
    log_in(client, "t-2fa-optional", STRONG)
    assert client.get("/").status_code == 200
    page = client.get("/account/otp/")
    assert [t.name for t in page.templates][0] == "accounts/otp_setup.html"  # the setup page, not a status page
    assert "/account/otp/disable/" not in page.content.decode()


def test_an_officer_may_turn_it_off_a_sasac_may_not(client):
    officer = _user(make_officer, "t-2fa-off")
    device = device_for(officer)
    verified(client, officer)
    client.post("/account/otp/disable/", {"code": code_for(device, drift=1)})
    assert not TOTPDevice.objects.filter(user=officer).exists()
    sasac = _user(make_sasac, "t-2fa-keep")
    sasac_device = device_for(sasac)
    other = verified(type(client)(), sasac)
    other.post("/account/otp/disable/", {"code": code_for(sasac_device, drift=1)})
    assert TOTPDevice.objects.filter(user=sasac).exists()


def test_wrong_codes_count_as_failed_logins(client):
    user = _user(make_officer, "t-2fa-brute")
    device = device_for(user)
    wrong = "000000" if code_for(device) != "000000" else "111111"
    log_in(client, "t-2fa-brute", STRONG)
    statuses = [client.post("/account/otp/verify/", {"code": wrong}).status_code for _ in range(5)]
    assert statuses == [200, 200, 200, 200, 429]
    assert "_auth_user_id" not in client.session
    assert log_in(client, "t-2fa-brute", STRONG).status_code == 429


def test_the_admin_site_needs_a_verified_session(client):
    admin = make_admin("t-2fa-admin")
    client.force_login(admin)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/account/otp/")
    verified(client, admin)
    assert client.get("/admin/").status_code == 200


def test_the_token_endpoint_asks_for_the_same_factors(client):
    sasac = _user(make_sasac, "t-2fa-api")
    ask = {"username": "t-2fa-api", "password": STRONG}
    assert client.post("/api/auth/token/", ask).json()["code"] == "otp_setup_required"
    device = device_for(sasac)
    missing = client.post("/api/auth/token/", ask)
    assert missing.status_code == 400 and missing.json()["code"] == "otp_required"
    wrong = "000000" if code_for(device) != "000000" else "111111"
    assert client.post("/api/auth/token/", {**ask, "otp": wrong}).json()["code"] == "otp_invalid"
    issued = client.post("/api/auth/token/", {**ask, "otp": code_for(device)})
    assert issued.status_code == 200 and issued.json()["token"]
    # an officer without a device needs no code
    _user(make_officer, "t-2fa-api-officer")
    plain = client.post("/api/auth/token/", {"username": "t-2fa-api-officer", "password": STRONG})
    assert plain.status_code == 200


@pytest.mark.parametrize("debug", [True, False])
def test_the_demo_accounts_are_exempt_only_with_debug(client, settings, debug):
    settings.DEBUG = debug
    sasac = make_sasac("t-demo-sasac")  # the factories' password, as seed_demo's accounts have theirs
    mark_demo_account(user=sasac)
    named_alike = make_sasac("t-demo-lookalike")  # a demo-like name without the flag is not exempt
    client.force_login(sasac)
    home = client.get("/")
    if debug:
        assert home.status_code == 200
    else:
        assert home.status_code == 302 and home["Location"].startswith("/account/otp/")
    other = type(client)()
    other.force_login(named_alike)
    assert other.get("/").status_code == 302
