from django.db import models
from django.utils.translation import gettext_lazy as _

from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS


class Topic(models.TextChoices):
    MEASURE = "measure", _("改革措施")
    INDICATOR = "indicator", _("评价指标")
    ASSESSMENT = "assessment", _("年度自评")
    OTHER = "other", _("其他")


class QuestionStatus(models.TextChoices):
    OPEN = "open", _("待答复")
    FORWARDED = "forwarded", _("已转交")
    ANSWERED = "answered", _("已答复")
    CLOSED = "closed", _("已关闭")


# A question waits for the union's answer in these statuses (the SLA clock runs, the work queue counts it).
AWAITING_STATUSES = (QuestionStatus.OPEN, QuestionStatus.FORWARDED)


class MessageKind(models.TextChoices):
    ASK = "ask", _("提问")
    ANSWER = "answer", _("答复")
    FORWARD_UP = "forward_up", _("转交上级")
    FORWARD_LIAISON = "forward_liaison", _("转交联络员")
    FOLLOW_UP = "follow_up", _("追问")
    RATE = "rate", _("评价")
    CLOSE = "close", _("关闭")
    ESCALATE = "escalate", _("逾期上报")


# The union levels of access.officers_in_charge's chain, as people read them.
LEVEL_LABELS = {
    "county": _("县级总工会"),
    "prefecture": _("州（市）总工会"),
    "province": _("省总工会"),
    "named": _("指定负责的工会干部"),
}


class FaqStatus(models.TextChoices):
    PUBLISHED = "published", _("已发布")
    WITHDRAWN = "withdrawn", _("已撤回")


TITLE_MAX_CHARS = 100
BODY_MAX_CHARS = NOTE_MAX_CHARS  # a question, a follow-up, a forward's note, a rating's comment
ANSWER_TEXT_MAX_CHARS = ANSWER_MAX_CHARS  # an answer, an FAQ entry's answer
MAX_FILES = 5  # attachments of one message
FILE_MAX_BYTES = 10 * 1024 * 1024  # each attachment (below the evidence's EVIDENCE_MAX_BYTES)
RATING_MIN, RATING_MAX = 1, 5
