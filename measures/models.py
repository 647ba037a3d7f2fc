import uuid
from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Region
from reform_portal.history import audited, version_trigger
from reform_portal.models import TimeStampedModel

from . import targets
from .choices import Addressee, AppliesTo, Comparison, SectionKind, Status


class PolicyDocument(TimeStampedModel):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    number = models.CharField(_("文号"), max_length=50, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    issuing_bodies = models.JSONField(_("发文单位"), default=list)
    issued_on = models.DateField(_("印发日期"))
    province = models.ForeignKey(Region, verbose_name=_("省份"), on_delete=models.PROTECT, related_name="documents")
    applies_to = models.CharField(_("适用范围"), max_length=30, choices=AppliesTo.choices)
    applies_to_text = models.CharField(_("适用范围说明"), max_length=200, blank=True)
    notice = models.TextField(_("印发通知"), blank=True)
    introduction = models.TextField(_("引言"), blank=True)

    class Meta:
        ordering = ["issued_on", "number"]
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")

    def __str__(self):
        return f"{self.number} {self.title}"


class Section(TimeStampedModel):
    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="sections")
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.CASCADE, related_name="children")
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    number = models.CharField(_("序号"), max_length=10)
    title = models.CharField(_("标题"), max_length=200)
    kind = models.CharField(_("类别"), max_length=20, choices=SectionKind.choices)
    text = models.TextField(_("正文"), blank=True, help_text=_("总体说明类章节的正文"))
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["document", "position"]
        verbose_name = _("章节")
        verbose_name_plural = _("章节")

    def __str__(self):
        return f"{self.number}{self.title}"


class MeasureQuerySet(models.QuerySet):
    def tracked(self):
        from .choices import TRACKED_ADDRESSEES

        return self.filter(addressee__in=TRACKED_ADDRESSEES)


class Measure(TimeStampedModel):
    document = models.ForeignKey(PolicyDocument, on_delete=models.CASCADE, related_name="measures")
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="measures")
    code = models.SlugField(_("代码"), max_length=20, unique=True)
    number = models.CharField(_("序号"), max_length=10)
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("正文"))
    addressee = models.CharField(_("责任主体"), max_length=20, choices=Addressee.choices)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    objects = MeasureQuerySet.as_manager()

    class Meta:
        ordering = ["document", "position"]
        verbose_name = _("措施")
        verbose_name_plural = _("措施")

    def __str__(self):
        return f"{self.code} {self.title}"


class Indicator(TimeStampedModel):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    unit = models.CharField(_("单位"), max_length=20, blank=True)
    comparison = models.CharField(_("比较方式"), max_length=10, choices=Comparison.choices)
    target = models.DecimalField(_("目标值"), max_digits=12, decimal_places=2, null=True, blank=True)
    source_text = models.CharField(_("原文依据"), max_length=300, blank=True)
    position = models.PositiveIntegerField(_("顺序"), default=0)

    class Meta:
        ordering = ["measure", "position"]
        verbose_name = _("量化指标")
        verbose_name_plural = _("量化指标")

    def __str__(self):
        return f"{self.name} {self.target_display}"

    @property
    def target_display(self) -> str:
        if self.comparison == Comparison.INFO:
            return str(_("仅统计"))
        if self.comparison == Comparison.TRUE:
            return str(_("是"))
        target = self.target.normalize() if self.target is not None else ""
        return f"{self.get_comparison_display()} {target}{self.unit}"

    def is_met(self, value: Decimal | None) -> bool | None:
        """Whether `value` meets the target; None when there is no value or nothing to meet (measures.targets)."""
        return targets.is_met(self, value)


@audited("status", "percent", "note", model_name="ProgressEvent", verbose_name=_("推进情况变更"))
class Progress(TimeStampedModel):
    """Where one enterprise stands on one applicable measure.

    The database records every creation and change in `ProgressEvent` (`progress.events`) and raises
    `version` with each change, however the row is written (see `history.py`), so that a stale edit
    can be refused.
    """

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="progress")
    measure = models.ForeignKey(Measure, on_delete=models.PROTECT, related_name="progress")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.NOT_STARTED)
    percent = models.PositiveSmallIntegerField(
        _("完成百分比"), default=0, validators=[MinValueValidator(0), MaxValueValidator(100)]
    )
    note = models.TextField(_("说明"), blank=True)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        ordering = ["enterprise", "measure__document", "measure__position"]
        verbose_name = _("推进情况")
        verbose_name_plural = _("推进情况")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "measure"], name="progress_unique_enterprise_measure"),
            models.CheckConstraint(condition=models.Q(percent__lte=100), name="progress_percent_at_most_100"),
        ]
        indexes = [models.Index(fields=["measure", "status"]), models.Index(fields=["updated_at"])]
        triggers = [version_trigger(name="progress_version", columns=("status", "percent", "note"))]

    def __str__(self):
        return f"{self.enterprise} · {self.measure.code} · {self.get_status_display()}"


@audited("value", model_name="IndicatorValueEvent", verbose_name=_("指标值变更"))
class IndicatorValue(TimeStampedModel):
    """One enterprise's value of an indicator for a year. The database records every creation and change in
    `IndicatorValueEvent` (`value.events`) and raises `version` with each change (see `history.py`)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="indicator_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    year = models.PositiveSmallIntegerField(_("年度"))
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=2)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("更新人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # db_default too: the load generator writes this table with raw SQL.
    version = models.PositiveIntegerField(_("版本"), default=1, db_default=1)

    class Meta:
        ordering = ["enterprise", "indicator", "-year"]
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "indicator", "year"], name="indicator_value_unique_year")
        ]
        triggers = [version_trigger(name="indicator_value_version", columns=("value",))]

    def __str__(self):
        return f"{self.enterprise} · {self.indicator.code} · {self.year}: {self.value}"

    @property
    def is_met(self) -> bool | None:
        return self.indicator.is_met(self.value)


def evidence_path(instance: "Evidence", filename: str) -> str:
    """evidence/<enterprise id>/<random>.<ext>: unguessable, and never named after what the user typed."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"evidence/{instance.progress.enterprise_id}/{uuid.uuid4().hex}.{extension}"


class Evidence(TimeStampedModel):
    """A file supporting a progress record. Served only through a view that checks access."""

    progress = models.ForeignKey(Progress, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(_("文件"), upload_to=evidence_path, max_length=300)
    original_name = models.CharField(_("文件名"), max_length=255)
    sha256 = models.CharField(_("SHA-256"), max_length=64, db_index=True)
    size = models.PositiveBigIntegerField(_("大小（字节）"))
    content_type = models.CharField(_("文件类型"), max_length=100)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("上传人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")

    def __str__(self):
        return self.original_name
