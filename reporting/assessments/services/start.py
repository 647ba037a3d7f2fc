"""Starting an enterprise's form for a period, pre-filled with what the portal already knows ("fill once").

Each answer starts from the newest source that has one, and records which (`prefilled`, choices.PrefillSource):

- a measure's status and percent: the enterprise's current progress record (取自当前进度); only without one, last
  year's accepted answer (沿用上年). The progress record is never older than last year's answer: accepting that
  assessment wrote its verified status and percent into it, so any difference is a later change;
- a measure's self-rating and main work: last year's accepted answer (沿用上年); nothing else holds them;
- an indicator typed in: the enterprise's value for the period's year (取自当前指标值), else last year's accepted
  answer (沿用上年), else its latest earlier value (取自当前指标值, with that year);
- an indicator derived from the register (headcounts, union, party members; measures.derived): the register's value
  (取自企业登记信息), read-only, nothing to confirm;
- evidence: last year's files still valid on the period's opening day.

A pre-filled answer waits for the enterprise's confirmation (`carried_over`): the submission refuses it until the
enterprise confirms or changes it (services.submission).
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from measures.applicability import applicable_indicators, applicable_measures
from measures.derived import derived_value, derived_values_sync
from measures.indicator_values import BLANK, IndicatorAnswer
from measures.models import IndicatorValue, Progress
from reform_portal.access import AssessmentPolicy
from reform_portal.choices import ChangeSource
from reform_portal.history import records_as

from ..choices import AssessmentStatus, PrefillSource, TransitionAction
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

    It has one answer per applicable measure and indicator, pre-filled as the module says (the current progress and
    indicator values, the last accepted assessment's answers, where the officer corrected them its verified values,
    and the evidence still valid at the period's opening), each marked with its source until the enterprise
    confirms or changes it.
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
    progress = {p.measure_id: p for p in Progress.objects.filter(enterprise=enterprise, measure__in=measures)}
    items = [
        _item(assessment, measure, prev_items.get(measure.pk), progress.get(measure.pk), by) for measure in measures
    ]
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
    records = _latest_values(enterprise, period.year)
    AssessmentIndicator.objects.bulk_create(
        _indicator_answer(
            assessment, indicator, prev_indicators.get(indicator.pk), records.get(indicator.pk), enterprise, period
        )
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


def _item(assessment, measure, prev: AssessmentItem | None, progress: Progress | None, by) -> AssessmentItem:
    """One measure's answer: status and percent from the current progress (else last year's final values), rating
    and main work from last year's answer; `prefilled` says which field came from where."""
    item = AssessmentItem(assessment=assessment, measure=measure, updated_by=by)
    sources = {}
    if progress is not None:
        item.claimed_status, item.claimed_percent = progress.status, progress.percent
        sources.update(status=PrefillSource.PROGRESS, percent=PrefillSource.PROGRESS)
    elif prev and prev.final_status:
        item.claimed_status, item.claimed_percent = prev.final_status, prev.final_percent
        sources.update(status=PrefillSource.LAST_YEAR, percent=PrefillSource.LAST_YEAR)
    if prev and prev.self_rating:
        item.self_rating = prev.self_rating
        sources["self_rating"] = PrefillSource.LAST_YEAR
    if prev and prev.what_done.strip():
        item.what_done = prev.what_done
        sources["what_done"] = PrefillSource.LAST_YEAR
    item.prefilled = {field: str(source) for field, source in sources.items()}
    item.carried_over = bool(sources)
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


def _latest_values(enterprise, year: int) -> dict[int, IndicatorValue]:
    """The enterprise's latest recorded value of each indicator up to `year` (one query)."""
    values = (
        IndicatorValue.objects.filter(enterprise=enterprise, year__lte=year, indicator__derived_from="")
        .order_by("indicator_id", "-year")
        .distinct("indicator_id")
    )
    return {v.indicator_id: v for v in values}


def _indicator_answer(
    assessment, indicator, prev: AssessmentIndicator | None, record: IndicatorValue | None, enterprise, period
) -> AssessmentIndicator:
    """One indicator's answer: a derived one holds the register's value (refreshed on submission); any other the
    newest of this year's recorded value, last year's final answer and an earlier recorded value, to be
    confirmed."""
    answer = AssessmentIndicator(assessment=assessment, indicator=indicator)
    if indicator.derived_from:
        answer.claimed_value = derived_value(indicator, enterprise)
        answer.prefilled = {"value": str(PrefillSource.REGISTER)}
        return answer
    recorded = IndicatorAnswer(record.value, record.text) if record is not None else BLANK
    last_year = prev.final if prev else BLANK
    if not recorded.is_blank and record.year == period.year:
        final, prefilled = recorded, {"value": str(PrefillSource.INDICATOR_VALUE)}
    elif not last_year.is_blank:
        final, prefilled = last_year, {"value": str(PrefillSource.LAST_YEAR)}
    elif not recorded.is_blank:
        final, prefilled = recorded, {"value": str(PrefillSource.INDICATOR_VALUE), "year": record.year}
    else:
        return answer
    answer.claimed_value, answer.claimed_text = final
    answer.prefilled, answer.carried_over = prefilled, True
    return answer


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
