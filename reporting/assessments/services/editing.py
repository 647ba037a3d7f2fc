"""The enterprise's answers while the form is a draft or returned: one measure, one indicator, evidence files."""

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from measures.indicator_values import IndicatorAnswer
from reform_portal.choices import ChangeSource
from reform_portal.history import records_as
from reform_portal.locks import lock_one
from reform_portal.uploads import check_upload
from reform_portal.versioning import check_version

from ..choices import SelfRating
from ..models import AssessmentEvidence, AssessmentIndicator, AssessmentItem
from .state import require_editable
from .values import parse_indicator_value, parse_percent, status_percent_problems

WHAT_DONE_MAX = 4000


@records_as(ChangeSource.ASSESSMENT)
@transaction.atomic
def item_save(
    *,
    item: AssessmentItem,
    by,
    self_rating: str,
    what_done: str,
    status: str,
    percent,
    expected_version: int | None = None,
) -> AssessmentItem:
    """Save the enterprise's answer for one measure (a draft may be partial; what is given must be valid)."""
    require_editable(item.assessment, by)
    item = lock_one(AssessmentItem.objects.select_related("measure"), item.pk)
    check_version(item, expected_version, label=item.measure.title)
    item_answer_set(
        item, item_answer_clean(self_rating=self_rating, what_done=what_done, status=status, percent=percent), by=by
    )
    item.save(update_fields=ITEM_ANSWER_FIELDS)
    return item


# What saving the enterprise's answer for a measure writes (item_save, and the workbook's bulk write).
ITEM_ANSWER_FIELDS = [
    "self_rating",
    "what_done",
    "claimed_status",
    "claimed_percent",
    "carried_over",
    "prefilled",
    "updated_by",
    "version",
    "updated_at",
]
INDICATOR_ANSWER_FIELDS = ["claimed_value", "claimed_text", "carried_over", "prefilled", "version", "updated_at"]


def item_answer_clean(*, self_rating: str, what_done: str, status: str, percent) -> dict:
    """The enterprise's answer for one measure as stored (a draft may be partial; what is given must be valid), or
    ValidationError with each problem at its field: the one check of the page's autosave and the workbook."""
    errors: dict = {}
    self_rating = (self_rating or "").strip()
    if self_rating and self_rating not in SelfRating.values:
        errors["self_rating"] = [_("请选择 好、较好、一般 或 差。")]
    what_done = (what_done or "").strip()
    if len(what_done) > WHAT_DONE_MAX:
        errors["what_done"] = [_("主要工作不超过 %(n)s 字。") % {"n": WHAT_DONE_MAX}]
    status = (status or "").strip()
    try:
        percent = parse_percent(percent)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        percent = None
    errors.update(status_percent_problems(status, percent))
    if errors:
        raise ValidationError(errors)
    return {"self_rating": self_rating, "what_done": what_done, "claimed_status": status, "claimed_percent": percent}


def item_answer_set(item: AssessmentItem, values: dict, *, by) -> None:
    """Put a cleaned answer (`item_answer_clean`) on `item`, not saved: the fields of ITEM_ANSWER_FIELDS."""
    for name, value in values.items():
        setattr(item, name, value)
    item.carried_over, item.prefilled = False, {}  # confirmed or changed: the enterprise's own answer now
    item.updated_by = by
    item.version += 1
    item.updated_at = timezone.now()


def indicator_answer_set(answer: AssessmentIndicator, value: IndicatorAnswer) -> None:
    """Put a parsed value (`values.parse_indicator_value`) on `answer`, not saved: INDICATOR_ANSWER_FIELDS."""
    answer.claimed_value, answer.claimed_text = value
    answer.carried_over, answer.prefilled = False, {}
    answer.version += 1
    answer.updated_at = timezone.now()


@records_as(ChangeSource.ASSESSMENT)
@transaction.atomic
def indicator_save(
    *, answer: AssessmentIndicator, by, value, expected_version: int | None = None
) -> AssessmentIndicator:
    """Save the enterprise's answer for one indicator: a value its kind takes (blank: none yet), refused for an
    indicator derived from the register or no longer applying to the enterprise."""
    require_editable(answer.assessment, by)
    answer = lock_one(AssessmentIndicator.objects.select_related("indicator", "assessment__enterprise"), answer.pk)
    check_version(answer, expected_version, label=answer.indicator.name)
    indicator_answer_set(
        answer, parse_indicator_value(answer.indicator, value, enterprise=answer.assessment.enterprise)
    )
    answer.save(update_fields=INDICATOR_ANSWER_FIELDS)
    return answer


@records_as(ChangeSource.ASSESSMENT)
@transaction.atomic
def evidence_add(*, item: AssessmentItem, upload, by, valid_until: date | None = None) -> AssessmentEvidence:
    """Attach a checked file (by content and size) to one measure's answer."""
    require_editable(item.assessment, by)
    try:
        checked = check_upload(upload)
    except ValidationError as exc:
        raise ValidationError({"file": exc.messages}) from None
    return AssessmentEvidence.objects.create(
        item=item,
        file=upload,
        name=checked.name[:200],
        size=checked.size,
        sha256=checked.sha256,
        content_type=checked.content_type,
        valid_until=valid_until,
        uploaded_by=by,
    )


@records_as(ChangeSource.ASSESSMENT)  # who removed it, in AssessmentEvidenceEvent, whatever the path
@transaction.atomic
def evidence_remove(*, evidence: AssessmentEvidence, by) -> None:
    """Detach a file from this year's answer (the stored file stays: an earlier year may still show it)."""
    require_editable(evidence.item.assessment, by)
    evidence.delete()
