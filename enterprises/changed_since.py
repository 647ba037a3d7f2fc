""" "Changed since my last visit" and "gone lagging since my last visit" of enterprises: the rules, once, with a face
for a queryset (the list's filter `?changed=1`, the export, the API; the work queue's count) and one for a page of
rows (the list's "有更新" marks). The moment compared with is the user's previous visit of the list
(reform_portal/inbox/visits.py).

Changed: its progress (the summary's latest update, kept by the database: reporting's ProgressSummary, reached
through the `progress_summary` relation), one of its indicator values, or its register entry (`updated_at`) changed
after that moment.

Gone lagging: it lags now (measures.lagging, over the summaries) and began to after that moment — its folded
exemptions ended then (`lagging_from`) or its grace period did (`created_at` + LAGGING_GRACE_DAYS)."""

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Exists, OuterRef, Q

from measures.lagging import SUMMARY_INPUTS, lagging_q
from measures.models import IndicatorValue


def changed_q(since: datetime) -> Q:
    """Q over enterprises changed after `since`."""
    values = IndicatorValue.objects.filter(enterprise=OuterRef("pk"), updated_at__gt=since)
    return Q(progress_summary__last_update__gt=since) | Q(updated_at__gt=since) | Exists(values)


def changed_ids(ids, since: datetime | None) -> set[int]:
    """Of the enterprises `ids` (a page's), those changed after `since` (one query; none without a moment)."""
    from .models import Enterprise

    if since is None or not ids:
        return set()
    return set(Enterprise.objects.filter(pk__in=list(ids)).filter(changed_q(since)).values_list("pk", flat=True))


def newly_lagging_q(since: datetime) -> Q:
    """Q over enterprises that lag now and began to after `since`."""
    grace = timedelta(days=settings.LAGGING_GRACE_DAYS)
    began = Q(progress_summary__lagging_from__gt=since) | Q(created_at__gt=since - grace)
    return lagging_q(inputs=SUMMARY_INPUTS) & began
