"""A password change by any path (this app's page, the admin, `changepassword`, set_password in a shell) revokes the
user's API tokens: the User's password hash is compared before and after each save."""

import time

from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver

from . import services
from .policy import session_epoch

User = get_user_model()
SESSION_STARTED = "accounts_started"
SESSION_SEEN = "accounts_seen"
SESSION_EPOCH = "accounts_epoch"


@receiver(pre_save, sender=User)
def _note_password_change(sender, instance, raw=False, **kwargs):
    update_fields = kwargs.get("update_fields")
    if raw or instance.pk is None or (update_fields is not None and "password" not in update_fields):
        return  # a new user, or a save of other fields (last_login at each login): no query
    old = User.objects.filter(pk=instance.pk).values_list("password", flat=True).first()
    instance._accounts_password_changed = old is not None and old != instance.password


@receiver(post_save, sender=User)
def _after_password_change(sender, instance, created=False, raw=False, **kwargs):
    if raw or created or not getattr(instance, "_accounts_password_changed", False):
        return
    instance._accounts_password_changed = False
    by_admin = getattr(instance, "_accounts_reset_by_admin", False)
    request = getattr(instance, "_accounts_request", None)
    services.password_changed(user=instance, request=request, by_admin=by_admin)


@receiver(user_logged_in)
def _session_starts(sender, request, user, **kwargs):
    """The session's clocks (absolute lifetime, idle time) and the user's session epoch start at login."""
    if request is None or not hasattr(request, "session"):
        return
    now = time.time()
    request.session[SESSION_STARTED] = now
    request.session[SESSION_SEEN] = now
    request.session[SESSION_EPOCH] = session_epoch(user)
