"""Checks of the values typed into the form, shared by the enterprise's answers, the officer's corrections
and the completeness check before submission; and which indicator answers the form asks for (`answer_role`), the
one rule the page, the submission, the acceptance and the exports follow."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from measures.applicability import applicable_indicators
from measures.choices import Comparison, Status
from measures.indicator_values import BLANK, IndicatorAnswer, indicator_value_clean
from measures.services import progress_problems

# What the form does with an indicator's answer (`answer_role`).
REQUIRED = "required"  # asked, and must be filled in before submitting
OPTIONAL = "optional"  # asked (仅统计), may stay empty
DERIVED = "derived"  # not typed in: the register gives it (measures.derived), shown read-only
NOT_APPLICABLE = "not_applicable"  # no longer applies to the enterprise: neither asked, shown, nor written


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


def parse_indicator_value(indicator, value, field="value", enterprise=None) -> IndicatorAnswer:
    """An answer for `indicator`: blank is no answer (BLANK); anything else must be a value the enterprise's
    record would take (`measures.indicator_values`, the rule the officer's edit applies too), for an indicator
    that applies to `enterprise` (when given) and is not derived from the register."""
    if value is None or (isinstance(value, str) and value.strip() == ""):
        if indicator.derived_from:  # not even a blank: nothing is typed in for it
            return indicator_value_clean(indicator=indicator, value=value, field=field, enterprise=enterprise)
        return BLANK
    return indicator_value_clean(indicator=indicator, value=value, field=field, enterprise=enterprise)


def applicable_ids(enterprise) -> set[int]:
    """The primary keys of the indicators that apply to `enterprise` now (measures.applicability)."""
    return set(applicable_indicators(enterprise).values_list("pk", flat=True))


def answer_role(indicator, applicable: set[int]) -> str:
    """What the form does with `indicator`'s answer, `applicable` being `applicable_ids(enterprise)`: REQUIRED,
    OPTIONAL (仅统计), DERIVED (from the register, read-only, never required) or NOT_APPLICABLE."""
    if indicator.pk not in applicable:
        return NOT_APPLICABLE
    if indicator.derived_from:
        return DERIVED
    if indicator.comparison == Comparison.INFO:
        return OPTIONAL
    return REQUIRED
