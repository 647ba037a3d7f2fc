from django.db import models
from django.utils.translation import gettext_lazy as _


class AssessmentStatus(models.TextChoices):
    """An assessment's state. No row at all for a period means 未填报 (see NOT_FILLED)."""

    DRAFT = "draft", _("草稿")
    SUBMITTED = "submitted", _("已提交")
    RETURNED = "returned", _("已退回")
    ACCEPTED = "accepted", _("已通过")


# The overview's extra state for an enterprise with no assessment row in the period.
NOT_FILLED = "not_filled"
NOT_FILLED_LABEL = _("未填报")

# States in which the enterprise may edit its answers, and those an officer may review.
EDITABLE_STATUSES = (AssessmentStatus.DRAFT, AssessmentStatus.RETURNED)
REVIEWABLE_STATUSES = (AssessmentStatus.SUBMITTED,)
# States that count as "submitted" for the year (the dashboard's 自评提交率, its drill-down and the rollup).
SUBMITTED_STATUSES = (AssessmentStatus.SUBMITTED, AssessmentStatus.ACCEPTED)
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
    ACCEPT = "accept", _("通过")


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
