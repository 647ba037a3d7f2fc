"""Checks of the values typed into the form, shared by the enterprise's answers, the officer's corrections
and the completeness check before submission."""

from decimal import Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from measures.choices import Comparison, Status
from measures.services import progress_problems


def parse_percent(value, field="percent") -> int | None:
    if value in (None, ""):
        return None
    try:
        percent = int(value)
    except (TypeError, ValueError):
        raise ValidationError({field: [_("完成百分比应为 0 到 100 之间的整数。")]}) from None
    if not 0 <= percent <= 100:
        raise ValidationError({field: [_("完成百分比应在 0 到 100 之间。")]})
    return percent


def status_percent_problems(status: str, percent: int | None, field_prefix: str = "") -> dict:
    """Status and percent must agree (未启动 0, 已完成/常态化推进 100), as on a progress record."""
    if status and status not in Status.values:
        return {f"{field_prefix}status": [_("无效的状态。")]}
    if not status or percent is None:
        return {}
    errors = progress_problems(old=None, status=status, percent=percent, note="")
    return {f"{field_prefix}{k}": v for k, v in errors.items()}


def parse_indicator_value(indicator, value, field="value") -> Decimal | None:
    """The rules of `measures.services.indicator_value_set`, checked as the user types."""
    if value in (None, ""):
        return None
    try:
        value = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("请输入数字。")]}) from None
    if not value.is_finite() or abs(value) >= Decimal("1e12"):
        raise ValidationError({field: [_("请输入数字。")]})
    if value < 0:
        raise ValidationError({field: [_("指标值不能为负数。")]})
    if indicator.comparison == Comparison.TRUE and value not in (0, 1):
        raise ValidationError({field: [_("此项指标只能填“是”（1）或“否”（0）。")]})
    if indicator.unit == "%" and value > 100 and indicator.comparison != Comparison.GTE:
        raise ValidationError({field: [_("百分比不能超过 100。")]})
    return value.quantize(Decimal("0.01"))
