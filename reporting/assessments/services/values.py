"""Checks of the values typed into the form, shared by the enterprise's answers, the officer's corrections
and the completeness check before submission."""

from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from measures.choices import Status
from measures.indicator_values import indicator_value_clean
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
    """An answer for `indicator`: blank is no answer (None); anything else must be a value the enterprise's
    record would take (`measures.indicator_values`, the rule the officer's edit applies too)."""
    if value is None or str(value).strip() == "":
        return None
    return indicator_value_clean(indicator=indicator, value=value, field=field)
