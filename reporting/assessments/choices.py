from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentStatus(models.TextChoices):
    """An assessment's state. No row at all for a period means 未填报 (see NOT_FILLED)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    # Two-level review (ReportingPeriod.review_levels == 2): the officer in charge verified it and forwarded it to
    # the province union, which accepts it or returns it to that officer (back to 已提交).
    FORWARDED = "forwarded", _("已初审")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


# The overview's extra state for an enterprise with no assessment row in the period.
NOT_FILLED = "not_filled"
NOT_FILLED_LABEL = _("未填报")

# States in which the enterprise may edit its answers, and those an officer may review (the officer in charge a
# submitted form; with two levels the province union a forwarded one).
EDITABLE_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)
REVIEWABLE_STATUSES = (AssessmentStatus.SUBMITTED, AssessmentStatus.FORWARDED)
# States that count as "submitted" for the year (the dashboard's 自评提交率, its drill-down and the rollup).
SUBMITTED_STATUSES = (AssessmentStatus.SUBMITTED, AssessmentStatus.FORWARDED, AssessmentStatus.ACCEPTED)
# States that count as "late" for reminders (nothing submitted yet, or sent back and not resubmitted).
LATE_STATES = (NOT_FILLED, AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)


class SelfRating(models.TextChoices):
    GOOD = "good", _("好")
    FAIRLY_GOOD = "fairly_good", _("较好")
    AVERAGE = "average", _("一般")
    POOR = "poor", _("差")


SELF_RATING_HELP = {
    SelfRating.GOOD: _("措施已全面落实并形成长效机制，成效明显，有充分佐证。"),
    SelfRating.FAIRLY_GOOD: _("措施主体内容已落实，取得一定成效，个别方面仍需完善。"),
    SelfRating.AVERAGE: _("措施已启动但推进较慢，成效尚不明显。"),
    SelfRating.POOR: _("措施基本未落实，或落实中存在明显问题。"),
}


class TransitionAction(models.TextChoices):
    CREATE = "create", _("开始填报")
    SUBMIT = "submit", _("提交")
    RETURN = "return", _("退回")
    FORWARD = "forward", _("初审通过并上报")
    RETURN_TO_REVIEWER = "return_to_reviewer", _("退回初审")
    ACCEPT = "accept", _("通过")


# How many levels review a province's self-assessments (ReportingPeriod.review_levels).
REVIEW_LEVELS_MIN, REVIEW_LEVELS_MAX = 1, 2


class ReviewLevel(models.IntegerChoices):
    """The level of a review step (AssessmentTransition.level)."""

    FIRST = 1, _("初审（县级、州市级工会）")
    SECOND = 2, _("复审（省级工会）")


class ValueReviewKind(models.TextChoices):
    """What an officer looked at after an acceptance: a progress record or an indicator value (AcceptedValueReview)."""

    PROGRESS = "progress", _("推进情况")
    INDICATOR = "indicator", _("指标值")


class ValueReviewDecision(models.TextChoices):
    CONFIRM = "confirm", _("确认")
    QUESTION = "question", _("提出疑问")


class PrefillSource(models.TextChoices):
    """Where a pre-filled answer of a new form came from (services.start), shown beside it until the enterprise
    confirms or changes it."""

    PROGRESS = "progress", _("取自当前进度")
    INDICATOR_VALUE = "indicator_value", _("取自当前指标值")
    LAST_YEAR = "last_year", _("沿用上年")
    REGISTER = "register", _("取自企业登记信息")


class ReminderKind(models.TextChoices):
    """The automatic messages about a period's deadline (deadlines.py)."""

    REMINDER = "reminder", _("填报提醒")
    ESCALATION = "escalation", _("逾期督促")
