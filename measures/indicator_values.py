"""What an indicator value may be: the one rule for every path that writes one. The officer's edit on the
enterprise page (and anything else through `measures.services.indicator_value_set`), the enterprise's answers
in the self-assessment and the officer's corrections of them all refuse the same values with the same messages."""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from .choices import Comparison

# The column is numeric(14, 2): twelve digits before the point, two after (more are rounded half up, as
# PostgreSQL rounds).
LIMIT = Decimal("1e12")
CENTS = Decimal("0.01")


def indicator_value_clean(*, indicator, value, field: str = "value") -> Decimal:
    """`value` (a number, or its text as typed) as it is stored for `indicator`: a Decimal rounded to cents (half up).

    Raises ValidationError({field: [message]}) for anything that is not a finite number within the column, a
    negative number, a yes/no indicator's value other than 1 or 0, or a percentage above 100 (unless the
    target is a minimum)."""
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValidationError({field: [_("请输入数字。")]}) from None
    if not number.is_finite() or abs(number) >= LIMIT or abs(_cents(number)) >= LIMIT:
        raise ValidationError({field: [_("请输入数字。")]})
    if number < 0:
        raise ValidationError({field: [_("指标值不能为负数。")]})
    if indicator.comparison == Comparison.TRUE and number not in (0, 1):
        raise ValidationError({field: [_("此项指标只能填“是”（1）或“否”（0）。")]})
    if indicator.unit == "%" and number > 100 and indicator.comparison != Comparison.GTE:
        raise ValidationError({field: [_("百分比不能超过 100。")]})
    return _cents(number)


def _cents(number: Decimal) -> Decimal:
    return number.quantize(CENTS, rounding=ROUND_HALF_UP)
