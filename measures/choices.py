from django.db import models
from django.utils.translation import gettext_lazy as _


class AppliesTo(models.TextChoices):
    ALL_ENTERPRISES = "all_enterprises", _("本省全部企业")
    STATE_OWNED = "state_owned", _("本省国有企业")


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


class Status(models.TextChoices):
    NOT_STARTED = "not_started", _("未启动")
    IN_PROGRESS = "in_progress", _("推进中")
    DONE = "done", _("已完成")
    ONGOING = "ongoing", _("常态化推进")


DONE_STATUSES = (Status.DONE, Status.ONGOING)
STATUS_ORDER = {Status.NOT_STARTED: 0, Status.IN_PROGRESS: 1, Status.DONE: 2, Status.ONGOING: 3}
