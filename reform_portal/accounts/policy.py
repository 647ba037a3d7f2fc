"""Who must do what at login: the second factor and the first-login password change, and the DEBUG demo's
exemption from both (an account seed_demo flagged, honoured only while settings.DEBUG is on)."""

import functools

from django.conf import settings
from django.db.models import Exists
from django_otp import device_classes, user_has_device

from reform_portal.access import second_factor_required

from .models import AccountState


def state_of(user) -> AccountState:
    """The user's AccountState, read once per request (the session limits and the login gate ask on every request),
    with whether they have a confirmed second-factor device (`has_device`) in the same query."""
    state = getattr(user, "_account_state_cache", None)
    if state is None:
        devices = {f"_device_{i}": Exists(m.objects.devices_for_user(user, True)) for i, m in enumerate(_devices())}
        state = AccountState.objects.filter(user=user).annotate(**devices).first()
        if state is None:
            state, _created = AccountState.objects.get_or_create(user=user)
        else:
            state.confirmed_device = any(getattr(state, name) for name in devices)
        user._account_state_cache = state
    return state


def forget_state(*users) -> None:
    """Read the state again at its next use (a device confirmed or removed in this request)."""
    for user in users:
        if user is not None:
            user.__dict__.pop("_account_state_cache", None)


@functools.cache
def _devices() -> tuple:
    """django-otp's device models (TOTP), looked up once."""
    return tuple(device_classes())


def demo_exempt(user) -> bool:
    return bool(settings.DEBUG) and state_of(user).demo_account


def needs_device(user) -> bool:
    """A second factor is required of this user."""
    return second_factor_required(user, settings.TWO_FACTOR_REQUIRED_ROLES) and not demo_exempt(user)


def has_device(user) -> bool:
    known = getattr(state_of(user), "confirmed_device", None)  # None: the state was just created
    return user_has_device(user, confirmed=True) if known is None else known


def asks_second_factor(user) -> bool:
    """The login asks this user for a code: one is required, or the user set one up."""
    if demo_exempt(user):
        return False
    return has_device(user) or needs_device(user)


def must_change_password(user) -> bool:
    return state_of(user).must_change_password and not demo_exempt(user)


def session_epoch(user) -> int:
    """Read afresh (not from the per-request cache): "退出所有设备" may have raised it since."""
    return AccountState.objects.filter(user=user).values_list("session_epoch", flat=True).first() or 0
