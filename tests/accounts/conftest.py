"""The accounts tests run with the production requirement of a second factor (administrators and SASAC staff) and
django-axes on; each starts and ends with no recorded failure, so no lockout leaks from one test to the next."""

import pytest
from axes.utils import reset
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

STRONG = "Qinling-2026-peak"  # 17 characters, four classes


@pytest.fixture(autouse=True)
def production_auth(settings, db):
    settings.TWO_FACTOR_REQUIRED_ROLES = ["admin", "sasac"]
    settings.AXES_ENABLED = True
    settings.AXES_FAILURE_LIMIT = 5
    # django-otp waits 1 s, 2 s, 4 s … after each wrong code before it checks the next; the tests do not sleep.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    reset()
    yield
    reset()


def code_for(device: TOTPDevice, drift: int = 0) -> str:
    """The code an authenticator app shows now (drift 1: the next period's, for a second use within 30 s)."""
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift):06d}"


def device_for(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="test", confirmed=True)


def log_in(client, username, password, **extra):
    return client.post("/login/", {"username": username, "password": password}, **extra)


def verified(client, user):
    """`client` logged in as `user` with a second factor entered, as a real login ends."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first() or device_for(user)
    response = client.post("/account/otp/verify/", {"code": code_for(device)})
    assert response.status_code == 302, response
    return client
