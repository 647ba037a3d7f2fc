"""Reads of self-assessments, always narrowed by the access policy first."""

from django.db.models import Count, OuterRef, Prefetch, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from enterprises.models import Enterprise
from reform_portal.access import AssessmentPolicy, EnterprisePolicy, NoticePolicy, PeriodPolicy, access_for

from .choices import NOT_FILLED, NOT_FILLED_LABEL, AssessmentStatus, TransitionAction
from .models import (
    Assessment,
    AssessmentEvidence,
    AssessmentIndicator,
    AssessmentItem,
    AssessmentNotice,
    AssessmentTransition,
    ReportingPeriod,
    ReportingPeriodEvent,
)

STATE_LABELS = {NOT_FILLED: NOT_FILLED_LABEL, **dict(AssessmentStatus.choices)}
STATE_ORDER = [NOT_FILLED, *AssessmentStatus.values]


def periods_visible(*, user) -> QuerySet:
    return PeriodPolicy.visible(user, ReportingPeriod.objects.select_related("province", "opened_by"))


def period_changes(*, periods, limit: int = 30) -> list[ReportingPeriodEvent]:
    """The latest changes of these periods (opened, deadline moved, closed, reopened), newest first: one query."""
    events = ReportingPeriodEvent.objects.filter(pgh_obj__in=[p.pk for p in periods])
    return list(events.select_related("changed_by", "pgh_obj__province").order_by("-pgh_id")[:limit])


def current_period(*, user, province_id: int | None = None) -> ReportingPeriod | None:
    """The latest period of the user's province (an open one first)."""
    qs = periods_visible(user=user)
    if province_id:
        qs = qs.filter(province_id=province_id)
    return qs.order_by("-is_open", "-year").first()


def period_for_enterprise(*, enterprise, year: int | None = None) -> ReportingPeriod | None:
    qs = ReportingPeriod.objects.filter(province_id=enterprise.region.parent_id)
    if year:
        return qs.filter(year=year).first()
    return qs.order_by("-is_open", "-year").first()


def assessments_visible(*, user) -> QuerySet:
    return AssessmentPolicy.visible(
        user, Assessment.objects.select_related("period", "period__province", "enterprise", "enterprise__region")
    )


def assessment_for_page(*, user, pk: int) -> Assessment:
    """One assessment with everything its pages need; raises Assessment.DoesNotExist out of scope."""
    evidence = AssessmentEvidence.objects.order_by("created_at", "id")
    items = AssessmentItem.objects.select_related("measure", "measure__document", "measure__section").prefetch_related(
        Prefetch("evidence", queryset=evidence)
    )
    indicators = AssessmentIndicator.objects.select_related("indicator", "indicator__measure")
    transitions = AssessmentTransition.objects.select_related("by")
    return (
        assessments_visible(user=user)
        .prefetch_related(
            Prefetch("items", queryset=items),
            Prefetch("indicator_answers", queryset=indicators),
            Prefetch("transitions", queryset=transitions),
        )
        .get(pk=pk)
    )


def own_assessment(*, user, period) -> Assessment | None:
    """The form the user fills in for `period` (enterprise users), if it was started."""
    enterprise_id = access_for(user).own_enterprise_id
    if enterprise_id is None or period is None:
        return None
    return Assessment.objects.filter(period=period, enterprise_id=enterprise_id).first()


def submissions_overview(*, user, period: ReportingPeriod, state: str | None = None) -> dict:
    """Every enterprise of the period's province in the user's scope, with its assessment state and counts."""
    status = Assessment.objects.filter(period=period, enterprise=OuterRef("pk"))
    enterprises = (
        EnterprisePolicy.visible(user, Enterprise.objects.filter(region__parent_id=period.province_id))
        .select_related("region")
        .annotate(
            state=Coalesce(Subquery(status.values("status")[:1]), Value(NOT_FILLED)),
            assessment_id=Subquery(status.values("pk")[:1]),
            assessment_round=Subquery(status.values("round")[:1]),
            submitted_at=Subquery(status.values("submitted_at")[:1]),
        )
        .order_by("region__code", "name")
    )
    counts = {s: 0 for s in STATE_ORDER}
    for row in enterprises.values("state").annotate(n=Count("pk")).order_by():
        counts[row["state"]] = row["n"]
    rows = enterprises.filter(state=state) if state else enterprises
    return {
        "rows": rows,
        "counts": [(s, STATE_LABELS[s], counts[s]) for s in STATE_ORDER],
        "total": sum(counts.values()),
    }


def submit_snapshots(*, assessment) -> list[AssessmentTransition]:
    return [t for t in assessment.transitions.all() if t.action == TransitionAction.SUBMIT]


def round_changes(*, assessment) -> dict:
    """What changed between the last two submissions: {"items": {measure_id: [(field, old, new)]}, "indicators": …}."""
    submits = submit_snapshots(assessment=assessment)
    if len(submits) < 2:
        return {"items": {}, "indicators": {}}
    before, after = submits[-2].details, submits[-1].details
    result = {"items": {}, "indicators": {}}
    for key in ("items", "indicators"):
        old_all, new_all = before.get(key, {}), after.get(key, {})
        for obj_id, new in new_all.items():
            old = old_all.get(obj_id, {})
            diffs = [(f, old.get(f), v) for f, v in new.items() if old.get(f) != v]
            if diffs:
                result[key][int(obj_id)] = diffs
    return result


def last_return(*, assessment) -> AssessmentTransition | None:
    returns = [t for t in assessment.transitions.all() if t.action == TransitionAction.RETURN]
    return returns[-1] if returns else None


def progress_changes_from(*, assessment) -> list:
    """The progress history rows written when this assessment was accepted (source = 年度自评)."""
    from measures.models import ProgressEvent
    from reform_portal.choices import ChangeSource

    if assessment.status != AssessmentStatus.ACCEPTED:
        return []
    return list(
        ProgressEvent.objects.filter(
            pgh_obj__enterprise_id=assessment.enterprise_id,
            source=ChangeSource.ASSESSMENT,
            comment__startswith=f"{assessment.period.label}自评",
        )
        .select_related("pgh_obj__measure", "changed_by")
        .order_by("pgh_obj__measure__position", "-pgh_created_at", "-pgh_id")
    )


def notices_for_enterprise(*, user, enterprise, period=None, limit: int = 3) -> list[AssessmentNotice]:
    qs = NoticePolicy.visible(user, AssessmentNotice.objects.filter(enterprise=enterprise)).select_related("period")
    if period is not None:
        qs = qs.filter(period=period)
    return list(qs[:limit])


def today():
    return timezone.localdate()
