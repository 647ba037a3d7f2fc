"""Reads of self-assessments, always narrowed by the access policy first."""

from django.db.models import Count, Exists, OuterRef, Prefetch, QuerySet
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
    """The enterprises of the period's province in the user's scope and the counts per assessment state, for the
    overview: `rows` is the queryset of the enterprises shown (filtered by `state`, ordered by the primary key, an
    index walk), `rows_count` its number (known from the counts: no second COUNT), `counts` per state. A page of it
    is read with `overview_rows` (the page's ids first, then their rows and assessments by those ids).

    The counts: the period's assessments grouped by status (the index on (period, status)); 未填报 is what is left of
    the enterprises in scope (one COUNT of their ids), never a per-enterprise subquery over the province."""
    in_scope = EnterprisePolicy.visible(user, Enterprise.objects.filter(region__parent_id=period.province_id))
    assessments = EnterprisePolicy.visible(
        user,
        Assessment.objects.filter(period=period, enterprise__region__parent_id=period.province_id),
        prefix="enterprise__",
    )
    counts = {s: 0 for s in STATE_ORDER}
    for row in assessments.order_by().values("status").annotate(n=Count("pk")):
        counts[row["status"]] = row["n"]
    total = in_scope.count()
    counts[NOT_FILLED] = total - sum(counts.values())
    of_enterprise = Assessment.objects.filter(period=period, enterprise=OuterRef("pk"))
    rows = in_scope
    if state == NOT_FILLED:
        rows = rows.filter(~Exists(of_enterprise))
    elif state in counts:
        rows = rows.filter(Exists(of_enterprise.filter(status=state)))
    elif state:  # no such state: nothing
        rows = rows.none()
    return {
        "rows": rows.order_by("pk"),
        "rows_count": counts.get(state, 0) if state else total,
        "counts": [(s, STATE_LABELS[s], counts[s]) for s in STATE_ORDER],
        "total": total,
    }


def overview_rows(*, period: ReportingPeriod, ids: list) -> list:
    """The enterprises `ids` (one page of the overview, in order) with their region and the state, id, round and
    submission time of their assessment of `period` (未填报 without one): two queries keyed by the ids."""
    enterprises = {e.pk: e for e in Enterprise.objects.select_related("region").filter(pk__in=ids)}
    forms = {
        a["enterprise_id"]: a
        for a in Assessment.objects.filter(period=period, enterprise_id__in=ids)
        .order_by()
        .values("enterprise_id", "pk", "status", "round", "submitted_at")
    }
    rows = []
    for pk in ids:
        e = enterprises.get(pk)
        if e is None:
            continue
        form = forms.get(pk, {})
        e.state = form.get("status", NOT_FILLED)
        e.assessment_id = form.get("pk")
        e.assessment_round = form.get("round")
        e.submitted_at = form.get("submitted_at")
        rows.append(e)
    return rows


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
