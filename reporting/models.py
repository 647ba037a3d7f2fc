"""Dated rollup snapshots of the provinces' figures, and the runs that compute them."""

from django.conf import settings
from django.db import models
from django.db.models import F
from django.db.models.functions import Cast, NullIf
from django.utils.translation import gettext_lazy as _

from enterprises.models import Region
from measures.models import Measure, PolicyDocument

from .choices import RunKind, RunStatus


class RollupRun(models.Model):
    """One rollup: the nightly full one, a 15-minute refresh, or a refresh someone asked for.

    A full run is split into parts, one per (province, document); each part commits on its own, and the
    part that finishes last closes the run. A run that shows no sign of life (`heartbeat_at`, else `started_at`)
    for longer than a part may take is marked failed (`rollup.rollup_runs_expire`): its worker died.
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
    heartbeat_at = models.DateTimeField(_("最近进展"), null=True, blank=True)  # a part started or finished
    parts_seen = models.JSONField(_("已计入的分片"), default=list, blank=True)  # document ids: a part counts once
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
    × industry (null: all) × county (null: every county and the enterprises without one). A county's row also
    names its prefecture (so a prefecture's reach takes in its counties' rows) and counts only the enterprises
    registered in that county. `scope_key` spells the scope out as text so that one unique constraint treats missing
    keys as equal (as nullable columns, NULLs would all differ).
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
    county = models.ForeignKey(
        Region, verbose_name=_("县（市、区）"), null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

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


# Tallies: what the rollups add up, kept current by the database as progress, indicator values and enterprises
# change (see reporting/tallies.py). They are keyed by an enterprise's *cell*: its prefecture, ownership, industry
# and supervision level, the enterprise fields that the rollup groups by and that decide which documents apply.


class CellKey(models.Model):
    """The enterprise fields a tally is keyed by (no foreign-key constraints: the database's triggers write these
    rows in the same statement as the change they count, and a cell outlives any one enterprise)."""

    region = models.ForeignKey(
        Region, verbose_name=_("地区"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    ownership = models.CharField(_("所有制"), max_length=20)
    industry = models.CharField(_("行业"), max_length=1)
    supervision_level = models.CharField(_("监管层级"), max_length=20)

    class Meta:
        abstract = True


class ProgressTally(CellKey):
    """Counts of progress rows of one measure in one cell. Rows are only ever added (each change adds its
    difference), so writers never wait on one another; the figure of a key is the sum of its rows, and the rollup
    folds the rows of a key into one now and then."""

    measure = models.ForeignKey(
        Measure, verbose_name=_("措施"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    in_progress = models.IntegerField(_("推进中"))
    done = models.IntegerField(_("已完成"))
    ongoing = models.IntegerField(_("常态化推进"))
    percent_sum = models.IntegerField(_("完成百分比合计"))

    class Meta:
        verbose_name = _("推进情况计数")
        verbose_name_plural = _("推进情况计数")
        indexes = [models.Index(fields=["measure"])]

    def __str__(self):
        return f"{self.measure_id} {self.region_id}/{self.ownership}/{self.industry}/{self.supervision_level}"


class IndicatorTally(CellKey):
    """How many indicator values of one indicator and year in one cell meet the indicator's target (rows added
    like ProgressTally's)."""

    indicator = models.ForeignKey(
        "measures.Indicator", verbose_name=_("指标"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    year = models.PositiveSmallIntegerField(_("年度"))
    met = models.IntegerField(_("达标数"))

    class Meta:
        verbose_name = _("指标达标计数")
        verbose_name_plural = _("指标达标计数")
        indexes = [models.Index(fields=["year", "indicator"])]

    def __str__(self):
        return f"{self.indicator_id} {self.year} {self.region_id}/{self.ownership}/{self.industry}"


class ScopeTally(CellKey):
    """How many enterprises of a cell a scope applies to (measures.applicability): the enterprises a document
    addresses, a measure asks something of, an indicator is asked of (rows added like ProgressTally's)."""

    scope = models.ForeignKey(
        "measures.Scope", verbose_name=_("适用范围"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    enterprises = models.IntegerField(_("企业数"))

    class Meta:
        verbose_name = _("适用企业计数")
        verbose_name_plural = _("适用企业计数")
        indexes = [models.Index(fields=["scope"])]

    def __str__(self):
        cell = f"{self.region_id}/{self.ownership}/{self.industry}/{self.supervision_level}"
        return f"{self.scope_id} {cell}: {self.enterprises}"


class ProgressSummary(CellKey):
    """Per enterprise with progress rows on measures that apply to it: its cell, the inputs of the lagging rule
    (measures.lagging) and the enterprise list's figures (done / applicable, mean percent), kept current by the
    database so that a rollup judges 100,000 enterprises, and a list sorts them, without reading their progress."""

    enterprise = models.OneToOneField(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        primary_key=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="progress_summary",
    )
    last_update = models.DateTimeField(_("最近更新"), null=True)
    not_started = models.IntegerField(_("未启动措施数"))
    applicable = models.IntegerField(_("适用措施数"))
    done = models.IntegerField(_("完成措施数"))  # 已完成 or 常态化推进 (measures.choices.DONE_STATUSES)
    # With not_started and done, how many rows are in each status (the list's "有措施处于" filter without a document).
    in_progress = models.IntegerField(_("推进中措施数"))
    ongoing = models.IntegerField(_("常态化推进措施数"))
    percent_sum = models.IntegerField(_("完成百分比合计"))
    # From when it lags if nothing changes, once out of its grace period and if something applies to it: the
    # exemptions over its progress folded into one moment (measures.lagging.lagging_from), so that the lagging of a
    # province are one range of an index, `lagging_from <= now`.
    lagging_from = models.DateTimeField(_("滞后起始时间"), null=True)
    mean_percent = models.GeneratedField(
        expression=Cast("percent_sum", models.FloatField()) / NullIf("applicable", 0),
        output_field=models.FloatField(),
        db_persist=True,
        verbose_name=_("平均进度"),
    )

    class Meta:
        verbose_name = _("推进情况摘要")
        verbose_name_plural = _("推进情况摘要")
        indexes = [
            # The enterprises that are up to date (the few the rollup counts; every other one lags).
            models.Index(fields=["last_update"], condition=models.Q(not_started=0), name="progress_summary_up_to_date"),
            # The enterprise list's sorts by a figure: ORDER BY … LIMIT walks one of these (enterprises/filters.py).
            models.Index(fields=["done", "enterprise"], name="progress_summary_done"),
            models.Index(fields=["mean_percent", "enterprise"], name="progress_summary_percent"),
            models.Index(fields=["last_update", "enterprise"], name="progress_summary_updated"),
            # The lagging (measures.lagging.lagging_q): `lagging_from <= now` is one range of it, and those that do
            # not lag (`?lagging=false`) the other.
            models.Index(fields=["lagging_from", "enterprise"], name="progress_summary_lagging"),
            # The home pages' slowest enterprises (reporting.home.slowest_lagging): fewest done, lowest mean percent,
            # oldest update, walked in that order until a page of lagging ones is found.
            models.Index(
                F("done"),
                F("mean_percent").asc(nulls_first=True),
                F("last_update").asc(nulls_first=True),
                F("enterprise"),
                name="progress_summary_slowest",
            ),
        ]

    def __str__(self):
        return str(self.enterprise_id)


class DocumentSummary(models.Model):
    """Per enterprise and document with applicable progress of that document's measures: how many rows, and how many
    in each status (a column per `measures.choices.Status`, 已完成 alone in `done`). Kept by triggers on progress,
    enterprises and measures (reporting/list_counts.py); what the enterprise list's `?document=` counts read, per
    place, through `enterprises.ListedCount`."""

    enterprise = models.ForeignKey(
        "enterprises.Enterprise",
        verbose_name=_("企业"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,  # the unique (enterprise, document) index serves
        related_name="+",
    )
    document = models.ForeignKey(
        PolicyDocument,
        verbose_name=_("政策文件"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        db_index=False,
        related_name="+",
    )
    applicable = models.IntegerField(_("适用措施数"))
    not_started = models.IntegerField(_("未启动"))
    in_progress = models.IntegerField(_("推进中"))
    done = models.IntegerField(_("已完成"))
    ongoing = models.IntegerField(_("常态化推进"))

    class Meta:
        verbose_name = _("文件推进情况摘要")
        verbose_name_plural = _("文件推进情况摘要")
        constraints = [models.UniqueConstraint(fields=["enterprise", "document"], name="document_summary_unique")]

    def __str__(self):
        return f"{self.enterprise_id}/{self.document_id}: {self.applicable}"


# The triggers that keep the tallies current are declared on proxies of the models they watch (progress, indicator
# values, indicators, enterprises): imported here so that the app registers them and makemigrations sees them.
from .triggers import (  # noqa: E402, F401
    CountedDocumentSummary,
    CountedProgressSummary,
    TalliedEnterprise,
    TalliedIndicator,
    TalliedIndicatorValue,
    TalliedMeasure,
    TalliedProgress,
    TalliedScope,
)
