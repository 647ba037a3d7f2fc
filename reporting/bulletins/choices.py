from django.db import models
from django.utils.translation import gettext_lazy as _


class BulletinStatus(models.TextChoices):
    DRAFT = "draft", _("草稿")
    BUILT = "built", _("已生成")
    ISSUED = "issued", _("已印发")


class BuildState(models.TextChoices):
    """Where the build of the files stands (the Celery job on the `jobs` queue)."""

    IDLE = "idle", _("未生成")
    QUEUED = "queued", _("排队中")
    RUNNING = "running", _("生成中")
    DONE = "done", _("已完成")
    FAILED = "failed", _("失败")


BLOCK_MAX_CHARS = 4000  # one text block (开头, 总体评价, 下一步工作)
TITLE_MAX_CHARS = 100
RANGE_MAX_DAYS = 366  # a bulletin covers at most a year
TEXT_BLOCKS = ("opening", "assessment", "next_steps")
