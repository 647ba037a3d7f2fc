from django.utils.functional import SimpleLazyObject

from .access import menu_for


def menu(request):
    """`menu.enterprises`, `menu.dashboard`, … : what the navigation and shared templates offer this user, decided by
    reform_portal.access (templates compare no roles). Lazy: a page that shows no menu reads no access."""
    return {"menu": SimpleLazyObject(lambda: menu_for(request.user))}


def badges(request):
    """`badges.unread` (notices not yet read) and `badges.queue` (the work queue's total) for the navigation, read
    when drawn: each cached 30 s per user (reform_portal/inbox/counts.py, reporting/work_queue.py) and forgotten when
    the user reads; a cold cache costs one count on the unread index and the queue's few indexed counts."""

    def read():
        from reform_portal.inbox.counts import unread_count
        from reporting.work_queue import queue_total

        user = request.user
        if not getattr(user, "is_authenticated", False):
            return {"unread": 0, "queue": 0}
        return {"unread": unread_count(user=user), "queue": queue_total(user=user)}

    return {"badges": SimpleLazyObject(read)}
