"""The navigation's counts of a user, cached: unread notices (here: counted on a cold cache, forgotten when the user
reads or is notified) and the work queue's total (counted by the home page, kept by reporting.work_queue under
`WORK_QUEUE_KEY`: a page other than the home page reads it from the cache only)."""

from django.core.cache import cache

from .models import Notice

COUNT_SECONDS = 30  # a badge is at most this old (and forgotten at once when the user reads)
# The key under which reporting.work_queue keeps a user's queue total (named here, beside the unread count's).
WORK_QUEUE_KEY = "work-queue:{user_id}"


def _count_key(user_id: int) -> str:
    return f"inbox:unread:{user_id}"


def unread_count(*, user, fresh: bool = False) -> int:
    """How many of the user's notices are unread: cached `COUNT_SECONDS` per user (a Redis outage: counted), else
    one count on the partial index of the unread; `fresh` counts now (the home page's queue) and keeps that."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = _count_key(user.pk)
    count = None if fresh else cache.get(key)
    if count is None:
        count = Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
        cache.set(key, count, COUNT_SECONDS)
    return count


def forget_counts(user_ids) -> None:
    """Forget the cached unread counts of these users: their badges are counted again on their next page. (The work
    queue's total is the home page's: recounted there, kept `QUEUE_SECONDS`.)"""
    keys = [_count_key(pk) for pk in user_ids]
    if keys:
        cache.delete_many(keys)
