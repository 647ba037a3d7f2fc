from django.db import models
from django.utils.translation import gettext_lazy as _


class SectionKind(models.TextChoices):
    PREAMBLE = "preamble", _("总体说明")
    MEASURES = "measures", _("任务措施")
    SUPPORT = "support", _("服务保障")


class Addressee(models.TextChoices):
    ENTERPRISE = "enterprise", _("企业")
    LEADERSHIP = "leadership", _("企业党组织和领导班子")
    AUTHORITIES = "authorities", _("主管部门")


# Measures with these addressees are tracked per enterprise; the others stay catalogue-only.
TRACKED_ADDRESSEES = (Addressee.ENTERPRISE, Addressee.LEADERSHIP)


class Comparison(models.TextChoices):
    GTE = "gte", "≥"
    LTE = "lte", "≤"
    EQ = "eq", "="
    TRUE = "true", _("是")
    INFO = "info", _("仅统计")


class IndicatorKind(models.TextChoices):
    BOOLEAN = "boolean", _("是/否")
    COUNT = "count", _("数量")
    SHARE = "share", _("比例")
    DATE = "date", _("日期")
    TEXT = "text", _("文字")


# The kinds whose value is a number (a yes/no is 1 or 0); a date or a text is held as text and only recorded.
NUMERIC_KINDS = (IndicatorKind.BOOLEAN, IndicatorKind.COUNT, IndicatorKind.SHARE)


class Derivation(models.TextChoices):
    """Register facts an indicator can be derived from instead of being typed in (measures/derived.py)."""

    UNION_FOUNDED = "union_founded", _("企业信息：已建立工会")
    UNION_MEMBERSHIP_RATE = "union_membership_rate", _("企业信息：工会会员数 ÷ 职工总数")
    PARTY_SHARE = "party_share", _("企业信息：产业工人中党员数 ÷ 一线产业工人数")


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    ONGOING = "ongoing", _("常态化推进")


DONE_STATUSES = (Status.DONE, Status.ONGOING)
STATUS_ORDER = {Status.NOT_STARTED: 0, Status.IN_PROGRESS: 1, Status.DONE: 2, Status.ONGOING: 3}
