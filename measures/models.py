from decimal import Decimal

import pgtrigger
from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Region
from reform_portal.history import audited, version_trigger
from reform_portal.models import TimeStampedModel
from reform_portal.stored_files import random_name

from . import targets
from .choices import Addressee, Comparison, Derivation, IndicatorKind, SectionKind, Status
from .conditions import applicable_q, combine, describe, scope_key


class Scope(models.Model):
    """Who something of the catalogue applies to: the enterprises of `province` that meet every condition set here
    (an unset condition holds for all). A document's, a measure's and an indicator's scope combine the conditions
    the catalogue files give them with those of what they belong to. Scopes are shared and never change: `key`
    spells out the conditions, and another set of conditions is another scope. measures/applicability.py reads
    them; the field names are the condition keys of the catalogue files."""

    key = models.CharField(_("条件"), max_length=400, unique=True)
    province = models.ForeignKey(Region, verbose_name=_("省份"), on_delete=models.PROTECT, related_name="+")
    ownership = ArrayField(models.CharField(max_length=20), verbose_name=_("所有制"), null=True, blank=True)
    supervision_level = ArrayField(
        models.CharField(max_length=20), verbose_name=_("国资监管层级"), null=True, blank=True
    )
    supervisor = ArrayField(models.CharField(max_length=10), verbose_name=_("监管机构类别"), null=True, blank=True)
    size_class = ArrayField(models.CharField(max_length=10), verbose_name=_("企业规模"), null=True, blank=True)
    min_employees = models.PositiveIntegerField(_("职工人数不少于"), null=True, blank=True)
    above_scale = models.BooleanField(_("规模以上企业"), null=True, blank=True)
    leading = models.BooleanField(_("龙头企业"), null=True, blank=True)
    has_board = models.BooleanField(_("设有董事会或监事会"), null=True, blank=True)

    class Meta:
        verbose_name = _("适用范围")
        verbose_name_plural = _("适用范围")
        triggers = [pgtrigger.Protect(name="scope_never_changes", operation=pgtrigger.Update)]

    def __str__(self):
        return self.key

    @classmethod
    def for_conditions(cls, *, province_id: int, conditions) -> "Scope":
        """The scope of the enterprises of `province_id` meeting `conditions` (created the first time needed)."""
        conditions = combine(conditions)
        scope, _created = cls.objects.get_or_create(
            key=scope_key(province_id, conditions), defaults={"province_id": province_id, **conditions}
        )
        return scope


class Scoped(models.Model):
    """What the catalogue files say of who it applies to, and the scope that follows."""

    conditions = models.JSONField(_("适用条件"), default=dict, blank=True)
    conditions_source = models.TextField(_("适用条件原文依据"), blank=True)
    scope = models.ForeignKey(Scope, verbose_name=_("适用范围"), on_delete=models.PROTECT, related_name="+")

    class Meta:
        abstract = True

    def save(self, *args, **kwargs):
        # The scope follows the conditions (this one's and those of what it belongs to) on every save.
        self.scope_refresh()
        if kwargs.get("update_fields") is not None:
            kwargs["update_fields"] = {*kwargs["update_fields"], "scope"}
        super().save(*args, **kwargs)

    @property
    def conditions_words(self) -> list[str]:
        return describe(self.conditions)

    def combined_conditions(self) -> dict:
        """Its conditions together with those of what it belongs to (a measure's document, an indicator's measure)."""
        return combine(self.conditions)

    @property
    def scope_province_id(self) -> int:
        raise NotImplementedError

    def scope_refresh(self):
        """Point it at the scope its combined conditions make (not saved)."""
        self.scope = Scope.for_conditions(province_id=self.scope_province_id, conditions=self.combined_conditions())


class PolicyDocument(Scoped, TimeStampedModel):
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    number = models.CharField(_("文号"), max_length=50, unique=True)
    title = models.CharField(_("标题"), max_length=200)
    issuing_bodies = models.JSONField(_("发文单位"), default=list)
    issued_on = models.DateField(_("印发日期"))
    province = models.ForeignKey(Region, verbose_name=_("省份"), on_delete=models.PROTECT, related_name="documents")
    applies_to_text = models.CharField(_("适用范围说明"), max_length=200, blank=True)
    notice = models.TextField(_("印发通知"), blank=True)
    introduction = models.TextField(_("引言"), blank=True)

    class Meta:
        ordering = ["issued_on", "number"]
        verbose_name = _("政策文件")
        verbose_name_plural = _("政策文件")

    def __str__(self):
        return f"{self.number} {self.title}"

    @property
    def scope_province_id(self) -> int:
        return self.province_id


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


def measure_label(*, code: str, number: str, title: str) -> str:
    """A measure as the portal names it: its code first (the key people quote and search by), then its number
    and title as the document prints them: "YN-S1 （一）压紧压实工作责任", "YN-01 1.加强产业工人队伍党建工作" (a
    bare arabic number takes a full stop; "（一）" and "一、" carry their own punctuation)."""
    number = (number or "").strip()
    joint = "." if number.isdigit() else ""
    return " ".join(part for part in (code, f"{number}{joint}{title}") if part)


class MeasureQuerySet(models.QuerySet):
    def tracked(self):
        from .choices import TRACKED_ADDRESSEES

        return self.filter(addressee__in=TRACKED_ADDRESSEES)


class Measure(Scoped, TimeStampedModel):
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
        return self.label

    @property
    def label(self) -> str:
        """How every page, export and PDF names the measure (`measure_label`): "YN-S1 （一）压紧压实工作责任"."""
        return measure_label(code=self.code, number=self.number, title=self.title)

    @property
    def scope_province_id(self) -> int:
        return self.document.province_id

    def combined_conditions(self) -> dict:
        return combine(self.document.conditions, self.conditions)


class Indicator(Scoped, TimeStampedModel):
    measure = models.ForeignKey(Measure, on_delete=models.CASCADE, related_name="indicators")
    code = models.SlugField(_("代码"), max_length=40, unique=True)
    name = models.CharField(_("名称"), max_length=200)
    kind = models.CharField(_("类型"), max_length=10, choices=IndicatorKind.choices, default=IndicatorKind.COUNT)
    derived_from = models.CharField(
        _("来源"), max_length=30, choices=Derivation.choices, blank=True, help_text=_("由企业信息推算，不单独填报")
    )
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
    def scope_province_id(self) -> int:
        return self.measure.document.province_id

    def combined_conditions(self) -> dict:
        return combine(self.measure.combined_conditions(), self.conditions)

    @property
    def target_display(self) -> str:
        if self.comparison == Comparison.INFO:
            return str(_("仅统计"))
        if self.comparison == Comparison.TRUE:
            return str(_("是"))
        return f"{self.get_comparison_display()} {plain_number(self.target)}{self.display_unit}"

    @property
    def display_unit(self) -> str:
        """The unit a value or target is written with: % for a share (whatever the catalogue says), else its unit."""
        return "%" if self.kind == IndicatorKind.SHARE else self.unit

    def is_met(self, value: Decimal | None) -> bool | None:
        """Whether `value` meets the target; None when there is no value or nothing to meet (measures.targets)."""
        return targets.is_met(self, value)


class ProgressQuerySet(models.QuerySet):
    def applicable(self):
        """The rows whose measure applies to their enterprise (kept rows of measures that no longer apply are left
        out; measures/applicability.py)."""
        return self.filter(applicable_q("measure__scope__", "enterprise__"))


class IndicatorValueQuerySet(models.QuerySet):
    def applicable(self):
        """The values whose indicator applies to their enterprise (measures/applicability.py)."""
        return self.filter(applicable_q("indicator__scope__", "enterprise__"))


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

    objects = ProgressQuerySet.as_manager()

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


def plain_number(value: Decimal | None) -> str:
    """A decimal as people write it: 60 not 6E+1, 8.5 not 8.50; empty for None."""
    if value is None:
        return ""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


@audited("value", "text", model_name="IndicatorValueEvent", verbose_name=_("指标值变更"))
class IndicatorValue(TimeStampedModel):
    """One enterprise's value of an indicator for a year. The database records every creation and change in
    `IndicatorValueEvent` (`value.events`) and raises `version` with each change (see `history.py`)."""

    enterprise = models.ForeignKey(Enterprise, on_delete=models.CASCADE, related_name="indicator_values")
    indicator = models.ForeignKey(Indicator, on_delete=models.PROTECT, related_name="values")
    year = models.PositiveSmallIntegerField(_("年度"))
    # A number (a yes/no as 1 or 0); a date (ISO) or a text indicator's value is in `text` instead.
    value = models.DecimalField(_("数值"), max_digits=14, decimal_places=2, null=True, blank=True)
    text = models.CharField(_("文字"), max_length=300, blank=True)
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

    objects = IndicatorValueQuerySet.as_manager()

    class Meta:
        ordering = ["enterprise", "indicator", "-year"]
        verbose_name = _("指标值")
        verbose_name_plural = _("指标值")
        constraints = [
            models.UniqueConstraint(fields=["enterprise", "indicator", "year"], name="indicator_value_unique_year")
        ]
        triggers = [version_trigger(name="indicator_value_version", columns=("value", "text"))]

    def __str__(self):
        return f"{self.enterprise} · {self.indicator.code} · {self.year}: {self.value}"

    @property
    def is_met(self) -> bool | None:
        return self.indicator.is_met(self.value)


def evidence_path(instance: "Evidence", filename: str) -> str:
    return random_name("evidence", instance.progress.enterprise_id, filename)


class EvidenceQuerySet(models.QuerySet):
    def current(self):
        """The files offered as the record's evidence: those not withdrawn."""
        return self.filter(withdrawn_at__isnull=True)


# The longest reason for withdrawing a file (it is also the history's comment, 300 characters).
WITHDRAWAL_REASON_MAX = 300


@audited(
    "progress",
    "original_name",
    "sha256",
    "size",
    "withdrawn_at",
    "withdrawal_reason",
    model_name="EvidenceEvent",
    verbose_name=_("证明材料变更"),
    deletions=True,
)
class Evidence(TimeStampedModel):
    """A file supporting a progress record. Served only through a view that checks access. The database records
    each file added, each one withdrawn (when, why, and by whom: the event's `changed_by`) and each one removed in
    `EvidenceEvent`.

    A wrong file is withdrawn, not deleted (`measures.services.evidence_withdraw`): it is no longer offered as the
    record's evidence (`Evidence.objects.current()`), and the file, its row and its history stay."""

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
    withdrawn_at = models.DateTimeField(_("撤回时间"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("撤回人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    withdrawal_reason = models.CharField(_("撤回原因"), max_length=WITHDRAWAL_REASON_MAX, blank=True)

    objects = EvidenceQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("证明材料")
        verbose_name_plural = _("证明材料")
        constraints = [
            # A withdrawal always says why.
            models.CheckConstraint(
                condition=models.Q(withdrawn_at__isnull=True) | ~models.Q(withdrawal_reason=""),
                name="evidence_withdrawal_has_reason",
            )
        ]

    def __str__(self):
        return self.original_name
