"""What "lagging" means, in one place: an enterprise with no progress update in 90 days, or with
measures still 未启动. The officer's list filter, the dashboard table and the rollups all use it."""

from datetime import timedelta

from django.db.models import Exists, Max, OuterRef, Q, QuerySet
from django.utils import timezone

from .choices import Status
from .models import Progress

LAGGING_DAYS = 90


def stale_before(now=None):
    return (now or timezone.now()) - timedelta(days=LAGGING_DAYS)


def annotate_lagging(enterprises: QuerySet, now=None) -> QuerySet:
    """Annotate `last_progress_update`, `has_not_started` and filter-ready `is_lagging` reasons."""
    return enterprises.annotate(
        last_progress_update=Max("progress__updated_at"),
        has_not_started=Exists(Progress.objects.filter(enterprise=OuterRef("pk"), status=Status.NOT_STARTED)),
    )


def lagging_q(now=None) -> Q:
    """Q over enterprises annotated by `annotate_lagging`."""
    return (
        Q(has_not_started=True) | Q(last_progress_update__lt=stale_before(now)) | Q(last_progress_update__isnull=True)
    )


def lagging_enterprises(enterprises: QuerySet, now=None) -> QuerySet:
    return annotate_lagging(enterprises, now).filter(lagging_q(now))


def lagging_flags_sql(enterprises_sql: str, enterprises_params, now=None, *, connection=None) -> tuple[str, list]:
    """The same rule as `lagging_q`, as plain SQL for set-based rollups: one GROUP BY enterprise over progress.

    `enterprises_sql` is a one-column SELECT of enterprise ids named `id` (e.g. `qs.values_list("id")`). The
    result has one row per such enterprise: `enterprise_id, last_progress_update, has_not_started (0/1),
    lagging (0/1)`; an enterprise without progress rows is lagging, as in `lagging_q`.
    tests/measures/test_lagging.py checks that both agree.
    """
    from django.db import connection as default_connection

    ops = (connection or default_connection).ops
    progress = Progress._meta.db_table
    stale = ops.adapt_datetimefield_value(stale_before(now))
    sql = f"""
        SELECT e.id AS enterprise_id, l.last_update AS last_progress_update,
               COALESCE(l.has_not_started, 0) AS has_not_started,
               CASE WHEN l.has_not_started = 1 OR l.last_update IS NULL OR l.last_update < %s THEN 1 ELSE 0 END
                   AS lagging
        FROM ({enterprises_sql}) e
        LEFT JOIN (SELECT p.enterprise_id, MAX(p.updated_at) AS last_update,
                          MAX(CASE WHEN p.status = %s THEN 1 ELSE 0 END) AS has_not_started
                   FROM {progress} p
                   WHERE p.enterprise_id IN ({enterprises_sql})
                   GROUP BY p.enterprise_id) l ON l.enterprise_id = e.id
    """
    return sql, [stale, *enterprises_params, Status.NOT_STARTED, *enterprises_params]
