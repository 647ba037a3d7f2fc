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


def lagging_summary_q(last_update: str, not_started: str, now=None) -> Q:
    """The same rule over fields that hold an enterprise's latest progress update and its number of 未启动 rows
    (reporting's ProgressSummary, which the database keeps; both NULL for an enterprise without progress)."""
    return (
        Q(**{f"{not_started}__gt": 0})
        | Q(**{f"{last_update}__lt": stale_before(now)})
        | Q(**{f"{last_update}__isnull": True})
    )


def lagging_enterprises(enterprises: QuerySet, now=None) -> QuerySet:
    return annotate_lagging(enterprises, now).filter(lagging_q(now))


def up_to_date_sql(last_update: str, not_started: str, now=None, *, connection=None) -> tuple[str, list]:
    """The complement of `lagging_q` as SQL, over the columns of an enterprise's latest progress update and number of
    未启动 rows (reporting's ProgressSummary, kept for enterprises with progress rows): none 未启动 and an update
    within the last 90 days. Every other enterprise lags. tests/measures/test_lagging.py checks that both agree."""
    from django.db import connection as default_connection

    fresh_after = (connection or default_connection).ops.adapt_datetimefield_value(stale_before(now))
    return f"{not_started} = 0 AND {last_update} >= %s", [fresh_after]
