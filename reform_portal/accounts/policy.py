"""Who must do what at login: the second factor and the first-login password change, and the DEBUG demo's
exemption from both (an account seed_demo flagged, honoured only while settings.DEBUG is on)."""

import functools

from django.conf import settings
from django.db import connection
from django_otp import device_classes, user_has_device

from reform_portal.access import second_factor_required

from .models import AccountState


def state_of(user) -> AccountState:
    """The user's AccountState, read once per request (the session limits and the login gate ask on every request),
    with whether they have a confirmed second-factor device (`has_device`) in the same statement."""
    state = getattr(user, "_account_state_cache", None)
    if state is None:
        state = _state_read(user.pk)
        if state is None:
            state, _created = AccountState.objects.get_or_create(user=user)
        user._account_state_cache = state
    return state


def _state_read(user_id: int) -> AccountState | None:
    """One prepared statement rather than the ORM's query: it runs on every request, and compiling the ORM's
    (AccountState with an `Exists` per device model) cost ten times the statement itself (docs/performance/writes.md).
    """
    sql, attnames = _state_sql()
    with connection.cursor() as cursor:
        cursor.execute(sql, [user_id])
        row = cursor.fetchone()
    if row is None:
        return None
    state = AccountState.from_db(connection.alias, attnames, row[:-1])
    state.confirmed_device = bool(row[-1])
    return state


@functools.cache
def _state_sql() -> tuple[str, list[str]]:
    """The AccountState's columns and "has a confirmed device" (what `devices_for_user(user, confirmed=True)` asks of
    each django-otp device model), built once per process from the models."""
    quote = connection.ops.quote_name
    fields = AccountState._meta.concrete_fields
    user = quote(AccountState._meta.get_field("user").column)
    devices = [
        f"EXISTS (SELECT 1 FROM {quote(m._meta.db_table)} d WHERE d.{quote(m._meta.get_field('user').column)} = "
        f"s.{user} AND d.{quote(m._meta.get_field('confirmed').column)})"
        for m in _devices()
    ]
    sql = (
        f"SELECT {', '.join('s.' + quote(f.column) for f in fields)}, {' OR '.join(devices) or 'FALSE'}"
        f" FROM {quote(AccountState._meta.db_table)} s WHERE s.{user} = %s"
    )
    return sql, [f.attname for f in fields]


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
