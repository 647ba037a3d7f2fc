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
