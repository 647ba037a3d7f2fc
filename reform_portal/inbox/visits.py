""" "Changed since my last visit": when each user last showed a page (LastVisit), one statement per page shown.

`visit(user, page)` notes this visit and answers the moment the page compares with: the visit before this one.
Views within `SAME_VISIT` of the visit last noted are that visit (a reload, the next page of a list, the export or the
API read right after keep the same marks: answered from the cache, no query); a later view notes a new visit, and
the one before becomes the one compared with.
`since(user, page)` answers the same moment without noting a visit (the export, the API, the work queue)."""

from datetime import datetime, timedelta

from django.core.cache import cache
from django.db import connection
from django.utils import timezone

from .models import LastVisit

SAME_VISIT = timedelta(minutes=30)


def _seconds() -> float:
    return SAME_VISIT.total_seconds()


def _key(user_id: int, page: str) -> str:
    return f"visit:{user_id}:{page}"


def visit(*, user, page: str, now: datetime | None = None) -> datetime | None:
    """Note that `user` shows `page` now; returns the previous visit's moment (None: the first visit). Within
    `SAME_VISIT` of the visit last noted, the answer comes from the cache (no query); else one upsert."""
    if not getattr(user, "is_authenticated", False):
        return None
    now = now or timezone.now()
    key = _key(user.pk, page)
    noted = cache.get(key)
    if noted is not None and timedelta(0) <= now - noted[0] <= SAME_VISIT:
        return noted[1]
    table = LastVisit._meta.db_table
    sql = f"""
        INSERT INTO {table} AS v (user_id, page, at, previous_at) VALUES (%s, %s, %s, NULL)
        ON CONFLICT (user_id, page) DO UPDATE SET
            previous_at = CASE WHEN EXCLUDED.at - v.at > make_interval(secs => %s) THEN v.at ELSE v.previous_at END,
            at = GREATEST(EXCLUDED.at, v.at)
        RETURNING at, previous_at"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, page, now, _seconds()])
        at, previous = cursor.fetchone()
    cache.set(key, (at, previous), int(SAME_VISIT.total_seconds()))
    return previous


def since(*, user, page: str, now: datetime | None = None) -> datetime | None:
    """The moment a visit of `page` now would compare with, without noting one (one indexed read)."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = LastVisit.objects.filter(user_id=user.pk, page=page).values_list("at", "previous_at").first()
    if row is None:
        return None
    at, previous_at = row
    return at if (now or timezone.now()) - at > SAME_VISIT else previous_at
