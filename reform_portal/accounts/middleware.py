"""Two middlewares after Django's AuthenticationMiddleware and django-otp's OTPMiddleware.

SessionLimitsMiddleware ends a session idle longer than SESSION_IDLE_TIMEOUT_SECONDS, older than
SESSION_ABSOLUTE_LIFETIME_SECONDS, or started before its user chose "退出所有设备".

AccountGateMiddleware keeps a logged-in user on one page until a step of the login is done, in this order: enter
the code of the device they set up; set up a device if their role requires one; change a password an administrator
set. The API answers 403 with a code instead of redirecting."""

import functools
import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from . import policy
from .signals import SESSION_EPOCH, SESSION_SEEN, SESSION_STARTED

SEEN_RESOLUTION = 15  # seconds: the session is written at most this often to note activity


def _is_api(request) -> bool:
    return request.path.startswith("/api/")


def _to_login(request, why: str):
    """The login page says why (registration/login.html reads `ended`): the session, and its messages, are gone."""
    return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'ended': why, 'next': request.get_full_path()})}")


class SessionLimitsMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and request.user.is_authenticated:
            why = self.ended(request)
            if why is not None:
                logout(request)
                if not _is_api(request):
                    return _to_login(request, why)
        return self.get_response(request)

    @staticmethod
    def ended(request) -> str | None:
        """Why the session has ended ("lifetime", "idle", "everywhere"), or None (and its activity noted)."""
        session, now = request.session, time.time()
        started = session.get(SESSION_STARTED)
        seen = session.get(SESSION_SEEN)
        if started is None or seen is None:  # a session from before these limits: they start now
            session[SESSION_STARTED] = session[SESSION_SEEN] = now
            session[SESSION_EPOCH] = policy.session_epoch(request.user)
            return None
        if now - started > settings.SESSION_ABSOLUTE_LIFETIME_SECONDS:
            return "lifetime"
        if now - seen > settings.SESSION_IDLE_TIMEOUT_SECONDS:
            return "idle"
        if session.get(SESSION_EPOCH, 0) != policy.state_of(request.user).session_epoch:
            return "everywhere"
        if now - seen > SEEN_RESOLUTION:
            session[SESSION_SEEN] = now
        return None


# Each step: (the page that does it, the API's code, the API's message).
STEPS = {
    "verify": ("accounts:otp_verify", "otp_required", "请先在网页上输入动态验证码完成登录。"),
    "setup": ("accounts:otp_setup", "otp_setup_required", "您的账号须启用双因素认证，请先在网页上完成设置。"),
    "password": ("accounts:password_change", "password_change_required", "请先修改初始密码。"),
}


def pending_step(request) -> str | None:
    user = request.user
    if not user.is_verified() and policy.asks_second_factor(user):  # a verified session costs no device query
        return "verify" if policy.has_device(user) else "setup"
    if policy.must_change_password(user):
        return "password"
    return None


class AccountGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated and not self.always_open(request.path):
            step = pending_step(request)
            if step is not None:
                page, code, message = STEPS[step]
                if _is_api(request):
                    return JsonResponse({"detail": _(message), "code": code}, status=403)
                if request.path != reverse(page):
                    return redirect(f"{reverse(page)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)

    @staticmethod
    def always_open(path: str) -> bool:
        """Logging out, changing the language and static files need no finished login."""
        return path in _open_paths() or path.startswith("/" + settings.STATIC_URL.lstrip("/"))


@functools.cache
def _open_paths() -> tuple[str, str]:
    """Reversed once per process (every request of a signed-in user asks)."""
    return reverse("logout"), reverse("set_language")
