"""The signals whose events go on record: logins, logouts, failed logins, lockouts (django-axes), administrative
changes (the admin's LogEntry)."""

from django.contrib.admin.models import LogEntry, LogEntryManager
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import post_save
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


try:
    from axes.signals import user_locked_out
except ImportError:  # django-axes not installed: no lockouts to record
    user_locked_out = None

if user_locked_out is not None:

    @receiver(user_locked_out, dispatch_uid="audit_locked_out")
    def _locked_out(sender, request=None, username=None, ip_address=None, **kwargs):
        record(choices.LOCKED_OUT, request=request, details={"username": str(username or "")[:150]})


# ---- administrative changes ----

_FLAGS = {1: "add", 2: "change", 3: "delete"}


def _record_admin(entry: LogEntry) -> None:
    content_type = entry.content_type
    record(
        choices.ADMIN_CHANGE,
        user=entry.user,
        target=entry,
        details={
            "operation": _FLAGS.get(entry.action_flag, str(entry.action_flag)),
            "model": f"{content_type.app_label}.{content_type.model}" if content_type else "",
            "object_id": entry.object_id or "",
            "object": entry.object_repr,
            "change": entry.get_change_message(),
        },
    )


@receiver(post_save, sender=LogEntry, dispatch_uid="audit_admin_change")
def _admin_logged(sender, instance, created, raw=False, **kwargs):
    if created and not raw:
        _record_admin(instance)


# The admin logs several objects at once (the "delete selected" action) with bulk_create, which sends no post_save:
# record those after the manager has written them.
_log_actions = LogEntryManager.log_actions


def _log_actions_recorded(self, *args, single_object=False, **kwargs):
    result = _log_actions(self, *args, single_object=single_object, **kwargs)
    if not single_object:
        for entry in result:
            if entry.pk is not None:
                _record_admin(entry)
    return result


LogEntryManager.log_actions = _log_actions_recorded
