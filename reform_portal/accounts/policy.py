"""Who must do what at login: the second factor and the first-login password change, and the DEBUG demo's
exemption from both (an account seed_demo flagged, honoured only while settings.DEBUG is on)."""

from django.conf import settings
from django_otp import user_has_device

from reform_portal.access import second_factor_required

from .models import AccountState


def state_of(user) -> AccountState:
    state = getattr(user, "_account_state_cache", None)
    if state is None:
        state, _created = AccountState.objects.get_or_create(user=user)
        user._account_state_cache = state
    return state


def demo_exempt(user) -> bool:
    return bool(settings.DEBUG) and state_of(user).demo_account


def needs_device(user) -> bool:
    """A second factor is required of this user."""
    return second_factor_required(user, settings.TWO_FACTOR_REQUIRED_ROLES) and not demo_exempt(user)


def has_device(user) -> bool:
    return user_has_device(user, confirmed=True)


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
