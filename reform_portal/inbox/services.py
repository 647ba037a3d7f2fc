"""Writing to the inbox (docs/inbox.md): `notify` (any app, in its own transaction), reading, and the yearly purge.

Keyword-only functions; each write is one statement. The unread count of a user is cached (`counts.unread_count`)
and forgotten when it changes: after commit for a new notice, at once when the user reads."""

from datetime import timedelta

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import NoticeKind
from .counts import forget_counts
from .models import BODY_MAX_CHARS, TITLE_MAX_CHARS, Notice, portal_path_problem

KEEP_DAYS = 365
PURGE_BATCH = 5000
MAX_RECIPIENTS = 10_000  # one call; a caller with more splits them


def notify(*, user_ids, kind: str, title: str, body: str = "", url: str = "", enterprise_id: int | None = None) -> int:
    """A notice to each of `user_ids` (active users only; repeats taken once), in ONE statement, in the caller's
    transaction (it commits or rolls back with the change it tells of). Returns how many were written.

    `url`: a path of this portal ("/reporting/…"), never another site; `title` is cut to its length, `body` too.
    Raises ValidationError for an unknown kind or a url that is not a portal path (a programming error)."""
    rows = [(pk, enterprise_id) for pk in user_ids]
    return notify_each(rows=rows, kind=kind, title=title, body=body, url=url)


def notify_each(*, rows, kind: str, title: str, body: str = "", url: str = "") -> int:
    """As `notify`, one notice per (user id, enterprise id) of `rows` (a batch of reminders: each enterprise's users
    told of their own enterprise), in ONE statement. Returns how many were written."""
    if kind not in NoticeKind.values:
        raise ValidationError({"kind": _("未知的通知类别：%(kind)s") % {"kind": kind}})
    problem = portal_path_problem(url or "")
    if problem:
        raise ValidationError({"url": problem})
    pairs = sorted({(int(u), None if e is None else int(e)) for u, e in rows if u is not None})
    if not pairs:
        return 0
    if len(pairs) > MAX_RECIPIENTS:
        raise ValidationError({"user_ids": _("一次最多通知 %(n)s 人。") % {"n": MAX_RECIPIENTS}})
    title = (title or "").strip()[:TITLE_MAX_CHARS] or _("通知")
    body = (body or "").strip()[:BODY_MAX_CHARS]
    users = get_user_model()._meta.db_table
    sql = f"""
        INSERT INTO {Notice._meta.db_table} (recipient_id, kind, title, body, url, enterprise_id, created_at)
        SELECT u.id, %s, %s, %s, %s, r.enterprise_id, %s
          FROM unnest(%s::integer[], %s::integer[]) AS r (user_id, enterprise_id)
          JOIN {users} u ON u.id = r.user_id AND u.is_active"""
    params = [kind, title, body, url or "", timezone.now(), [u for u, _e in pairs], [e for _u, e in pairs]]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        written = cursor.rowcount
    ids = sorted({u for u, _e in pairs})
    transaction.on_commit(lambda: forget_counts(ids))
    return written


def notice_open(*, notice: Notice, user) -> Notice:
    """Mark `notice` read by its recipient (once: the first opening's time is kept). The caller has found it among
    the user's own (`selectors.notices_of`); anyone else's is refused here too."""
    if notice.recipient_id != user.pk:
        raise ValidationError(_("只能阅读发给自己的通知。"))
    if notice.read_at is None:
        now = timezone.now()
        if Notice.objects.filter(pk=notice.pk, recipient_id=user.pk, read_at__isnull=True).update(read_at=now):
            notice.read_at = now
        forget_counts([user.pk])
    return notice


def notices_read_all(*, user) -> int:
    """Mark every unread notice of `user` read (one statement); returns how many."""
    count = Notice.objects.filter(recipient_id=user.pk, read_at__isnull=True).update(read_at=timezone.now())
    forget_counts([user.pk])
    return count


def notices_purge(*, now=None, keep_days: int = KEEP_DAYS, batch: int = PURGE_BATCH) -> int:
    """Delete the notices older than `keep_days` (a year), oldest first, `batch` rows per statement and transaction
    (the age index), so that a large backlog never holds a long lock. Returns how many were deleted."""
    before = (now or timezone.now()) - timedelta(days=keep_days)
    table = Notice._meta.db_table
    deleted = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table} WHERE id IN (SELECT id FROM {table} WHERE created_at < %s"
                f" ORDER BY created_at, id LIMIT %s)",
                [before, batch],
            )
            count = cursor.rowcount
        deleted += count
        if count < batch:
            return deleted
