from django.db import models
from django.utils.translation import gettext_lazy as _


class NoticeKind(models.TextChoices):
    """What a notice is about (the inbox shows an icon per kind; the API filters by it)."""

    ASSESSMENT = "assessment", _("年度自评")
    REMINDER = "reminder", _("填报提醒")
    ESCALATION = "escalation", _("逾期督促")
    ORDER = "order", _("督办")
    QUESTION = "question", _("疑问")
    SYSTEM = "system", _("系统")


# The pages a user keeps a "last visit" of (LastVisit.page), for "changed since my last visit".
class VisitedPage(models.TextChoices):
    ENTERPRISES = "enterprises", _("企业列表")
    DASHBOARD = "dashboard", _("数据看板")
