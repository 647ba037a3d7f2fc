"""The official bulletin (通报) of a province or of one of its prefectures, for a date range.

A bulletin keeps its text blocks (开头, 总体评价, 下一步工作) that officers edit, the figures printed in it
(`figures`, a JSON snapshot of `figures.bulletin_figures` when the files were built), and the built files (.docx
laid out per GB/T 9704, and .pdf) under MEDIA_ROOT/bulletins/. Issued (已印发), it is archived: read-only. The
database records every change of its text, status and files (reform_portal/history.py) and raises `version` with
each (the stale-edit check, reform_portal/versioning.py)."""

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from enterprises.models import Region
from reform_portal.history import audited, version_trigger
from reform_portal.numbering import YearlySequence

from .choices import TITLE_MAX_CHARS, BuildState, BulletinStatus

BULLETIN_AUDITED = ("title", "opening", "assessment", "next_steps", "status", "docx_file", "pdf_file", "issued_at")


def _file_path(instance, filename: str) -> str:
    # Under MEDIA_ROOT/bulletins/, named by a random key: never served by the web server, handed out by the views.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"bulletins/{uuid.uuid4().hex}.{extension}"


class BulletinNumber(YearlySequence):
    """The last sequence number given to a bulletin of a province in a year (云工产改通报〔2026〕3号), reserved by
    one statement (reform_portal.numbering.reserve) as supervision orders' numbers are."""

    class Meta:
        ordering = ["province", "year"]
        verbose_name = _("通报编号")
        verbose_name_plural = _("通报编号")
        constraints = [models.UniqueConstraint(fields=["province", "year"], name="bulletin_number_per_province_year")]


@audited(*BULLETIN_AUDITED, model_name="BulletinEvent", verbose_name=_("通报变更"))
class Bulletin(models.Model):
    number = models.CharField(_("文号"), max_length=40, unique=True)
    province = models.ForeignKey(Region, verbose_name=_("省份"), on_delete=models.PROTECT, related_name="+")
    prefecture = models.ForeignKey(
        Region, verbose_name=_("州（市）"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    sequence = models.PositiveIntegerField(_("序号"))
    date_from = models.DateField(_("起始日期"))
    date_to = models.DateField(_("截止日期"))
    title = models.CharField(_("标题"), max_length=TITLE_MAX_CHARS)
    opening = models.TextField(_("开头"), blank=True)
    assessment = models.TextField(_("总体评价"), blank=True)
    next_steps = models.TextField(_("下一步工作"), blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=BulletinStatus.choices, default=BulletinStatus.DRAFT)
    build_state = models.CharField(_("生成状态"), max_length=10, choices=BuildState.choices, default=BuildState.IDLE)
    build_progress = models.PositiveSmallIntegerField(_("生成进度"), default=0)  # percent
    build_error = models.TextField(_("生成错误"), blank=True)
    build_requested_at = models.DateTimeField(_("请求生成时间"), null=True, blank=True)
    figures = models.JSONField(_("所印数字"), default=dict, blank=True)
    docx_file = models.FileField(_("Word 文件"), upload_to=_file_path, blank=True, max_length=200)
    pdf_file = models.FileField(_("PDF 文件"), upload_to=_file_path, blank=True, max_length=200)
    built_at = models.DateTimeField(_("生成时间"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("拟稿人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    issued_at = models.DateTimeField(_("印发时间"), null=True, blank=True)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("印发人"), null=True, on_delete=models.SET_NULL, related_name="+"
    )
    version = models.PositiveIntegerField(_("版本"), default=1, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("工作通报")
        verbose_name_plural = _("工作通报")
        indexes = [models.Index(fields=["province", "status"], name="bulletin_province_status")]
        constraints = [
            models.CheckConstraint(condition=Q(date_to__gte=models.F("date_from")), name="bulletin_range_ordered"),
            models.CheckConstraint(
                condition=~Q(status=BulletinStatus.ISSUED) | Q(issued_at__isnull=False), name="bulletin_issued_has_time"
            ),
        ]
        triggers = [
            version_trigger(
                name="bulletin_version",
                columns=("title", "opening", "assessment", "next_steps", "status", "docx_file", "pdf_file"),
            )
        ]

    def __str__(self):
        return self.number

    @property
    def scope(self) -> Region:
        return self.prefecture or self.province

    @property
    def is_issued(self) -> bool:
        return self.status == BulletinStatus.ISSUED

    @property
    def building(self) -> bool:
        return self.build_state in (BuildState.QUEUED, BuildState.RUNNING)

    @property
    def build_stalled(self) -> bool:
        """Asked for longer ago than a job may run (its worker died, or the task was lost): it may be asked again,
        as the jobs' dead-worker check allows (docs/security/jobs.md)."""
        limit = timedelta(seconds=settings.JOB_TIME_LIMIT_SECONDS + 60)
        return self.building and (self.build_requested_at is None or timezone.now() - self.build_requested_at > limit)
