"""The navigation's counts of a user, cached: unread notices (here) and the work queue's total (kept by
reporting.work_queue under `WORK_QUEUE_KEY`); both forgotten when the user reads or is notified."""

from django.core.cache import cache

from .models import Notice

COUNT_SECONDS = 30  # a badge is at most this old (and forgotten at once when the user reads)
# The key under which reporting.work_queue keeps a user's queue, per language (named here so that reading forgets it).
WORK_QUEUE_KEY = "work-queue:{user_id}"


def _count_key(user_id: int) -> str:
    return f"inbox:unread:{user_id}"


def unread_count(*, user) -> int:
    """How many of the user's notices are unread: cached `COUNT_SECONDS` per user (a Redis outage: counted), else
    one count on the partial index of the unread."""
    if not getattr(user, "is_authenticated", False):
        return 0
    key = _count_key(user.pk)
    count = cache.get(key)
    if count is None:
        count = Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).count()
        cache.set(key, count, COUNT_SECONDS)
    return count


def forget_counts(user_ids) -> None:
    """Forget the cached counts and queues of these users: their badges are counted again on their next page."""
    from django.conf import settings

    languages = [code for code, _name in settings.LANGUAGES]
    queues = [f"{WORK_QUEUE_KEY.format(user_id=pk)}:{code}" for pk in user_ids for code in languages]
    keys = [_count_key(pk) for pk in user_ids] + queues
    if keys:
        cache.delete_many(keys)
