""" "Changed since my last visit": when each user last showed a page (LastVisit), one statement per page shown.

`visit(user, page)` notes this visit and answers the moment the page compares with: the visit before this one.
Visits within `SAME_VISIT` of each other are one visit (a reload, the next page of a list, the export or the API
read right after keep the same marks); after a longer pause the last visit becomes the one compared with.
`since(user, page)` answers the same moment without noting a visit (the export, the API, the work queue)."""

from datetime import datetime, timedelta

from django.db import connection
from django.utils import timezone

from .models import LastVisit

SAME_VISIT = timedelta(minutes=30)


def _seconds() -> float:
    return SAME_VISIT.total_seconds()


def visit(*, user, page: str, now: datetime | None = None) -> datetime | None:
    """Note that `user` shows `page` now; returns the previous visit's moment (None: the first visit)."""
    if not getattr(user, "is_authenticated", False):
        return None
    table = LastVisit._meta.db_table
    sql = f"""
        INSERT INTO {table} AS v (user_id, page, at, previous_at) VALUES (%s, %s, %s, NULL)
        ON CONFLICT (user_id, page) DO UPDATE SET
            previous_at = CASE WHEN EXCLUDED.at - v.at > make_interval(secs => %s) THEN v.at ELSE v.previous_at END,
            at = GREATEST(EXCLUDED.at, v.at)
        RETURNING previous_at"""
    with connection.cursor() as cursor:
        cursor.execute(sql, [user.pk, page, now or timezone.now(), _seconds()])
        return cursor.fetchone()[0]


def since(*, user, page: str, now: datetime | None = None) -> datetime | None:
    """The moment a visit of `page` now would compare with, without noting one (one indexed read)."""
    if not getattr(user, "is_authenticated", False):
        return None
    row = LastVisit.objects.filter(user_id=user.pk, page=page).values_list("at", "previous_at").first()
    if row is None:
        return None
    at, previous_at = row
    return at if (now or timezone.now()) - at > SAME_VISIT else previous_at
