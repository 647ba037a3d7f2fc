"""The signals whose events go on record: logins, logouts, failed logins, lockouts, administrative changes."""

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver

from . import choices
from .services import record


@receiver(user_logged_in, dispatch_uid="audit_login")
def _logged_in(sender, request, user, **kwargs):
    record(choices.LOGIN, request=request, user=user)


@receiver(user_logged_out, dispatch_uid="audit_logout")
def _logged_out(sender, request, user, **kwargs):
    if user is not None:
        record(choices.LOGOUT, request=request, user=user)


@receiver(user_login_failed, dispatch_uid="audit_login_failed")
def _login_failed(sender, credentials, request=None, **kwargs):
    # Django masks credentials whose name looks secret (password, token, api key…); keep only the username.
    username = str(credentials.get("username", ""))[:150]
    record(choices.LOGIN_FAILED, request=request, details={"username": username})
