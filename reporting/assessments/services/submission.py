"""Submitting the form: only while the period is open, only when complete."""

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from measures.choices import DONE_STATUSES
from reform_portal.choices import ChangeSource
from reform_portal.history import change_context
from reform_portal.versioning import check_version

from ..choices import AssessmentStatus, TransitionAction
from ..models import Assessment
from .anchors import indicator_anchor, item_anchor
from .errors import IllegalTransition, IncompleteAssessment, Problem
from .start import derived_answers_refresh
from .state import record_transition, require_editable
from .values import OPTIONAL, REQUIRED, answer_role, applicable_ids, status_percent_problems


def assessment_problems(*, assessment: Assessment) -> list[Problem]:
    """Everything that keeps the form from being submitted, in form order, each with where to fix it (the answer's
    anchor, and the field on its form).

    Evidence files are not required: neither policy document asks a file for each measure, and the 2024 rules on
    the grassroots' burden ask for no material twice; the officer judges the answers in review (docs/assessment-
    form.md). The page marks evidence as optional accordingly."""
    problems = []
    items = assessment.items.select_related("measure").order_by("measure__document__issued_on", "measure__position")
    for item in items:
        label = item.measure.label
        code, anchor = item.measure.code, item_anchor(item.measure)

        def add(message, field="", label=label, code=code, anchor=anchor):
            problems.append(Problem(anchor=anchor, label=label, message=message, key=code, field=field, measure=code))

        if item.carried_over:
            add(_("预填的答案尚未确认：请核对后点“确认”或直接修改。"))
        if not item.self_rating:
            add(_("未选择自评等级。"), "self_rating")
        if not item.claimed_status:
            add(_("未选择推进状态。"), "status")
        if item.claimed_percent is None:
            add(_("未填写完成百分比。"), "percent")
        if item.claimed_status in DONE_STATUSES and not item.what_done.strip():
            status = item.get_claimed_status_display()
            add(_("状态为“%(status)s”时必须填写主要工作。") % {"status": status}, "what_done")
        for field, messages in status_percent_problems(item.claimed_status, item.claimed_percent).items():
            for message in messages:
                add(message, field)
    # Only what the form asks: a derived value comes from the register, a 仅统计 one may stay empty, and an
    # indicator that no longer applies to the enterprise is not asked at all (values.answer_role).
    applicable = applicable_ids(assessment.enterprise)
    for answer in assessment.indicator_answers.select_related("indicator", "indicator__measure"):
        asked_as = answer_role(answer.indicator, applicable)
        if asked_as not in (REQUIRED, OPTIONAL):
            continue
        where = {
            "anchor": indicator_anchor(answer.indicator),
            "label": answer.indicator.name,
            "key": answer.indicator.code,
            "field": "value",
            "measure": answer.indicator.measure.code,
        }
        if answer.claimed.is_blank:
            if asked_as == REQUIRED:
                problems.append(Problem(message=_("未填写指标值。"), **where))
        elif answer.carried_over:
            problems.append(Problem(message=_("预填的指标值尚未确认：请核对后点“确认”或直接修改。"), **where))
    return problems


def section_counts(*, assessment: Assessment, problems: list[Problem] | None = None) -> list[dict]:
    """The form's measures per section, in form order, and how many of them are filled in: a measure is when
    nothing keeps it (its answer or one of its indicators) from being submitted (`assessment_problems`)."""
    if problems is None:
        problems = assessment_problems(assessment=assessment)
    open_measures = {p.measure for p in problems}
    sections: dict[int, dict] = {}
    items = assessment.items.select_related("measure__section").order_by(
        "measure__document__issued_on", "measure__position"
    )
    for item in items:
        section = item.measure.section
        row = sections.setdefault(section.pk, {"section": section, "filled": 0, "total": 0})
        row["total"] += 1
        row["filled"] += item.measure.code not in open_measures
    return list(sections.values())


def _snapshot(assessment) -> dict:
    """The answers as submitted in this round, for comparing rounds later."""
    items = {}
    for item in assessment.items.prefetch_related("evidence"):
        items[str(item.pk)] = {
            "self_rating": item.self_rating,
            "what_done": item.what_done,
            "status": item.claimed_status,
            "percent": item.claimed_percent,
            "evidence": sorted(e.name for e in item.evidence.all()),
        }
    indicators = {
        str(a.pk): {"value": a.claimed_text or (None if a.claimed_value is None else str(a.claimed_value))}
        for a in assessment.indicator_answers.all()
    }
    return {"items": items, "indicators": indicators}


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by, expected_version: int | None = None) -> Assessment:
    """Submit (or resubmit after a return): only in the period, only when complete."""
    assessment = require_editable(assessment, by)
    check_version(assessment, expected_version, label=_("自评表"))
    refusal = assessment.period.submission_refusal()
    if refusal:
        raise IllegalTransition(refusal)
    with change_context(by=by, source=ChangeSource.SYSTEM):
        derived_answers_refresh(assessment)  # submitted as the register has them now
    problems = assessment_problems(assessment=assessment)
    if problems:
        raise IncompleteAssessment(problems)
    now = timezone.now()
    from_status = assessment.status
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.round += 1
    assessment.version += 1
    assessment.submitted_at = now
    assessment.first_submitted_at = assessment.first_submitted_at or now
    assessment.save(update_fields=["status", "round", "version", "submitted_at", "first_submitted_at", "updated_at"])
    # The officer's reasons of the last return live on in that return's trail entry.
    assessment.items.exclude(officer_comment="").update(officer_comment="")
    record_transition(
        assessment, action=TransitionAction.SUBMIT, from_status=from_status, by=by, details=_snapshot(assessment)
    )
    return assessment
