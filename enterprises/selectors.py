"""Reads of enterprises, always narrowed by the access policy first."""

from django.db.models import Avg, Count, Max, Q, QuerySet

from measures.choices import DONE_STATUSES, Status
from reform_portal.access import EnterprisePolicy

from .models import Enterprise


def enterprises_visible(*, user) -> QuerySet:
    return EnterprisePolicy.visible(user, Enterprise.objects.select_related("region", "region__parent"))


def with_progress_summary(qs: QuerySet) -> QuerySet:
    """Annotate applicable / done / not-started measure counts, mean percent and the last update."""
    return qs.annotate(
        applicable_count=Count("progress"),
        done_count=Count("progress", filter=Q(progress__status__in=DONE_STATUSES)),
        not_started_count=Count("progress", filter=Q(progress__status=Status.NOT_STARTED)),
        mean_percent=Avg("progress__percent"),
        last_update=Max("progress__updated_at"),
    )


def enterprises_in_charge(*, user) -> QuerySet:
    return with_progress_summary(enterprises_visible(user=user))


def enterprise_change_history(*, enterprise) -> QuerySet:
    """Every change to the register entry, newest first (the full history page paginates it)."""
    from .models import EnterpriseChange

    return EnterpriseChange.objects.filter(enterprise=enterprise).select_related("changed_by")


def enterprise_changes(*, enterprise, limit: int = 50) -> list:
    """The newest `limit` changes, for the enterprise page."""
    return list(enterprise_change_history(enterprise=enterprise)[:limit])
