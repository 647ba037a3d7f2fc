"""Writes of the accounts app: API tokens (issue, check, revoke), the password-change and second-factor
bookkeeping, ending every session of a user. Each records its event in the audit log."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django_otp.plugins.otp_totp.models import TOTPDevice

from reform_portal.audit.services import record

from .models import AccountState, ApiToken
from .policy import forget_state, state_of

LAST_USED_RESOLUTION = timedelta(minutes=1)  # a token used every second writes its row once a minute


def digest_of(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def token_issue(*, user, name: str = "", request=None) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the key, which is shown once and never stored."""
    key = secrets.token_hex(20)
    token = ApiToken.objects.create(
        user=user,
        name=name[:100],
        digest=digest_of(key),
        prefix=key[:8],
        expires_at=timezone.now() + timedelta(days=settings.API_TOKEN_LIFETIME_DAYS),
    )
    record("token.issued", request=request, user=user, target=token, details={"name": token.name})
    return token, key


def token_check(key: str) -> ApiToken | None:
    """The live token for `key`, its use noted; None for an unknown, revoked or expired key."""
    now = timezone.now()
    # The digest is unique: no ordering (the model's "-created_at" cost compiling on every API request).
    found = list(ApiToken.objects.select_related("user").live().filter(digest=digest_of(key)).order_by()[:1])
    if not found:
        return None
    token = found[0]
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_RESOLUTION:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def token_revoke(*, token: ApiToken, by, reason: str = "revoked", request=None) -> bool:
    """Revoke one token (idempotent); returns whether it was live."""
    done = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    if done:
        record("token.revoked", request=request, user=by, target=token, details={"reason": reason})
    return bool(done)


@transaction.atomic
def tokens_revoke_all(*, user, reason: str, request=None) -> int:
    count = ApiToken.objects.filter(user=user, revoked_at__isnull=True).update(
        revoked_at=timezone.now(), revoked_reason=reason
    )
    if count:
        record("token.revoked", request=request, user=user, target=user, details={"reason": reason, "count": count})
    return count


def password_changed(*, user, request=None, by_admin: bool = False) -> None:
    """After any change of `user`'s password (reform_portal/accounts/signals.py): every API token dies; a change by
    the user clears the first-login flag, a reset by an administrator sets it. Other sessions end because Django
    checks each session's password hash."""
    tokens_revoke_all(user=user, reason="password_changed", request=request)
    state = state_of(user)
    state.must_change_password = by_admin
    state.password_changed_at = timezone.now()
    state.save(update_fields=["must_change_password", "password_changed_at"])
    record("password.changed", request=request, user=user, target=user, details={"by_admin": by_admin})


def require_password_change(*, user) -> None:
    """An administrator created this account or reset its password: the user changes it at first login."""
    AccountState.objects.update_or_create(user=user, defaults={"must_change_password": True})


def mark_demo_account(*, user) -> None:
    """seed_demo's accounts: exempt from the second factor and the first-login change while DEBUG is on."""
    AccountState.objects.update_or_create(user=user, defaults={"demo_account": True, "must_change_password": True})


def end_all_sessions(*, user, request=None) -> None:
    """ "退出所有设备": every session of the user ends at its next request and every API token is revoked."""
    AccountState.objects.get_or_create(user=user)
    AccountState.objects.filter(user=user).update(session_epoch=F("session_epoch") + 1)
    tokens_revoke_all(user=user, reason="logout_everywhere", request=request)
    record("session.ended_all", request=request, user=user, target=user)


def otp_device_new(*, user) -> TOTPDevice:
    """The unconfirmed device of a setup in progress (one per user), made on first need."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="产改通", confirmed=False)


@transaction.atomic
def otp_confirm(*, device: TOTPDevice, request=None) -> None:
    TOTPDevice.objects.filter(user=device.user).exclude(pk=device.pk).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    forget_state(device.user, getattr(request, "user", None))
    record("otp.enabled", request=request, user=device.user, target=device.user)


@transaction.atomic
def otp_disable(*, user, request=None) -> None:
    TOTPDevice.objects.filter(user=user).delete()
    forget_state(user, getattr(request, "user", None))
    record("otp.disabled", request=request, user=user, target=user)
