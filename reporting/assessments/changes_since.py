"""Values changed since an assessment was accepted: the reviewing officer's queue (issue 14, item 5).

Accepting a form writes its verified values into the enterprise's progress records and indicator values (source
年度自评) and keeps where the history stood then (`Assessment.accepted_progress_event` / `accepted_value_event`,
read after the acceptance's own writes). A change since is a later history event (reform_portal/history.py, written
by the database whatever the write path) of

- a progress record (`ProgressEvent`) of an enterprise whose latest accepted assessment is that one, or
- an indicator value (`IndicatorValueEvent`) of the year of an accepted assessment of its enterprise,

whose source is not an acceptance (年度自评: a later form's acceptance is a review of its own). One row per record:
its latest such event, with the accepted value (the accepted form's answer, verified where corrected) and the
value now. The row leaves the queue when an officer confirmed or questioned that event or a later one
(`AcceptedValueReview`); a further change brings the record back.

Scoped by `access.AssessmentPolicy.changes_visible` (officers in charge, administrators). A page is one query for
its rows (ids, times, who), one count, and a fixed handful for what the rows show: the cost follows the page.
"""

from dataclasses import dataclass
from datetime import datetime

from django.contrib.auth import get_user_model
from django.db.models import CharField, Exists, F, IntegerField, OuterRef, QuerySet, Subquery, Value

from measures.indicator_values import IndicatorAnswer, value_display
from measures.models import IndicatorValue, IndicatorValueEvent, Progress, ProgressEvent
from reform_portal.access import AssessmentPolicy
from reform_portal.choices import ChangeSource

from .choices import AssessmentStatus, ValueReviewKind
from .models import AcceptedValueReview, Assessment, AssessmentIndicator, AssessmentItem

PAGE_SIZE = 50


def _reviewed(kind: str) -> Exists:
    """A decision covering the event (the same record, that event or a later one)."""
    return Exists(
        AcceptedValueReview.objects.filter(
            kind=kind, record_id=OuterRef("pgh_obj_id"), event_id__gte=OuterRef("pgh_id")
        )
    )


def _floor(user, mark: str) -> int | None:
    """The lowest mark of the accepted forms in the user's scope: no change since an acceptance has an event id at
    or below it, so the events are read from there along their primary key. Read as the first row in the mark's
    order (its partial index, stopping at the first form in scope), not as MIN(), which PostgreSQL only reads from
    an index for a single table: with the scope's join it counted every accepted form of a prefecture (190 ms at a
    million enterprises)."""
    accepted = AssessmentPolicy.changes_visible(
        user, Assessment.objects.filter(status=AssessmentStatus.ACCEPTED, **{f"{mark}__isnull": False})
    )
    return accepted.order_by(mark).values_list(mark, flat=True).first()


def _rows(user, *, kind: str, events, mark: str, accepted_filter: dict) -> QuerySet:
    """The events of one kind of record (`events`: ProgressEvent or IndicatorValueEvent) changed since their
    enterprise's latest accepted form (whose `mark` is the last event of the acceptance), the latest per record, not
    from an acceptance, not yet looked at; as (kind, record, event, at, by, enterprise, accepted form)."""
    accepted = Assessment.objects.filter(
        enterprise_id=OuterRef("pgh_obj__enterprise_id"), status=AssessmentStatus.ACCEPTED, **accepted_filter
    ).order_by("-accepted_at", "-pk")
    later = events.filter(pgh_obj_id=OuterRef("pgh_obj_id"), pgh_id__gt=OuterRef("pgh_id")).exclude(
        source=ChangeSource.ASSESSMENT
    )
    floor = _floor(user, mark)
    if floor is None:
        return events.none()
    visible = AssessmentPolicy.changes_visible(user, events.filter(pgh_id__gt=floor), prefix="pgh_obj__enterprise__")
    return (
        visible.exclude(source=ChangeSource.ASSESSMENT)
        .annotate(
            accepted_id=Subquery(accepted.values("pk")[:1], output_field=IntegerField()),
            mark=Subquery(accepted.values(mark)[:1]),
        )
        .filter(mark__isnull=False, pgh_id__gt=F("mark"))
        .exclude(Exists(later))
        .exclude(_reviewed(kind))
        .values_list(
            Value(kind, output_field=CharField()),
            "pgh_obj_id",
            "pgh_id",
            "pgh_created_at",
            "changed_by_id",
            "pgh_obj__enterprise_id",
            "accepted_id",
        )
    )


def _progress_rows(user) -> QuerySet:
    return _rows(
        user,
        kind=ValueReviewKind.PROGRESS.value,
        events=ProgressEvent.objects.all(),
        mark="accepted_progress_event",
        accepted_filter={},
    )


def _indicator_rows(user) -> QuerySet:
    # an indicator value is of a year: the form accepted for that year's period
    return _rows(
        user,
        kind=ValueReviewKind.INDICATOR.value,
        events=IndicatorValueEvent.objects.all(),
        mark="accepted_value_event",
        accepted_filter={"period__year": OuterRef("pgh_obj__year")},
    )


def _all_rows(user, kind: str | None = None) -> QuerySet:
    if kind == ValueReviewKind.PROGRESS:
        return _progress_rows(user)
    if kind == ValueReviewKind.INDICATOR:
        return _indicator_rows(user)
    return _progress_rows(user).union(_indicator_rows(user), all=True)


@dataclass
class ChangedValue:
    """One row of the queue: a record changed since its enterprise's assessment was accepted."""

    kind: str
    record_id: int
    event_id: int
    at: datetime
    by: object  # the user who changed it (None: the system)
    enterprise: object
    assessment: object  # the accepted assessment
    label: str  # the measure or the indicator, as people read it
    accepted_value: str
    new_value: str
    version: int  # the record's version (a stale confirmation is refused)
    source: str = ""

    @property
    def key(self) -> str:
        return f"{self.kind}-{self.record_id}"

    @property
    def kind_label(self) -> str:
        return str(ValueReviewKind(self.kind).label)


def changes_since_acceptance(*, user, kind: str | None = None, offset: int = 0, limit: int = PAGE_SIZE) -> list:
    """The page of the user's queue from `offset` (newest change first), at most `limit` rows (≤ PAGE_SIZE)."""
    limit = max(0, min(limit, PAGE_SIZE))
    rows = list(_all_rows(user, kind).order_by("-pgh_created_at", "-pgh_id")[offset : offset + limit])
    return describe(rows)


def changes_since_acceptance_count(user, kind: str | None = None) -> int:
    """How many records wait in the user's queue (the lead's work queue, the page's count)."""
    if not AssessmentPolicy.can(user, AssessmentPolicy.CHECK_CHANGES):
        return 0
    return _all_rows(user, kind).count()


def changed_value(*, user, kind: str, record_id: int) -> ChangedValue | None:
    """One record's row in the user's queue, or None (not in it: out of scope, unchanged, or already looked at)."""
    if kind not in ValueReviewKind.values:
        return None
    rows = list(_all_rows(user, kind).filter(pgh_obj_id=record_id)[:1])
    found = describe(rows)
    return found[0] if found else None


def describe(rows: list[tuple]) -> list[ChangedValue]:
    """The rows as the page and the API show them: a fixed number of queries whatever their number."""
    if not rows:
        return []
    from enterprises.models import Enterprise

    progress_ids = [r[1] for r in rows if r[0] == ValueReviewKind.PROGRESS]
    value_ids = [r[1] for r in rows if r[0] == ValueReviewKind.INDICATOR]
    progress = Progress.objects.select_related("measure").in_bulk(progress_ids) if progress_ids else {}
    values = IndicatorValue.objects.select_related("indicator").in_bulk(value_ids) if value_ids else {}
    events = {
        **{
            (ValueReviewKind.PROGRESS, e.pk): e
            for e in ProgressEvent.objects.filter(pk__in=[r[2] for r in rows if r[0] == ValueReviewKind.PROGRESS])
        },
        **{
            (ValueReviewKind.INDICATOR, e.pk): e
            for e in IndicatorValueEvent.objects.filter(
                pk__in=[r[2] for r in rows if r[0] == ValueReviewKind.INDICATOR]
            )
        },
    }
    assessments = Assessment.objects.select_related("period").in_bulk({r[6] for r in rows})
    enterprises = Enterprise.objects.select_related("region").in_bulk({r[5] for r in rows})
    users = get_user_model().objects.in_bulk({r[4] for r in rows if r[4]})
    items = {
        (i.assessment_id, i.measure_id): i
        for i in AssessmentItem.objects.filter(
            assessment_id__in={r[6] for r in rows if r[0] == ValueReviewKind.PROGRESS},
            measure_id__in={p.measure_id for p in progress.values()},
        )
    }
    answers = {
        (a.assessment_id, a.indicator_id): a
        for a in AssessmentIndicator.objects.filter(
            assessment_id__in={r[6] for r in rows if r[0] == ValueReviewKind.INDICATOR},
            indicator_id__in={v.indicator_id for v in values.values()},
        )
    }
    result = []
    for kind, record_id, event_id, at, by_id, enterprise_id, assessment_id in rows:
        event = events.get((kind, event_id))
        if kind == ValueReviewKind.PROGRESS:
            record = progress[record_id]
            item = items.get((assessment_id, record.measure_id))
            label = record.measure.label
            accepted = _progress_text(item.final_status, item.final_percent) if item else ""
            new = _progress_text(record.status, record.percent)
        else:
            record = values[record_id]
            answer = answers.get((assessment_id, record.indicator_id))
            label = f"{record.indicator.name}（{record.year}）"
            accepted = value_display(record.indicator, answer.final) if answer else ""
            new = value_display(record.indicator, IndicatorAnswer(record.value, record.text))
        result.append(
            ChangedValue(
                kind=kind,
                record_id=record_id,
                event_id=event_id,
                at=at,
                by=users.get(by_id),
                enterprise=enterprises[enterprise_id],
                assessment=assessments[assessment_id],
                label=label,
                accepted_value=str(accepted or "—"),
                new_value=str(new or "—"),
                version=record.version,
                source=event.get_source_display() if event is not None else "",
            )
        )
    return result


def _progress_text(status, percent) -> str:
    from measures.choices import Status

    if not status:
        return ""
    label = str(Status(status).label) if status in Status.values else status
    return f"{label} {percent}%" if percent is not None else label
