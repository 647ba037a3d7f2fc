from django.db import models
from django.utils.translation import gettext_lazy as _


class RunKind(models.TextChoices):
    FULL = "full", _("全量汇总")
    REFRESH = "refresh", _("增量刷新")


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("排队中")  # recorded, its task not yet taken by a worker (it may wait in the outbox)
    RUNNING = "running", _("进行中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


# The dashboard's ownership filter's choice for every state-owned enterprise: the values of
# enterprises.choices.STATE_OWNERSHIPS (国有独资 and 国有控股).
STATE_OWNED = "state"
