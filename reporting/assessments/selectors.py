"""Reads of self-assessments, always narrowed by the access policy first."""

from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Region
from reform_portal.access import AssessmentPolicy, EnterprisePolicy, NoticePolicy, PeriodPolicy, access_for

from .choices import NOT_FILLED, NOT_FILLED_LABEL, AssessmentStatus, SelfRating, TransitionAction
from .counts import AssessmentCount, PlaceCount
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


def named_elsewhere(access, province_id: int | None) -> list[int]:
    """The enterprises named to the user (an officer's) that no place in their scope holds: counted from their own
    rows, the places' counts hold the rest of the scope."""
    place = access.place_q()
    if place is None or not access.enterprise_ids:
        return []
    named = Enterprise.objects.filter(pk__in=sorted(access.enterprise_ids)).exclude(place)
    if province_id is not None:
        named = named.filter(region__parent_id=province_id)
    return list(named.values_list("pk", flat=True))


def _places(qs: QuerySet, access, province_id: int | None) -> QuerySet:
    """`qs` (of PlaceCount or AssessmentCount) narrowed to the places in the user's scope and in `province_id`."""
    place = access.place_q()
    if place is not None:
        qs = qs.filter(place)
    return qs if province_id is None else qs.filter(region__parent_id=province_id)


def enterprise_count(*, user, province_id: int | None = None) -> int:
    """How many enterprises `user` sees (of `province_id`'s prefectures, when given): the counts the database keeps
    per place (counts.PlaceCount, a few hundred rows for a province), not a COUNT of the enterprises."""
    access = access_for(user)
    kept = _places(PlaceCount.objects.all(), access, province_id).aggregate(n=Sum("enterprises"))["n"] or 0
    return kept + len(named_elsewhere(access, province_id))


def overview_counts(*, user, period: ReportingPeriod) -> tuple[int, dict[str, int]]:
    """The enterprises of the period's province in the user's scope, and how many are in each state of the period
    (未填报: those without an assessment), from the counts the database keeps (counts.py): (total, {state: n})."""
    access = access_for(user)
    province_id = period.province_id
    counts = dict.fromkeys(STATE_ORDER, 0)
    states = _places(AssessmentCount.objects.filter(period=period), access, province_id)
    for row in states.values("status").annotate(n=Sum("assessments")).order_by():
        counts[row["status"]] += row["n"]
    elsewhere = named_elsewhere(access, province_id)
    for row in (
        Assessment.objects.filter(period=period, enterprise_id__in=elsewhere)
        .values("status")
        .annotate(n=Count("pk"))
        .order_by()
    ):
        counts[row["status"]] += row["n"]
    total = enterprise_count(user=user, province_id=province_id)
    counts[NOT_FILLED] = total - sum(counts.values())
    return total, counts


def submissions_overview(*, user, period: ReportingPeriod, state: str | None = None) -> dict:
    """The enterprises of the period's province in the user's scope and the counts per assessment state, for the
    overview: `rows` is the queryset of the enterprises shown (filtered by `state`, ordered by the primary key, an
    index walk), `rows_count` its number (known from the counts: no COUNT of the rows), `counts` per state. A page
    of it is read with `overview_rows` (the page's ids first, then their rows and assessments by those ids).

    The counts are those the database keeps per period, place and state (`overview_counts`): a few hundred rows for
    a province, never its hundreds of thousands of enterprises and assessments."""
    # the province's prefectures by their ids (a dozen): the planner then knows how many enterprises they hold and
    # walks the primary key's index to the page, where a join on the region's parent looked rarer than it is
    prefectures = sorted(Region.objects.filter(parent_id=period.province_id).values_list("pk", flat=True))
    in_scope = EnterprisePolicy.visible(user, Enterprise.objects.filter(region_id__in=prefectures))
    total, counts = overview_counts(user=user, period=period)
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
    """The enterprises `ids` (one page of the overview, in order) with their region and the state (and its label), id,
    round and submission time of their assessment of `period` (未填报 without one): two queries keyed by the ids."""
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
        e.state_label = STATE_LABELS[e.state]
        e.assessment_id = form.get("pk")
        e.assessment_round = form.get("round")
        e.submitted_at = form.get("submitted_at")
        rows.append(e)
    return rows


def submit_snapshots(*, assessment) -> list[AssessmentTransition]:
    return [t for t in assessment.transitions.all() if t.action == TransitionAction.SUBMIT]


def round_changes(*, assessment) -> dict:
    """What changed between the last two submissions: {"items": {item id: [(label, old, new)]}, "indicators": {answer
    id: [(field, old, new)]}}. A measure's answers read as people read them (labels of the rating and the status, the
    percent with %, the files by name, "" for nothing); an indicator's are its raw values, which the page shows
    through `value_display` with the indicator."""
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
            if key == "items":
                diffs = [
                    (str(SNAPSHOT_LABELS.get(f, f)), _snapshot_shown(f, o), _snapshot_shown(f, n)) for f, o, n in diffs
                ]
                diffs = [d for d in diffs if d[1] != d[2]]
            if diffs:
                result[key][int(obj_id)] = diffs
    return result


# A measure's answer as a submission keeps it (services.submission._snapshot): its fields' labels.
SNAPSHOT_LABELS = {
    "self_rating": _("自评等级"),
    "what_done": _("主要工作"),
    "status": _("填报状态"),
    "percent": _("填报完成百分比"),
    "evidence": _("佐证材料"),
}


def _snapshot_shown(name: str, value) -> str:
    """A value of a submission's snapshot as people read it: never a code or a raw list."""
    from measures.choices import Status

    if value in (None, "", []):
        return ""
    if name == "self_rating":
        return str(SelfRating(value).label) if value in SelfRating.values else str(value)
    if name == "status":
        return str(Status(value).label) if value in Status.values else str(value)
    if name == "percent":
        return f"{value}%"
    if isinstance(value, (list, tuple)):
        return "、".join(str(v) for v in value)
    return str(value)


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


def awaiting_counts(*, user) -> dict[str, int]:
    """How many forms wait for the user's next review step (`AssessmentPolicy.awaiting_review`: with two levels the
    first level's submitted forms, the province union's forwarded ones) ("pending"), how many of them were forwarded
    ("forwarded") and how many are in a later round, submitted again after a return ("again"): from the counts the
    database keeps per place (a few hundred rows for a province, never its assessments), with the enterprises named
    to the user counted from their rows — each as the full rule places it, less what the places' counts gave it."""
    by_place = AssessmentPolicy.awaiting_review(user, AssessmentCount.objects.all(), prefix="", named=False)
    counts = by_place.aggregate(
        pending=Sum("assessments", default=0),
        forwarded=Sum("assessments", filter=Q(status=AssessmentStatus.FORWARDED), default=0),
        again=Sum("resubmitted", default=0),
    )
    named = sorted(access_for(user).enterprise_ids)
    if named:
        forms = Assessment.objects.filter(enterprise_id__in=named)
        figures = {
            "pending": Count("pk"),
            "forwarded": Count("pk", filter=Q(status=AssessmentStatus.FORWARDED)),
            "again": Count("pk", filter=Q(round__gt=1)),
        }
        named_rows = AssessmentPolicy.awaiting_review(user, forms).aggregate(**figures)
        in_places = AssessmentPolicy.awaiting_review(user, forms, named=False).aggregate(**figures)
        for key in counts:
            counts[key] += named_rows[key] - in_places[key]
    return counts
