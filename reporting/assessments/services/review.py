"""The officer's review: corrections and comments on each answer, then return the form or accept it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from measures.derived import derived_values_sync
from measures.indicator_values import holds_text
from measures.models import IndicatorValueEvent, Progress, ProgressEvent
from measures.services import indicator_value_set, progress_ensure, progress_moves_back, progress_update
from reform_portal.access import AssessmentPolicy
from reform_portal.choices import ChangeSource
from reform_portal.history import records_as
from reform_portal.locks import lock_one, lock_rows
from reform_portal.versioning import check_version

from ..choices import AssessmentStatus, ReviewLevel, TransitionAction
from ..models import Assessment, AssessmentIndicator, AssessmentItem
from .state import record_transition, require_reviewable, require_step
from .values import (
    OPTIONAL,
    REQUIRED,
    answer_role,
    applicable_ids,
    parse_indicator_value,
    parse_percent,
    status_percent_problems,
)

COMMENT_MAX = 2000


@records_as(ChangeSource.ASSESSMENT)
@transaction.atomic
def review_item_save(
    *,
    item: AssessmentItem,
    by,
    verified_status: str,
    verified_percent,
    comment: str,
    expected_version: int | None = None,
) -> AssessmentItem:
    """The officer's correction and comment on one measure (blank verified values = as claimed)."""
    require_reviewable(item.assessment, by)
    item = lock_one(AssessmentItem.objects.select_related("measure"), item.pk)
    check_version(item, expected_version, label=item.measure.title)
    errors: dict = {}
    verified_status = (verified_status or "").strip()
    try:
        verified_percent = parse_percent(verified_percent, "verified_percent")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        verified_percent = None
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["officer_comment"] = [_("审核意见不超过 %(n)s 字。") % {"n": COMMENT_MAX}]
    status = verified_status or item.claimed_status
    percent = verified_percent if verified_percent is not None else item.claimed_percent
    errors.update(status_percent_problems(status, percent, "verified_"))
    if errors:
        raise ValidationError(errors)
    item.verified_status, item.verified_percent, item.officer_comment = verified_status, verified_percent, comment
    item.version += 1
    item.updated_by = by
    item.save(
        update_fields=["verified_status", "verified_percent", "officer_comment", "version", "updated_by", "updated_at"]
    )
    return item


@records_as(ChangeSource.ASSESSMENT)
@transaction.atomic
def review_indicator_save(
    *, answer: AssessmentIndicator, by, verified_value, expected_version: int | None = None
) -> AssessmentIndicator:
    """The officer's verified value of one indicator (blank = as claimed), by the rule the enterprise's answer
    follows."""
    require_reviewable(answer.assessment, by)
    answer = lock_one(AssessmentIndicator.objects.select_related("indicator", "assessment__enterprise"), answer.pk)
    check_version(answer, expected_version, label=answer.indicator.name)
    answer.verified_value, answer.verified_text = parse_indicator_value(
        answer.indicator, verified_value, "verified_value", enterprise=answer.assessment.enterprise
    )
    answer.version += 1
    answer.save(update_fields=["verified_value", "verified_text", "version", "updated_at"])
    return answer


@transaction.atomic
def assessment_return(*, assessment: Assessment, by, comment: str = "", expected_version=None) -> Assessment:
    """Send the form back to the enterprise with the reasons: a comment on at least one measure (what to change
    and where), and optionally an overall one."""
    assessment = require_reviewable(assessment, by)
    check_version(assessment, expected_version, label=_("自评表"))
    comment = (comment or "").strip()
    reasons = {
        item.measure.code: item.officer_comment
        for item in assessment.items.select_related("measure").exclude(officer_comment="")
    }
    if not reasons:
        raise ValidationError(
            {"reasons": [_("退回时请至少在一项需要修改的措施下填写审核意见（退回理由）；总体意见可选。")]}
        )
    from_status = assessment.status
    assessment.status = AssessmentStatus.RETURNED
    assessment.returned_at = timezone.now()
    assessment.version += 1
    assessment.save(update_fields=["status", "returned_at", "version", "updated_at"])
    record_transition(
        assessment,
        action=TransitionAction.RETURN,
        from_status=from_status,
        by=by,
        comment=comment,
        details={"reasons": reasons},
        level=ReviewLevel.FIRST,
    )
    return assessment


def _review_snapshot(assessment) -> dict:
    """The first level's corrections and comments as forwarded: {measure code: {...}} and {indicator code: value}
    (kept on the transition, so each level's work can be read later whatever changes after)."""
    items = {}
    for item in assessment.items.select_related("measure"):
        if item.officer_comment or item.is_corrected:
            items[item.measure.code] = {
                "verified_status": item.verified_status,
                "verified_percent": item.verified_percent,
                "officer_comment": item.officer_comment,
            }
    indicators = {
        answer.indicator.code: answer.verified_text or str(answer.verified_value)
        for answer in assessment.indicator_answers.select_related("indicator")
        if answer.is_corrected
    }
    return {"corrections": items, "indicator_corrections": indicators}


@transaction.atomic
def assessment_forward(*, assessment: Assessment, by, comment: str = "", expected_version=None) -> Assessment:
    """Two levels: the officer in charge (county or prefecture union) verified the form and forwards it, with its
    corrections and comments, to the province union (已初审)."""
    assessment = require_step(assessment, by, AssessmentPolicy.FORWARD)
    check_version(assessment, expected_version, label=_("自评表"))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise ValidationError({"comment": [_("审核意见不超过 %(n)s 字。") % {"n": COMMENT_MAX}]})
    from_status = assessment.status
    assessment.status = AssessmentStatus.FORWARDED
    assessment.version += 1
    assessment.save(update_fields=["status", "version", "updated_at"])
    record_transition(
        assessment,
        action=TransitionAction.FORWARD,
        from_status=from_status,
        by=by,
        comment=comment,
        details=_review_snapshot(assessment),
        level=ReviewLevel.FIRST,
    )
    return assessment


@transaction.atomic
def assessment_return_to_reviewer(
    *, assessment: Assessment, by, reasons: dict, comment: str = "", expected_version=None
) -> Assessment:
    """Two levels: the province union sends a forwarded form back to the first level (已提交 again) with a reason
    for at least one measure ({measure code: reason}); the officer in charge corrects it and forwards it again, or
    returns it to the enterprise."""
    assessment = require_step(assessment, by, AssessmentPolicy.RETURN_TO_REVIEWER)
    check_version(assessment, expected_version, label=_("自评表"))
    comment = (comment or "").strip()
    codes = set(assessment.items.values_list("measure__code", flat=True))
    errors: dict = {}
    cleaned = {}
    for code, reason in (reasons or {}).items():
        reason = (str(reason) if reason is not None else "").strip()
        if not reason:
            continue
        if code not in codes:
            errors.setdefault("reasons", []).append(_("自评表中没有措施“%(code)s”。") % {"code": str(code)[:40]})
        elif len(reason) > COMMENT_MAX:
            errors.setdefault("reasons", []).append(
                _("措施 %(code)s 的退回理由不超过 %(n)s 字。") % {"code": code, "n": COMMENT_MAX}
            )
        else:
            cleaned[code] = reason
    if len(comment) > COMMENT_MAX:
        errors["comment"] = [_("审核意见不超过 %(n)s 字。") % {"n": COMMENT_MAX}]
    if not cleaned and not errors:
        errors["reasons"] = [_("退回初审时请至少为一项措施填写退回理由；总体意见可选。")]
    if errors:
        raise ValidationError(errors)
    from_status = assessment.status
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.version += 1
    assessment.save(update_fields=["status", "version", "updated_at"])
    record_transition(
        assessment,
        action=TransitionAction.RETURN_TO_REVIEWER,
        from_status=from_status,
        by=by,
        comment=comment,
        details={"reasons": dict(sorted(cleaned.items()))},
        level=ReviewLevel.SECOND,
    )
    return assessment


@transaction.atomic
def assessment_accept(*, assessment: Assessment, by, comment: str = "", expected_version=None) -> Assessment:
    """Accept: the verified statuses, percents and indicator values go into the enterprise's progress
    records, each change in their history marked as coming from the assessment. One level: the officer in charge
    accepts a submitted form; two levels: the province union a forwarded one (access.AssessmentPolicy.ACCEPT)."""
    assessment = require_step(assessment, by, AssessmentPolicy.ACCEPT)
    check_version(assessment, expected_version, label=_("自评表"))
    enterprise, period = assessment.enterprise, assessment.period
    progress_ensure(enterprise=enterprise, by=by)
    # All of the enterprise's records, locked at once in primary-key order (then updated in the form's order), so
    # that a concurrent bulk write over several of them cannot deadlock with the acceptance.
    progress = {p.measure_id: p for p in lock_rows(Progress.objects.filter(enterprise=enterprise))}
    history_comment = _("%(period)s自评第 %(round)s 轮通过") % {"period": period.label, "round": assessment.round}
    for item in assessment.items.select_related("measure").order_by("measure__position"):
        record = progress.get(item.measure_id)
        if record is None:  # the measure no longer applies (catalogue changed since the form began)
            continue
        verified = _("据%(period)s自评核实") % {"period": period.label}
        if (item.final_status, item.final_percent) == (record.status, record.percent):
            # Confirmed as it stands: the record is marked as updated now (by whom: `updated_by`), and keeps its values
            # and its note. No audited field changes, so the history records nothing and the version stays: an
            # acceptance that changes nothing writes no "推进中 20% → 推进中 20%" (the main work stays on the answer).
            note = record.note
        else:
            note = item.what_done or record.note or verified
        # A move back needs an explanation of its own, not the stored note (measures.services.progress_problems):
        # when the form gives none, the acceptance is the explanation.
        moves_back = progress_moves_back(old=record, status=item.final_status, percent=item.final_percent)
        if moves_back and note.strip() == record.note.strip():
            note = verified
        try:
            progress_update(
                progress=record,
                status=item.final_status,
                percent=item.final_percent,
                note=note,
                by=by,
                expected_version=None,
                source=ChangeSource.ASSESSMENT,
                comment=history_comment,
            )
        except ValidationError as exc:
            raise ValidationError({"items": [f"{item.measure.label}: {m}" for m in exc.messages]}) from None
    applicable = applicable_ids(enterprise)
    for answer in assessment.indicator_answers.select_related("indicator"):
        final = answer.final
        # A derived value is the register's (synced below); an indicator that no longer applies is not written.
        if final.is_blank or answer_role(answer.indicator, applicable) not in (REQUIRED, OPTIONAL):
            continue
        indicator_value_set(
            enterprise=enterprise,
            indicator=answer.indicator,
            year=period.year,
            value=final.text if holds_text(answer.indicator) else final.value,
            by=by,
            source=ChangeSource.ASSESSMENT,
            comment=history_comment,
        )
    derived_values_sync(enterprise, year=period.year, by=by)
    # Where the history stands now that the acceptance's own writes are in it (its rows are locked: an edit of them
    # waiting on the lock comes after): a later event is a change since the acceptance (changes_since.py).
    assessment.accepted_progress_event = ProgressEvent.objects.aggregate(last=Max("pgh_id"))["last"] or 0
    assessment.accepted_value_event = IndicatorValueEvent.objects.aggregate(last=Max("pgh_id"))["last"] or 0
    now = timezone.now()
    from_status = assessment.status
    assessment.status = AssessmentStatus.ACCEPTED
    assessment.accepted_at = now
    assessment.accepted_by = by
    first = timezone.localtime(assessment.first_submitted_at or now).date()
    assessment.days_taken = (timezone.localtime(now).date() - first).days
    assessment.version += 1
    assessment.save(
        update_fields=[
            "status",
            "accepted_at",
            "accepted_by",
            "days_taken",
            "accepted_progress_event",
            "accepted_value_event",
            "version",
            "updated_at",
        ]
    )
    record_transition(
        assessment,
        action=TransitionAction.ACCEPT,
        from_status=from_status,
        by=by,
        comment=comment.strip(),
        level=ReviewLevel.SECOND if assessment.period.review_levels == ReviewLevel.SECOND else ReviewLevel.FIRST,
    )
    return assessment
