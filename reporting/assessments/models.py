"""Annual self-assessments: a reporting period per year and province, one assessment per enterprise
and period, its answers per measure and indicator (claimed by the enterprise and verified by the
officer, side by side), its evidence, its trail of transitions and the reminders sent about it.

The dashboard computes submission rates with SQL over `assessments_reportingperiod` and
`assessments_assessment` (status draft / submitted / returned / accepted; no row = 未填报): keep
these names and values.
"""

from datetime import date

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Region
from measures.choices import IndicatorKind, Status
from measures.indicator_values import IndicatorAnswer
from measures.models import Indicator, Measure
from reform_portal.history import audited
from reform_portal.models import TimeStampedModel

from .choices import (
    EDITABLE_STATUSES,
    REVIEW_LEVELS_MAX,
    REVIEW_LEVELS_MIN,
    AssessmentStatus,
    ReminderKind,
    ReviewLevel,
    SelfRating,
    TransitionAction,
    ValueReviewDecision,
    ValueReviewKind,
)
from .deadlines import DeadlineState, deadline_state, default_offsets, due_date, offsets_problem
from .period_limits import DATE_SLACK_YEARS, YEAR_MAX, YEAR_MIN, period_problems


@audited(
    "year",
    "opens_on",
    "deadline",
    "is_open",
    "reminder_offsets",
    "review_levels",
    model_name="ReportingPeriodEvent",
    verbose_name=_("填报期变更"),
)
class ReportingPeriod(TimeStampedModel):
    """A year's reporting period of a province. The database records its creation and every change of its dates
    and of its opening or closing in `ReportingPeriodEvent` (`period.events`)."""

    year = models.PositiveSmallIntegerField(_("年度"))
    province = models.ForeignKey(
        Region,
        verbose_name=_("省份"),
        on_delete=models.PROTECT,
        related_name="reporting_periods",
        limit_choices_to={"level": "province"},
    )
    opens_on = models.DateField(_("开始日期"))
    deadline = models.DateField(_("截止日期"))
    is_open = models.BooleanField(_("开放中"), default=True)
    opened_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("开放人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("关闭人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    closed_at = models.DateTimeField(_("关闭时间"), null=True, blank=True)
    # deadlines.py: when the automatic reminders go out (positive: calendar days before the deadline as it falls
    # due; negative: working days overdue); empty: none
    reminder_offsets = ArrayField(
        models.SmallIntegerField(),
        verbose_name=_("提醒时点"),
        default=default_offsets,
        blank=True,
        help_text=_("截止前的天数（正数）或逾期的工作日数（负数），如 30, 7, 1, -1；留空则不自动提醒"),
    )
    # 1: the officer in charge accepts (as always); 2: the officer in charge (county or prefecture union) verifies
    # and forwards, the province union accepts or returns to that officer (access.AssessmentPolicy decides who).
    review_levels = models.PositiveSmallIntegerField(
        _("审核层级"),
        default=REVIEW_LEVELS_MIN,
        validators=[MinValueValidator(REVIEW_LEVELS_MIN), MaxValueValidator(REVIEW_LEVELS_MAX)],
        help_text=_("1：负责的工会干部审核通过；2：县级或州（市）级工会初审后上报省级工会复审通过"),
    )

    class Meta:
        ordering = ["-year", "province__code"]
        verbose_name = _("填报期")
        verbose_name_plural = _("填报期")
        constraints = [
            models.UniqueConstraint(fields=["year", "province"], name="reporting_period_unique_year_province"),
            models.CheckConstraint(
                condition=models.Q(deadline__gte=models.F("opens_on")), name="period_deadline_after_opening"
            ),
            # period_limits: the year in range, the dates within the year or the one before or after
            models.CheckConstraint(
                condition=models.Q(year__gte=YEAR_MIN, year__lte=YEAR_MAX), name="period_year_in_range"
            ),
            models.CheckConstraint(
                condition=models.Q(review_levels__gte=REVIEW_LEVELS_MIN, review_levels__lte=REVIEW_LEVELS_MAX),
                name="period_review_levels_in_range",
            ),
            models.CheckConstraint(
                condition=models.Q(
                    opens_on__year__gte=models.F("year") - DATE_SLACK_YEARS,
                    opens_on__year__lte=models.F("year") + DATE_SLACK_YEARS,
                    deadline__year__gte=models.F("year") - DATE_SLACK_YEARS,
                    deadline__year__lte=models.F("year") + DATE_SLACK_YEARS,
                ),
                name="period_dates_near_year",
            ),
        ]

    def __str__(self):
        return f"{self.province.name} {self.label}"

    def clean(self):
        errors = period_problems(year=self.year, opens_on=self.opens_on, deadline=self.deadline)
        problem = offsets_problem(self.reminder_offsets)
        if problem:
            errors["reminder_offsets"] = [problem]
        if errors:
            raise ValidationError(errors)

    @property
    def due_date(self) -> date:
        """The deadline, moved to the next working day when it falls on a day off (deadlines.py)."""
        return due_date(self.deadline)

    def deadline_state(self, today: date | None = None) -> DeadlineState:
        return deadline_state(self.deadline, today or timezone.localdate())

    @property
    def label(self) -> str:
        return _("%(year)s年度") % {"year": self.year}

    def submission_refusal(self, today: date | None = None) -> str | None:
        """Why an enterprise cannot submit today (and when it can), or None when it can."""
        today = today or timezone.localdate()
        if not self.is_open:
            return _("%(period)s填报已关闭，不能提交。如需补报，请联系工会干部。") % {"period": self.label}
        if today < self.opens_on:
            return _("%(period)s填报尚未开始，将于 %(date)s 开放。") % {"period": self.label, "date": self.opens_on}
        if today > self.due_date:
            return _("%(period)s填报已于 %(date)s 截止，不能再提交。如需延期，请联系工会干部。") % {
                "period": self.label,
                "date": self.due_date,
            }
        return None

    def accepts_submissions(self, today: date | None = None) -> bool:
        return self.submission_refusal(today) is None

    @property
    def two_levels(self) -> bool:
        return self.review_levels == ReviewLevel.SECOND


class Assessment(TimeStampedModel):
    period = models.ForeignKey(
        ReportingPeriod, verbose_name=_("填报期"), on_delete=models.PROTECT, related_name="assessments"
    )
    enterprise = models.ForeignKey(
        Enterprise, verbose_name=_("企业"), on_delete=models.CASCADE, related_name="assessments"
    )
    status = models.CharField(
        _("状态"), max_length=20, choices=AssessmentStatus.choices, default=AssessmentStatus.DRAFT, db_index=True
    )
    round = models.PositiveSmallIntegerField(_("提交轮次"), default=0, help_text=_("提交（含再次提交）的次数"))
    version = models.PositiveIntegerField(_("版本"), default=1)
    carried_from = models.ForeignKey(
        "self",
        verbose_name=_("沿用自"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("创建人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    first_submitted_at = models.DateTimeField(_("首次提交时间"), null=True, blank=True)
    submitted_at = models.DateTimeField(_("提交时间"), null=True, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("通过时间"), null=True, blank=True)
    accepted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("审核人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    days_taken = models.PositiveIntegerField(_("用时（天）"), null=True, blank=True, help_text=_("首次提交到通过"))
    # The last history events of the enterprise's progress and indicator values when the form was accepted (read
    # after the acceptance locked its rows): a later event not written by an acceptance is a change since then
    # (changes_since.py). Null: accepted before this was kept.
    accepted_progress_event = models.BigIntegerField(_("通过时的推进记录位置"), null=True, blank=True)
    accepted_value_event = models.BigIntegerField(_("通过时的指标值记录位置"), null=True, blank=True)

    class Meta:
        ordering = ["-period__year", "enterprise__name"]
        verbose_name = _("年度自评")
        verbose_name_plural = _("年度自评")
        constraints = [
            models.UniqueConstraint(fields=["period", "enterprise"], name="assessment_unique_period_enterprise")
        ]
        indexes = [
            models.Index(fields=["period", "status"]),
            # changes since acceptance (changes_since.py): an enterprise's latest acceptance
            models.Index(fields=["enterprise", "accepted_at"], name="assessment_enterprise_accepted"),
            # the queue's floors: the lowest mark of the accepted forms in a scope, read along these in order
            models.Index(
                fields=["accepted_progress_event"],
                name="assessment_accepted_progress",
                condition=models.Q(status="accepted", accepted_progress_event__isnull=False),
            ),
            models.Index(
                fields=["accepted_value_event"],
                name="assessment_accepted_value",
                condition=models.Q(status="accepted", accepted_value_event__isnull=False),
            ),
        ]

    def __str__(self):
        return f"{self.enterprise} · {self.period.label} · {self.get_status_display()}"

    @property
    def is_editable(self) -> bool:
        return self.status in EDITABLE_STATUSES


@audited(
    "self_rating",
    "what_done",
    "claimed_status",
    "claimed_percent",
    "verified_status",
    "verified_percent",
    "officer_comment",
    "carried_over",
    model_name="AssessmentItemEvent",
    verbose_name=_("自评措施变更"),
)
class AssessmentItem(TimeStampedModel):
    """The answer for one measure: what the enterprise claims, and what the officer verified.

    The database records every creation and change of the answer in `AssessmentItemEvent` (`item.events`),
    with who and from where (see reform_portal/history.py)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="items")
    measure = models.ForeignKey(Measure, verbose_name=_("措施"), on_delete=models.PROTECT, related_name="+")
    self_rating = models.CharField(_("自评等级"), max_length=20, choices=SelfRating.choices, blank=True)
    what_done = models.TextField(_("主要工作"), blank=True)
    claimed_status = models.CharField(_("填报状态"), max_length=20, choices=Status.choices, blank=True)
    claimed_percent = models.PositiveSmallIntegerField(
        _("填报完成百分比"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    verified_status = models.CharField(_("核实状态"), max_length=20, choices=Status.choices, blank=True)
    verified_percent = models.PositiveSmallIntegerField(
        _("核实完成百分比"), null=True, blank=True, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    officer_comment = models.TextField(_("审核意见"), blank=True)
    carried_over = models.BooleanField(_("沿用上年待确认"), default=False)
    # Pre-filled fields and where each came from ({"status": "progress", …}, choices.PrefillSource), while
    # carried_over waits for the enterprise's confirmation; emptied when it confirms or changes the answer.
    prefilled = models.JSONField(_("预填来源"), default=dict, blank=True)
    version = models.PositiveIntegerField(_("版本"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["assessment", "measure__document__issued_on", "measure__position"]
        verbose_name = _("自评措施")
        verbose_name_plural = _("自评措施")
        constraints = [
            models.UniqueConstraint(fields=["assessment", "measure"], name="assessment_item_unique_measure"),
            models.CheckConstraint(
                condition=models.Q(claimed_percent__lte=100) & models.Q(verified_percent__lte=100),
                name="assessment_item_percent_at_most_100",
            ),
        ]

    def __str__(self):
        return f"{self.assessment_id} · {self.measure.code}"

    @property
    def final_status(self) -> str:
        return self.verified_status or self.claimed_status

    @property
    def final_percent(self):
        return self.verified_percent if self.verified_percent is not None else self.claimed_percent

    @property
    def is_corrected(self) -> bool:
        return bool(self.verified_status and self.verified_status != self.claimed_status) or (
            self.verified_percent is not None and self.verified_percent != self.claimed_percent
        )

    @property
    def percent_gap(self) -> int:
        """Verified minus claimed percent (negative: the enterprise claimed more than was verified)."""
        if self.verified_percent is None or self.claimed_percent is None:
            return 0
        return self.verified_percent - self.claimed_percent


@audited(
    "claimed_value",
    "claimed_text",
    "verified_value",
    "verified_text",
    "carried_over",
    model_name="AssessmentIndicatorEvent",
    verbose_name=_("自评指标变更"),
)
class AssessmentIndicator(TimeStampedModel):
    """The year's value of one indicator: claimed by the enterprise, verified by the officer.

    As on the enterprise's record (measures.IndicatorValue), a number (a 是/否 as 1 or 0) is in `*_value`, a date
    (ISO) or a text indicator's value in `*_text`; `claimed`, `verified` and `final` give either as an
    IndicatorAnswer (measures.indicator_values).

    The database records every creation and change in `AssessmentIndicatorEvent` (`answer.events`)."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="indicator_answers")
    indicator = models.ForeignKey(Indicator, verbose_name=_("指标"), on_delete=models.PROTECT, related_name="+")
    claimed_value = models.DecimalField(_("填报值"), max_digits=14, decimal_places=2, null=True, blank=True)
    claimed_text = models.CharField(_("填报文字"), max_length=300, blank=True)
    verified_value = models.DecimalField(_("核实值"), max_digits=14, decimal_places=2, null=True, blank=True)
    verified_text = models.CharField(_("核实文字"), max_length=300, blank=True)
    carried_over = models.BooleanField(_("沿用上年待确认"), default=False)
    prefilled = models.JSONField(_("预填来源"), default=dict, blank=True)  # {"value": source}, as on the item
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        ordering = [
            "assessment",
            "indicator__measure__document__issued_on",
            "indicator__measure__position",
            "indicator__position",
        ]
        verbose_name = _("自评指标")
        verbose_name_plural = _("自评指标")
        constraints = [models.UniqueConstraint(fields=["assessment", "indicator"], name="assessment_indicator_unique")]

    def __str__(self):
        return f"{self.assessment_id} · {self.indicator.code}"

    @property
    def claimed(self) -> IndicatorAnswer:
        return IndicatorAnswer(self.claimed_value, self.claimed_text)

    @property
    def verified(self) -> IndicatorAnswer:
        return IndicatorAnswer(self.verified_value, self.verified_text)

    @property
    def final(self) -> IndicatorAnswer:
        """The verified answer where the officer gave one, otherwise the claimed one."""
        return self.claimed if self.verified.is_blank else self.verified

    @property
    def is_corrected(self) -> bool:
        return not self.verified.is_blank and self.verified != self.claimed

    @property
    def final_value(self):
        return self.final.value

    @property
    def claimed_met(self) -> bool | None:
        return self.indicator.is_met(self.claimed_value)

    @property
    def final_met(self) -> bool | None:
        return self.indicator.is_met(self.final_value)

    @property
    def gap(self):
        """Verified minus claimed, for a count or a share (a 是/否, a date or a text has no difference to show)."""
        if self.indicator.kind not in (IndicatorKind.COUNT, IndicatorKind.SHARE):
            return None
        if self.verified_value is None or self.claimed_value is None:
            return None
        return self.verified_value - self.claimed_value


def evidence_path(instance, filename):
    return f"assessments/{instance.item.assessment.period.year}/{instance.item.assessment.enterprise_id}/{filename}"


@audited(
    "item",
    "name",
    "sha256",
    "size",
    "valid_until",
    model_name="AssessmentEvidenceEvent",
    verbose_name=_("自评佐证材料变更"),
    deletions=True,
)
class AssessmentEvidence(TimeStampedModel):
    """A file attached to an answer. The database records each one added and each one removed (with who removed
    it) in `AssessmentEvidenceEvent`."""

    item = models.ForeignKey(AssessmentItem, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=300)
    name = models.CharField(_("文件名"), max_length=200)
    size = models.PositiveIntegerField(_("大小"))
    sha256 = models.CharField(max_length=64)
    content_type = models.CharField(max_length=100)
    valid_until = models.DateField(
        _("有效期至"), null=True, blank=True, help_text=_("留空表示长期有效；有效的佐证次年自动沿用")
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("上传人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    carried_from = models.ForeignKey(
        "self", verbose_name=_("沿用自"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["item", "created_at", "id"]
        verbose_name = _("自评佐证材料")
        verbose_name_plural = _("自评佐证材料")

    def __str__(self):
        return self.name

    def is_valid_on(self, day: date) -> bool:
        return self.valid_until is None or self.valid_until >= day


class AssessmentTransition(models.Model):
    """One step of an assessment's trail: who, when, from which state to which, and why.

    `details` keeps what the step needs to be read later: on a submission the answers as
    submitted (so the next round can show what changed), on a return the reason per measure.
    """

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="transitions")
    action = models.CharField(_("操作"), max_length=20, choices=TransitionAction.choices)
    from_status = models.CharField(_("原状态"), max_length=20, choices=AssessmentStatus.choices, blank=True)
    to_status = models.CharField(_("新状态"), max_length=20, choices=AssessmentStatus.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("操作人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    round = models.PositiveSmallIntegerField(_("轮次"), default=0)
    # the review level that took the step (1 the officer in charge, 2 the province union); null for the enterprise
    level = models.PositiveSmallIntegerField(_("审核层级"), choices=ReviewLevel.choices, null=True, blank=True)
    comment = models.TextField(_("意见"), blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("自评流转记录")
        verbose_name_plural = _("自评流转记录")

    def __str__(self):
        return f"{self.assessment_id}: {self.from_status or '—'} → {self.to_status}"


class AcceptedValueReview(models.Model):
    """An officer's look at a value changed after its enterprise's assessment was accepted (changes_since.py):
    confirmed, or questioned with a comment (the editor is told). Append-only: a later change of the same record is
    looked at again and gets a row of its own; `event_id` is the last history event (ProgressEvent or
    IndicatorValueEvent) the decision covers."""

    assessment = models.ForeignKey(Assessment, on_delete=models.CASCADE, related_name="value_reviews")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(_("类别"), max_length=20, choices=ValueReviewKind.choices)
    record_id = models.BigIntegerField(_("记录"))  # measures.Progress or measures.IndicatorValue
    event_id = models.BigIntegerField(_("变更记录"))
    decision = models.CharField(_("处理"), max_length=20, choices=ValueReviewDecision.choices)
    comment = models.TextField(_("意见"), blank=True)
    accepted_value = models.CharField(_("通过时的值"), max_length=300, blank=True)
    new_value = models.CharField(_("新值"), max_length=300, blank=True)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("处理人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    at = models.DateTimeField(_("时间"), default=timezone.now)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("通过后变更的核对")
        verbose_name_plural = _("通过后变更的核对")
        indexes = [models.Index(fields=["kind", "record_id", "event_id"], name="value_review_record")]
        triggers = [pgtrigger.Protect(name="value_review_append_only", operation=pgtrigger.Update)]

    def __str__(self):
        return f"{self.kind} {self.record_id} @{self.event_id}: {self.decision}"


class AssessmentNotice(TimeStampedModel):
    """An in-portal reminder to an enterprise about a period (also sent by email)."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="notices")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="assessment_notices")
    message = models.TextField(_("内容"))
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("发送人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    emailed_to = models.JSONField(_("邮件收件人"), default=list, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("填报提醒")
        verbose_name_plural = _("填报提醒")

    def __str__(self):
        return f"{self.enterprise} · {self.period.label}"


class DeadlineReminder(models.Model):
    """The ledger of the automatic reminders and escalations (services/deadline_reminders.py): one row per period,
    enterprise, kind and step, never two (the unique constraint; rows are inserted ON CONFLICT DO NOTHING in the
    transaction that creates the notice and records its mail in the outbox, so a beat run twice or a worker killed
    mid-batch neither repeats nor loses one).

    A reminder's `step` is its offset (deadlines.py), its `notice` the enterprise's in-portal notice (mailed by
    `send_notice_email`); an escalation's `step` is its stage (0: the officers in charge, 1, 2: the levels above),
    `level` the union level told and `recipients` those officers' user ids (mailed by `send_escalation_email`)."""

    period = models.ForeignKey(ReportingPeriod, on_delete=models.CASCADE, related_name="deadline_reminders")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="deadline_reminders")
    kind = models.CharField(_("类别"), max_length=20, choices=ReminderKind.choices)
    step = models.SmallIntegerField(_("时点"))
    due_date = models.DateField(_("截止日期"))
    level = models.CharField(_("督促层级"), max_length=20, blank=True)
    recipients = ArrayField(models.IntegerField(), verbose_name=_("督促对象"), default=list, blank=True)
    notice = models.OneToOneField(
        AssessmentNotice, null=True, blank=True, on_delete=models.SET_NULL, related_name="deadline_reminder"
    )
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    emailed_to = models.JSONField(_("邮件收件人"), default=list, blank=True)
    emailed_at = models.DateTimeField(_("邮件发送时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("自动提醒记录")
        verbose_name_plural = _("自动提醒记录")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "enterprise", "kind", "step"], name="deadline_reminder_once_per_step"
            )
        ]

    def __str__(self):
        return f"{self.enterprise_id} · {self.period_id} · {self.kind} {self.step}"


# The counts the overview and the home pages read (kept by triggers on enterprises and assessments).
from .counts import AssessmentCount, CountedAssessment, CountedEnterprise, PlaceCount  # noqa: E402, F401
