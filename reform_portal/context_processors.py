from django.utils.functional import SimpleLazyObject

from .access import menu_for


def menu(request):
    """`menu.enterprises`, `menu.dashboard`, … : what the navigation and shared templates offer this user, decided by
    reform_portal.access (templates compare no roles). Lazy: a page that shows no menu reads no access."""
    return {"menu": SimpleLazyObject(lambda: menu_for(request.user))}


def badges(request):
    """`badges.unread` (notices not yet read: cached 30 s per user and forgotten when the user reads or is notified;
    a cold cache costs one count on the partial index of the unread) and `badges.queue` (the work queue's total as
    the home page last counted it: from the cache alone), read when the navigation is drawn (docs/inbox.md)."""

    def read():
        from reform_portal.inbox.counts import unread_count
        from reporting.work_queue import queue_total

        user = request.user
        if not getattr(user, "is_authenticated", False):
            return {"unread": 0, "queue": None}
        return {"unread": unread_count(user=user), "queue": queue_total(user=user)}

    return {"badges": SimpleLazyObject(read)}
