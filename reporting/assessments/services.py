"""Writes to self-assessments. Pages, the API, commands and tasks all call these.

Each function runs in one transaction, locks the assessment row before deciding anything (so an edit
racing a submission cannot slip in after it), checks who may act, and records every state change in
the trail (`AssessmentTransition`).
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from measures.applicability import applicable_measures
from measures.choices import DONE_STATUSES, ChangeSource, Comparison, Status
from measures.models import Indicator, Progress
from measures.services import indicator_value_set, progress_ensure, progress_problems, progress_update
from reform_portal.uploads import check_upload

from .access import AssessmentPolicy, PeriodPolicy
from .choices import (
    EDITABLE_STATUSES,
    AssessmentStatus,
    SelfRating,
    TransitionAction,
)
from .models import (
    Assessment,
    AssessmentEvidence,
    AssessmentIndicator,
    AssessmentItem,
    AssessmentNotice,
    AssessmentTransition,
    ReportingPeriod,
)

WHAT_DONE_MAX = 4000
COMMENT_MAX = 2000


class AssessmentError(Exception):
    """A refusal with a message a person can act on; `status_code` is what the API answers."""

    status_code = 409

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


class IllegalTransition(AssessmentError):
    """The assessment is not in a state that allows this (editing after submission, accepting a draft…)."""


class StaleEdit(AssessmentError):
    """The row changed since the editor read it."""

    def __init__(self, message: str, current):
        super().__init__(message)
        self.current = current


@dataclass(frozen=True)
class Problem:
    anchor: str  # the element id on the form page to link to
    label: str  # measure or indicator it concerns
    message: str


class IncompleteAssessment(AssessmentError):
    status_code = 400

    def __init__(self, problems: list[Problem]):
        super().__init__(_("自评表尚未填写完整：还有 %(n)s 处需要补充。") % {"n": len(problems)})
        self.problems = problems


def item_anchor(measure) -> str:
    return f"item-{measure.code}"


def indicator_anchor(indicator) -> str:
    return f"indicator-{indicator.code}"


# ---------------------------------------------------------------- periods


def _period_problems(*, opens_on: date, deadline: date) -> dict:
    if opens_on and deadline and deadline < opens_on:
        return {"deadline": [_("截止日期不能早于开始日期。")]}
    return {}


@transaction.atomic
def period_open(*, province, year: int, opens_on: date, deadline: date, by) -> ReportingPeriod:
    """Open the reporting period of `year` in `province` (administrators, SASAC staff of the province)."""
    if not PeriodPolicy.can_manage(by, province):
        raise PermissionDenied(_("只有管理员或本省国资委工作人员可以开放填报期。"))
    errors = _period_problems(opens_on=opens_on, deadline=deadline)
    if province.parent_id is not None:
        errors["province"] = [_("填报期按省设置，请选择省份。")]
    if ReportingPeriod.objects.filter(year=year, province=province).exists():
        errors["year"] = [_("%(province)s已有%(year)s年度填报期。") % {"province": province.name, "year": year}]
    if errors:
        raise ValidationError(errors)
    return ReportingPeriod.objects.create(
        year=year, province=province, opens_on=opens_on, deadline=deadline, is_open=True, opened_by=by
    )


@transaction.atomic
def period_update(
    *, period: ReportingPeriod, by, is_open: bool | None = None, deadline: date | None = None
) -> ReportingPeriod:
    """Close or reopen a period, or move its deadline."""
    period = ReportingPeriod.objects.select_for_update().get(pk=period.pk)
    if not PeriodPolicy.can_manage(by, period.province_id):
        raise PermissionDenied(_("只有管理员或本省国资委工作人员可以开放或关闭填报期。"))
    fields = ["updated_at"]
    if deadline is not None:
        errors = _period_problems(opens_on=period.opens_on, deadline=deadline)
        if errors:
            raise ValidationError(errors)
        period.deadline = deadline
        fields.append("deadline")
    if is_open is not None and is_open != period.is_open:
        period.is_open = is_open
        if is_open:
            period.opened_by, period.closed_by, period.closed_at = by, None, None
        else:
            period.closed_by, period.closed_at = by, timezone.now()
        fields += ["is_open", "opened_by", "closed_by", "closed_at"]
    period.save(update_fields=fields)
    return period


# ---------------------------------------------------------------- starting a form


def _previous_accepted(enterprise, period) -> Assessment | None:
    return (
        Assessment.objects.filter(enterprise=enterprise, status=AssessmentStatus.ACCEPTED, period__year__lt=period.year)
        .order_by("-period__year")
        .first()
    )


@transaction.atomic
def assessment_start(*, period: ReportingPeriod, enterprise: Enterprise, by) -> Assessment:
    """Create the enterprise's form for the period (or return the existing one).

    It has one answer per applicable measure and indicator. When the enterprise has an accepted
    assessment from an earlier year, the answers start from it (the verified values where the officer
    corrected them) together with the evidence still valid at the period's opening, each marked
    "沿用上年" until the enterprise confirms or changes it.
    """
    if not AssessmentPolicy.can_start(by, enterprise):
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
    prev_items = {}
    prev_indicators = {}
    if previous:
        prev_items = {i.measure_id: i for i in previous.items.prefetch_related("evidence")}
        prev_indicators = {a.indicator_id: a for a in previous.indicator_answers.all()}
    items = []
    for measure in measures:
        prev = prev_items.get(measure.pk)
        item = AssessmentItem(assessment=assessment, measure=measure, updated_by=by)
        if prev:
            item.self_rating = prev.self_rating
            item.what_done = prev.what_done
            item.claimed_status = prev.final_status
            item.claimed_percent = prev.final_percent
            item.carried_over = True
        items.append(item)
    AssessmentItem.objects.bulk_create(items)
    evidence = []
    for item in items:
        prev = prev_items.get(item.measure_id)
        for ev in prev.evidence.all() if prev else ():
            if ev.is_valid_on(period.opens_on):
                evidence.append(
                    AssessmentEvidence(
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
                )
    AssessmentEvidence.objects.bulk_create(evidence)
    answers = []
    for indicator in Indicator.objects.filter(measure__in=measures).order_by("measure__position", "position"):
        prev = prev_indicators.get(indicator.pk)
        answers.append(
            AssessmentIndicator(
                assessment=assessment,
                indicator=indicator,
                claimed_value=prev.final_value if prev else None,
                carried_over=prev is not None and prev.final_value is not None,
            )
        )
    AssessmentIndicator.objects.bulk_create(answers)
    AssessmentTransition.objects.create(
        assessment=assessment,
        action=TransitionAction.CREATE,
        to_status=AssessmentStatus.DRAFT,
        by=by,
        comment=_("沿用%(period)s已通过的自评") % {"period": previous.period.label} if previous else "",
    )
    return assessment


# ---------------------------------------------------------------- the enterprise's answers


def _lock(assessment) -> Assessment:
    return Assessment.objects.select_for_update().select_related("period", "enterprise").get(pk=assessment.pk)


def _require_editable(assessment, by) -> Assessment:
    if not AssessmentPolicy.can(by, AssessmentPolicy.EDIT, assessment):
        raise PermissionDenied(_("只有本企业的填报人员可以修改自评表。"))
    locked = _lock(assessment)
    if locked.status not in EDITABLE_STATUSES:
        raise IllegalTransition(
            _("自评表%(status)s，不能再修改。") % {"status": locked.get_status_display()}
            if locked.status == AssessmentStatus.ACCEPTED
            else _("自评表已提交，等待审核，不能再修改。")
        )
    return locked


def _check_version(obj, expected_version, label):
    if expected_version is not None and int(expected_version) != obj.version:
        raise StaleEdit(
            _("“%(label)s”已在别处被修改（可能是另一个窗口），请刷新后再改。") % {"label": label}, current=obj
        )


def _parse_percent(value, field="percent") -> int | None:
    if value in (None, ""):
        return None
    try:
        percent = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: [_("完成百分比应为 0 到 100 之间的整数。")]}) from None
    if not 0 <= percent <= 100:
        raise ValidationError({field: [_("完成百分比应在 0 到 100 之间。")]})
    return percent


def _status_percent_problems(status: str, percent: int | None, field_prefix: str = "") -> dict:
    """Status and percent must agree (未启动 0, 已完成/常态化推进 100), as on a progress record."""
    if status and status not in Status.values:
        return {f"{field_prefix}status": [_("无效的状态。")]}
    if not status or percent is None:
        return {}
    errors = progress_problems(old=None, status=status, percent=percent, note="")
    return {f"{field_prefix}{k}": v for k, v in errors.items()}


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
    _require_editable(item.assessment, by)
    item = AssessmentItem.objects.select_for_update().select_related("measure").get(pk=item.pk)
    _check_version(item, expected_version, item.measure.title)
    errors: dict = {}
    self_rating = (self_rating or "").strip()
    if self_rating and self_rating not in SelfRating.values:
        errors["self_rating"] = [_("请选择 好、较好、一般 或 差。")]
    what_done = (what_done or "").strip()
    if len(what_done) > WHAT_DONE_MAX:
        errors["what_done"] = [_("主要工作不超过 %(n)s 字。") % {"n": WHAT_DONE_MAX}]
    status = (status or "").strip()
    try:
        percent = _parse_percent(percent)
    except ValidationError as exc:
        errors.update(exc.message_dict)
        percent = None
    errors.update(_status_percent_problems(status, percent))
    if errors:
        raise ValidationError(errors)
    item.self_rating, item.what_done, item.claimed_status, item.claimed_percent = (
        self_rating,
        what_done,
        status,
        percent,
    )
    item.carried_over = False
    item.updated_by = by
    item.version += 1
    item.save(
        update_fields=[
            "self_rating",
            "what_done",
            "claimed_status",
            "claimed_percent",
            "carried_over",
            "updated_by",
            "version",
            "updated_at",
        ]
    )
    return item


def parse_indicator_value(indicator, value, field="value") -> Decimal | None:
    """The rules of `measures.services.indicator_value_set`, checked as the user types."""
    if value in (None, ""):
        return None
    try:
        value = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("请输入数字。")]}) from None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ValidationError({field: [_("请输入数字。")]})
    if value < 0:
        raise ValidationError({field: [_("指标值不能为负数。")]})
    if indicator.comparison == Comparison.TRUE and value not in (0, 1):
        raise ValidationError({field: [_("此项指标只能填“是”（1）或“否”（0）。")]})
    if indicator.unit == "%" and value > 100 and indicator.comparison != Comparison.GTE:
        raise ValidationError({field: [_("百分比不能超过 100。")]})
    return value.quantize(Decimal("0.01"))


@transaction.atomic
def indicator_save(
    *, answer: AssessmentIndicator, by, value, expected_version: int | None = None
) -> AssessmentIndicator:
    _require_editable(answer.assessment, by)
    answer = AssessmentIndicator.objects.select_for_update().select_related("indicator").get(pk=answer.pk)
    _check_version(answer, expected_version, answer.indicator.name)
    answer.claimed_value = parse_indicator_value(answer.indicator, value)
    answer.carried_over = False
    answer.version += 1
    answer.save(update_fields=["claimed_value", "carried_over", "version", "updated_at"])
    return answer


@transaction.atomic
def evidence_add(*, item: AssessmentItem, upload, by, valid_until: date | None = None) -> AssessmentEvidence:
    """Attach a checked file (by content and size) to one measure's answer."""
    _require_editable(item.assessment, by)
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


@transaction.atomic
def evidence_remove(*, evidence: AssessmentEvidence, by) -> None:
    """Detach a file from this year's answer (the stored file stays: an earlier year may still show it)."""
    _require_editable(evidence.item.assessment, by)
    evidence.delete()


# ---------------------------------------------------------------- submission


def assessment_problems(*, assessment: Assessment) -> list[Problem]:
    """Everything that keeps the form from being submitted, in form order, each with where to fix it."""
    problems = []
    items = assessment.items.select_related("measure").order_by("measure__document__issued_on", "measure__position")
    for item in items:
        label = f"{item.measure.number} {item.measure.title}"
        anchor = item_anchor(item.measure)

        def add(message, anchor=anchor, label=label):
            problems.append(Problem(anchor=anchor, label=label, message=message))

        if item.carried_over:
            add(_("沿用上年的答案尚未确认：请核对后点“确认沿用”或直接修改。"))
        if not item.self_rating:
            add(_("未选择自评等级。"))
        if not item.claimed_status:
            add(_("未选择推进状态。"))
        if item.claimed_percent is None:
            add(_("未填写完成百分比。"))
        if item.claimed_status in DONE_STATUSES and not item.what_done.strip():
            add(_("状态为“%(status)s”时必须填写主要工作。") % {"status": item.get_claimed_status_display()})
        for messages in _status_percent_problems(item.claimed_status, item.claimed_percent).values():
            for message in messages:
                add(message)
    for answer in assessment.indicator_answers.select_related("indicator", "indicator__measure"):
        label = answer.indicator.name
        anchor = indicator_anchor(answer.indicator)
        if answer.claimed_value is None:
            problems.append(Problem(anchor=anchor, label=label, message=_("未填写指标值。")))
        elif answer.carried_over:
            problems.append(Problem(anchor=anchor, label=label, message=_("沿用上年的指标值尚未确认。")))
    return problems


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
        str(a.pk): {"value": None if a.claimed_value is None else str(a.claimed_value)}
        for a in assessment.indicator_answers.all()
    }
    return {"items": items, "indicators": indicators}


def _transition(assessment, *, action, from_status, by, comment="", details=None):
    return AssessmentTransition.objects.create(
        assessment=assessment,
        action=action,
        from_status=from_status,
        to_status=assessment.status,
        by=by,
        round=assessment.round,
        comment=comment,
        details=details or {},
    )


@transaction.atomic
def assessment_submit(*, assessment: Assessment, by, expected_version: int | None = None) -> Assessment:
    """Submit (or resubmit after a return): only in the period, only when complete."""
    assessment = _require_editable(assessment, by)
    _check_version(assessment, expected_version, _("自评表"))
    refusal = assessment.period.submission_refusal()
    if refusal:
        raise IllegalTransition(refusal)
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
    _transition(
        assessment, action=TransitionAction.SUBMIT, from_status=from_status, by=by, details=_snapshot(assessment)
    )
    return assessment


# ---------------------------------------------------------------- review


def _require_reviewable(assessment, by) -> Assessment:
    if not AssessmentPolicy.can(by, AssessmentPolicy.REVIEW, assessment):
        raise PermissionDenied(_("只有负责该企业的工会干部可以审核自评表。"))
    locked = _lock(assessment)
    if locked.status != AssessmentStatus.SUBMITTED:
        raise IllegalTransition(
            _("自评表当前状态为“%(status)s”，只有已提交的自评表可以审核。") % {"status": locked.get_status_display()}
        )
    return locked


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
    _require_reviewable(item.assessment, by)
    item = AssessmentItem.objects.select_for_update().select_related("measure").get(pk=item.pk)
    _check_version(item, expected_version, item.measure.title)
    errors: dict = {}
    verified_status = (verified_status or "").strip()
    try:
        verified_percent = _parse_percent(verified_percent, "verified_percent")
    except ValidationError as exc:
        errors.update(exc.message_dict)
        verified_percent = None
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        errors["officer_comment"] = [_("审核意见不超过 %(n)s 字。") % {"n": COMMENT_MAX}]
    status = verified_status or item.claimed_status
    percent = verified_percent if verified_percent is not None else item.claimed_percent
    errors.update(_status_percent_problems(status, percent, "verified_"))
    if errors:
        raise ValidationError(errors)
    item.verified_status, item.verified_percent, item.officer_comment = verified_status, verified_percent, comment
    item.version += 1
    item.updated_by = by
    item.save(
        update_fields=["verified_status", "verified_percent", "officer_comment", "version", "updated_by", "updated_at"]
    )
    return item


@transaction.atomic
def review_indicator_save(
    *, answer: AssessmentIndicator, by, verified_value, expected_version: int | None = None
) -> AssessmentIndicator:
    _require_reviewable(answer.assessment, by)
    answer = AssessmentIndicator.objects.select_for_update().select_related("indicator").get(pk=answer.pk)
    _check_version(answer, expected_version, answer.indicator.name)
    answer.verified_value = parse_indicator_value(answer.indicator, verified_value, "verified_value")
    answer.version += 1
    answer.save(update_fields=["verified_value", "version", "updated_at"])
    return answer


@transaction.atomic
def assessment_return(*, assessment: Assessment, by, comment: str = "", expected_version=None) -> Assessment:
    """Send the form back to the enterprise with the reasons: the per-measure comments and an overall one."""
    assessment = _require_reviewable(assessment, by)
    _check_version(assessment, expected_version, _("自评表"))
    comment = (comment or "").strip()
    reasons = {
        item.measure.code: item.officer_comment
        for item in assessment.items.select_related("measure").exclude(officer_comment="")
    }
    if not reasons and not comment:
        raise ValidationError({"comment": [_("退回时请写明理由：在需要修改的措施下填写审核意见，或填写总体意见。")]})
    from_status = assessment.status
    assessment.status = AssessmentStatus.RETURNED
    assessment.returned_at = timezone.now()
    assessment.version += 1
    assessment.save(update_fields=["status", "returned_at", "version", "updated_at"])
    _transition(
        assessment,
        action=TransitionAction.RETURN,
        from_status=from_status,
        by=by,
        comment=comment,
        details={"reasons": reasons},
    )
    return assessment


@transaction.atomic
def assessment_accept(*, assessment: Assessment, by, comment: str = "", expected_version=None) -> Assessment:
    """Accept: the verified statuses, percents and indicator values go into the enterprise's progress
    records, each change in their history marked as coming from the assessment."""
    assessment = _require_reviewable(assessment, by)
    _check_version(assessment, expected_version, _("自评表"))
    enterprise, period = assessment.enterprise, assessment.period
    progress_ensure(enterprise=enterprise, by=by)
    progress = {p.measure_id: p for p in Progress.objects.filter(enterprise=enterprise)}
    history_comment = _("%(period)s自评第 %(round)s 轮通过") % {"period": period.label, "round": assessment.round}
    for item in assessment.items.select_related("measure").order_by("measure__position"):
        record = progress.get(item.measure_id)
        if record is None:  # the measure no longer applies (catalogue changed since the form began)
            continue
        note = item.what_done or record.note or _("据%(period)s自评核实") % {"period": period.label}
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
            raise ValidationError(
                {"items": [f"{item.measure.number} {item.measure.title}: {m}" for m in exc.messages]}
            ) from None
    for answer in assessment.indicator_answers.select_related("indicator"):
        if answer.final_value is not None:
            indicator_value_set(
                enterprise=enterprise, indicator=answer.indicator, year=period.year, value=answer.final_value, by=by
            )
    now = timezone.now()
    from_status = assessment.status
    assessment.status = AssessmentStatus.ACCEPTED
    assessment.accepted_at = now
    assessment.accepted_by = by
    first = timezone.localtime(assessment.first_submitted_at or now).date()
    assessment.days_taken = (timezone.localtime(now).date() - first).days
    assessment.version += 1
    assessment.save(update_fields=["status", "accepted_at", "accepted_by", "days_taken", "version", "updated_at"])
    _transition(assessment, action=TransitionAction.ACCEPT, from_status=from_status, by=by, comment=comment.strip())
    return assessment


# ---------------------------------------------------------------- reminders


@transaction.atomic
def reminders_send(*, period: ReportingPeriod, enterprises, by, message: str = "") -> list[AssessmentNotice]:
    """An in-portal notice for each enterprise, and an email to its users once the notices are saved."""
    from reform_portal.access import EnterprisePolicy

    from .tasks import send_notice_email

    notices = []
    default = _("请于 %(deadline)s 前完成并提交%(period)s产业工人队伍建设改革自评表。") % {
        "deadline": period.deadline,
        "period": period.label,
    }
    for enterprise in enterprises:
        if not EnterprisePolicy.can(by, EnterprisePolicy.UPDATE_PROGRESS, enterprise):
            raise PermissionDenied(_("只能提醒自己负责的企业。"))
        if enterprise.region.parent_id != period.province_id:
            raise ValidationError({"enterprises": [_("%(name)s不属于该填报期的省份。") % {"name": enterprise.name}]})
        notice = AssessmentNotice.objects.create(
            period=period, enterprise=enterprise, message=(message or "").strip() or default, sent_by=by
        )
        notices.append(notice)
        send_notice_email.delay_on_commit(notice.pk)
    return notices


def notice_email(*, notice_id: int) -> int:
    """Email one notice to the enterprise's users who have an address; idempotent (sent once)."""
    from django.conf import settings
    from django.contrib.auth import get_user_model
    from django.core.mail import send_mail

    with transaction.atomic():
        notice = AssessmentNotice.objects.select_for_update().select_related("period", "enterprise").get(pk=notice_id)
        if notice.emailed_at:
            return 0
        recipients = list(
            get_user_model()
            .objects.filter(profile__enterprise=notice.enterprise, is_active=True)
            .exclude(email="")
            .values_list("email", flat=True)
        )
        if recipients:
            send_mail(
                subject=_("【产改通】%(period)s自评填报提醒") % {"period": notice.period.label},
                message=f"{notice.enterprise.name}：\n\n{notice.message}\n",
                from_email=settings.DEFAULT_FROM_EMAIL,
                recipient_list=recipients,
            )
        notice.emailed_to = recipients
        notice.emailed_at = timezone.now()
        notice.save(update_fields=["emailed_to", "emailed_at", "updated_at"])
        return len(recipients)
