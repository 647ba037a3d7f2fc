"""Dated rollup snapshots of the provinces' figures, and the runs that compute them."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models import Region
from measures.models import Measure, PolicyDocument

from .choices import RunKind, RunStatus


class RollupRun(models.Model):
    """One rollup: the nightly full one, a 15-minute refresh, or a refresh someone asked for.

    A full run is split into parts, one per (province, document); each part commits on its own, and the
    part that finishes last closes the run.
    """

    kind = models.CharField(_("类型"), max_length=20, choices=RunKind.choices)
    day = models.DateField(_("统计日期"))
    province = models.ForeignKey(
        Region, verbose_name=_("省份"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    status = models.CharField(_("状态"), max_length=20, choices=RunStatus.choices, default=RunStatus.RUNNING)
    started_at = models.DateTimeField(_("开始时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("结束时间"), null=True, blank=True)
    parts_total = models.PositiveIntegerField(_("分片数"), default=0)
    parts_done = models.PositiveIntegerField(_("已完成分片"), default=0)
    parts_failed = models.PositiveIntegerField(_("失败分片"), default=0)
    error = models.TextField(_("错误"), blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发起人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("汇总运行")
        verbose_name_plural = _("汇总运行")

    def __str__(self):
        return f"{self.get_kind_display()} {self.day} {self.get_status_display()}"


class RollupSnapshot(models.Model):
    """The figures of one scope on one day.

    Scope = province × prefecture (null: province-wide) × document × measure (null: all) × ownership (null: all)
    × industry (null: all). `scope_key` spells the scope out as text so that one unique constraint treats missing
    keys as equal on PostgreSQL and SQLite alike.
    """

    day = models.DateField(_("统计日期"))
    scope_key = models.CharField(_("范围键"), max_length=80)
    province = models.ForeignKey(Region, verbose_name=_("省份"), on_delete=models.CASCADE, related_name="+")
    prefecture = models.ForeignKey(
        Region, verbose_name=_("州（市）"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    document = models.ForeignKey(PolicyDocument, verbose_name=_("政策文件"), on_delete=models.CASCADE, related_name="+")
    measure = models.ForeignKey(
        Measure, verbose_name=_("措施"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    ownership = models.CharField(_("所有制"), max_length=20, null=True, blank=True)
    industry = models.CharField(_("行业门类"), max_length=1, null=True, blank=True)

    applicable = models.PositiveIntegerField(_("适用企业数"))
    records = models.PositiveIntegerField(_("适用措施记录数"))
    not_started = models.PositiveIntegerField(_("未启动"))
    in_progress = models.PositiveIntegerField(_("推进中"))
    done = models.PositiveIntegerField(_("已完成"))
    ongoing = models.PositiveIntegerField(_("常态化推进"))
    completion_rate = models.FloatField(_("完成率"), null=True, blank=True)
    mean_percent = models.FloatField(_("平均完成百分比"), null=True, blank=True)
    indicator_met = models.PositiveIntegerField(_("达标指标数"))
    indicator_targets = models.PositiveIntegerField(_("应达标指标数"))
    attainment_rate = models.FloatField(_("指标达标率"), null=True, blank=True)
    lagging = models.PositiveIntegerField(_("滞后企业数"))
    submitted = models.PositiveIntegerField(_("已提交自评企业数"), null=True, blank=True)
    submission_rate = models.FloatField(_("自评提交率"), null=True, blank=True)
    computed_at = models.DateTimeField(_("计算时间"))
    run = models.ForeignKey(
        RollupRun, verbose_name=_("汇总运行"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        ordering = ["-day", "scope_key"]
        verbose_name = _("汇总快照")
        verbose_name_plural = _("汇总快照")
        constraints = [models.UniqueConstraint(fields=["day", "scope_key"], name="rollup_snapshot_unique_day_scope")]
        indexes = [models.Index(fields=["document", "day"]), models.Index(fields=["province", "day"])]

    def __str__(self):
        return f"{self.day} {self.scope_key}"


class LaggingEnterprise(models.Model):
    """An applicable enterprise of a document that today's rollup of the document found lagging.

    Written in the same transaction as the document's snapshots (so always consistent with their `lagging`
    figures); the dashboard's lagging table reads it instead of judging every enterprise live.
    """

    document = models.ForeignKey(PolicyDocument, verbose_name=_("政策文件"), on_delete=models.CASCADE, related_name="+")
    enterprise = models.ForeignKey(
        "enterprises.Enterprise", verbose_name=_("企业"), on_delete=models.CASCADE, related_name="rollup_lagging"
    )
    day = models.DateField(_("统计日期"))
    last_update = models.DateTimeField(_("最近更新"), null=True, blank=True)
    has_not_started = models.BooleanField(_("有未启动措施"))

    class Meta:
        ordering = ["last_update", "enterprise_id"]
        verbose_name = _("滞后企业")
        verbose_name_plural = _("滞后企业")
        constraints = [
            models.UniqueConstraint(fields=["document", "enterprise"], name="rollup_lagging_unique_document_enterprise")
        ]
        indexes = [models.Index(fields=["document", "last_update"])]

    def __str__(self):
        return f"{self.document_id}: {self.enterprise_id}"
