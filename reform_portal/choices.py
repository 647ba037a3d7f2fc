"""Choices every app shares. Here, not in an app, so that no two apps' models import each other for them."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ChangeSource(models.TextChoices):
    """Where a recorded change came from, shown in every history timeline."""

    MANUAL = "manual", _("手工填报")
    BULK = "bulk", _("批量更新")
    IMPORT = "import", _("导入")
    ASSESSMENT = "assessment", _("年度自评")
    SYSTEM = "system", _("系统")
