"""Starting an enterprise's form for a period, carried over from its last accepted one."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from measures.applicability import applicable_indicators, applicable_measures
from measures.derived import derived_value, derived_values_sync
from measures.indicator_values import BLANK
from reform_portal.access import AssessmentPolicy
from reform_portal.choices import ChangeSource
from reform_portal.history import records_as

from ..choices import AssessmentStatus, TransitionAction
from ..models import (
    Assessment,
    AssessmentEvidence,
    AssessmentIndicator,
    AssessmentItem,
    AssessmentTransition,
    ReportingPeriod,
)
from .errors import IllegalTransition


def _previous_accepted(enterprise, period) -> Assessment | None:
    return (
        Assessment.objects.filter(enterprise=enterprise, status=AssessmentStatus.ACCEPTED, period__year__lt=period.year)
        .order_by("-period__year")
        .first()
    )


@records_as(ChangeSource.ASSESSMENT)
@transaction.atomic
def assessment_start(*, period: ReportingPeriod, enterprise: Enterprise, by) -> Assessment:
    """Create the enterprise's form for the period (or return the existing one).

    It has one answer per applicable measure and indicator. When the enterprise has an accepted
    assessment from an earlier year, the answers start from it (the verified values where the officer
    corrected them) together with the evidence still valid at the period's opening, each marked
    "沿用上年" until the enterprise confirms or changes it.
    """
    if not AssessmentPolicy.can(by, AssessmentPolicy.START, enterprise):
        raise PermissionDenied(_("只有本企业的填报人员可以填写自评表。"))
    if enterprise.region.parent_id != period.province_id:
        raise ValidationError({"period": [_("该填报期不属于本企业所在省份。")]})
    existing = Assessment.objects.filter(period=period, enterprise=enterprise).first()
    if existing:
        return existing
    if not period.is_open:
        raise IllegalTransition(period.submission_refusal())
    previous = _previous_accepted(enterprise, period)
    try:
        with transaction.atomic():
            assessment = Assessment.objects.create(
                period=period, enterprise=enterprise, created_by=by, carried_from=previous
            )
    except IntegrityError:  # a second tab started it at the same moment
        return Assessment.objects.get(period=period, enterprise=enterprise)

    measures = list(applicable_measures(enterprise).order_by("document__issued_on", "position"))
    prev_items = {i.measure_id: i for i in previous.items.prefetch_related("evidence")} if previous else {}
    prev_indicators = {a.indicator_id: a for a in previous.indicator_answers.all()} if previous else {}
    items = [_item(assessment, measure, prev_items.get(measure.pk), by) for measure in measures]
    AssessmentItem.objects.bulk_create(items)
    AssessmentEvidence.objects.bulk_create(
        _carried_evidence(item, ev)
        for item in items
        if item.measure_id in prev_items
        for ev in prev_items[item.measure_id].evidence.all()
        if ev.is_valid_on(period.opens_on)
    )
    # The register's facts first: the derived indicators' values are this year's (measures.derived).
    derived_values_sync(enterprise, year=period.year, by=by)
    indicators = (
        applicable_indicators(enterprise).filter(measure__in=measures).order_by("measure__position", "position")
    )
    AssessmentIndicator.objects.bulk_create(
        _indicator_answer(assessment, indicator, prev_indicators.get(indicator.pk), enterprise)
        for indicator in indicators
    )
    AssessmentTransition.objects.create(
        assessment=assessment,
        action=TransitionAction.CREATE,
        to_status=AssessmentStatus.DRAFT,
        by=by,
        comment=_("沿用%(period)s已通过的自评") % {"period": previous.period.label} if previous else "",
    )
    return assessment


def _item(assessment, measure, prev: AssessmentItem | None, by) -> AssessmentItem:
    """One measure's answer, starting from last year's final values when there are any."""
    item = AssessmentItem(assessment=assessment, measure=measure, updated_by=by)
    if prev:
        item.self_rating = prev.self_rating
        item.what_done = prev.what_done
        item.claimed_status = prev.final_status
        item.claimed_percent = prev.final_percent
        item.carried_over = True
    return item


def _carried_evidence(item, ev: AssessmentEvidence) -> AssessmentEvidence:
    """Last year's file attached to this year's answer: the same stored file, not a copy."""
    return AssessmentEvidence(
        item=item,
        file=ev.file.name,
        name=ev.name,
        size=ev.size,
        sha256=ev.sha256,
        content_type=ev.content_type,
        valid_until=ev.valid_until,
        uploaded_by=ev.uploaded_by,
        carried_from=ev,
    )


def _indicator_answer(assessment, indicator, prev: AssessmentIndicator | None, enterprise) -> AssessmentIndicator:
    """One indicator's answer: a derived one holds the register's value (refreshed on submission), any other starts
    from last year's final answer, to be confirmed."""
    if indicator.derived_from:
        return AssessmentIndicator(
            assessment=assessment, indicator=indicator, claimed_value=derived_value(indicator, enterprise)
        )
    final = prev.final if prev else BLANK
    return AssessmentIndicator(
        assessment=assessment,
        indicator=indicator,
        claimed_value=final.value,
        claimed_text=final.text,
        carried_over=not final.is_blank,
    )


def derived_answers_refresh(assessment) -> None:
    """The derived indicators' answers of `assessment` set to what the register gives now (measures.derived)."""
    enterprise = assessment.enterprise
    for answer in assessment.indicator_answers.select_related("indicator").exclude(indicator__derived_from=""):
        value = derived_value(answer.indicator, enterprise)
        if (answer.claimed_value, answer.claimed_text, answer.verified_value, answer.verified_text) != (
            value,
            "",
            None,
            "",
        ):
            answer.claimed_value, answer.claimed_text = value, ""
            answer.verified_value, answer.verified_text = None, ""
            answer.carried_over = False
            answer.version += 1
            answer.save(
                update_fields=[
                    "claimed_value",
                    "claimed_text",
                    "verified_value",
                    "verified_text",
                    "carried_over",
                    "version",
                    "updated_at",
                ]
            )
