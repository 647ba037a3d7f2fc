"""What an indicator value may be, and how it reads: the one rule for every path that writes one, and the one way
every page, PDF and workbook shows one.

The officer's edit on the enterprise page (and anything else through `measures.services.indicator_value_set`), the
enterprise's answers in the self-assessment and the officer's corrections of them all refuse the same values with
the same messages (`indicator_value_clean`); templates (the `indicator_value` filter of
measures/templatetags/indicators.py), the assessment's PDF and its workbook all show values with `value_display`
and the verdict with `verdict_display`.

A value follows its indicator's kind (measures.choices.IndicatorKind):

- 是/否 (boolean): 是 or 否, stored as 1 or 0 in `value`;
- 数量 (count): a whole number, at least 0;
- 比例 (share): a percentage from 0 to 100 (two decimals);
- 日期 (date): a valid date, not after today, stored as YYYY-MM-DD in `text`;
- 文字 (text): up to 300 characters in `text`.

An indicator derived from the register (`derived_from`, measures/derived.py) is never typed in, and a value for an
indicator that does not apply to the enterprise (measures.applicability) is refused.
"""

import datetime
import re
import unicodedata
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import NamedTuple

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from .choices import Comparison, Derivation, IndicatorKind
from .models import plain_number

# The column is numeric(14, 2): twelve digits before the point, two after (more are rounded half up, as
# PostgreSQL rounds).
LIMIT = Decimal("1e12")
CENTS = Decimal("0.01")
TEXT_MAX = 300
# The kinds whose value is held as text (`IndicatorValue.text`); the others are numbers (`IndicatorValue.value`).
TEXT_KINDS = (IndicatorKind.DATE, IndicatorKind.TEXT)
TRUE_WORDS = {"是", "true", "1", "yes", "y"}
FALSE_WORDS = {"否", "false", "0", "no", "n"}
# A date as people type it: 2024-03-01, 2024/3/1, 2024.3.1, 2024年3月1日.
DATE_PATTERN = re.compile(r"^(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?$")
EARLIEST_DATE = datetime.date(1900, 1, 1)


class IndicatorAnswer(NamedTuple):
    """A value as stored: `value` for the numeric kinds (a 是/否 as 1 or 0), `text` for a date or a text."""

    value: Decimal | None = None
    text: str = ""

    @property
    def is_blank(self) -> bool:
        return self.value is None and not self.text


BLANK = IndicatorAnswer()


class _Refused(Exception):
    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


# Which indicators take a typed value ------------------------------------------------------------------------------


def holds_text(indicator) -> bool:
    """Whether `indicator`'s value is held as text (a date or a text) rather than as a number."""
    return indicator.kind in TEXT_KINDS


def indicator_applies(indicator, enterprise) -> bool:
    """Whether `indicator` is asked of `enterprise` (measures.applicability decides)."""
    from .applicability import applicable_indicators

    return applicable_indicators(enterprise).filter(pk=indicator.pk).exists()


def derived_source(indicator) -> str:
    """Where a derived indicator's value comes from, as the reader is told (empty for a typed one)."""
    if not indicator.derived_from:
        return ""
    return str(Derivation(indicator.derived_from).label)


def derived_refusal(indicator) -> str:
    return _("该指标由企业信息推算（%(source)s），不单独填报；如需更改，请修改企业信息。") % {
        "source": derived_source(indicator)
    }


# The rule ---------------------------------------------------------------------------------------------------------


def indicator_value_clean(*, indicator, value, field: str = "value", enterprise=None) -> IndicatorAnswer:
    """`value` (as typed, or as an API sends it) as it is stored for `indicator`.

    Raises ValidationError({field: [message]}) when `indicator` does not apply to `enterprise` (when given), is
    derived from the register, or `value` is not one its kind takes: a 是/否 other than 是/否 (1/0, true/false),
    a count that is not a whole number ≥ 0, a share outside 0–100, an invalid or future date, an empty or overlong
    text. Numbers are rounded to cents (half up)."""
    if enterprise is not None and not indicator_applies(indicator, enterprise):
        raise ValidationError({field: [_("该指标不适用于本企业。")]})
    if indicator.derived_from:
        raise ValidationError({field: [derived_refusal(indicator)]})
    clean = {
        IndicatorKind.BOOLEAN: _boolean,
        IndicatorKind.COUNT: _count,
        IndicatorKind.SHARE: _share,
        IndicatorKind.DATE: _date,
        IndicatorKind.TEXT: _text,
    }.get(indicator.kind, _count)
    try:
        return clean(value)
    except _Refused as refused:
        raise ValidationError({field: [refused.message]}) from None


def _number(value) -> Decimal:
    if isinstance(value, bool):
        raise _Refused(_("请输入数字。"))
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise _Refused(_("请输入数字。")) from None
    if not number.is_finite() or abs(number) >= LIMIT or abs(_cents(number)) >= LIMIT:
        raise _Refused(_("请输入数字。"))
    if number < 0:
        raise _Refused(_("指标值不能为负数。"))
    return number


def _boolean(value) -> IndicatorAnswer:
    refusal = _("此项指标只能填“是”或“否”。")
    if isinstance(value, bool):
        return IndicatorAnswer(_cents(Decimal(int(value))))
    word = str(value).strip().lower() if value is not None else ""
    if word in TRUE_WORDS:
        return IndicatorAnswer(Decimal("1.00"))
    if word in FALSE_WORDS:
        return IndicatorAnswer(Decimal("0.00"))
    try:
        number = Decimal(word)
    except (InvalidOperation, ValueError):
        raise _Refused(refusal) from None
    if not number.is_finite() or number not in (0, 1):
        raise _Refused(refusal)
    return IndicatorAnswer(_cents(number))


def _count(value) -> IndicatorAnswer:
    number = _number(value)
    if number != number.to_integral_value():
        raise _Refused(_("此项指标应为整数（不小于 0）。"))
    return IndicatorAnswer(_cents(number))


def _share(value) -> IndicatorAnswer:
    if isinstance(value, str):
        value = value.strip().removesuffix("%").removesuffix("％")
    number = _cents(_number(value))
    if number > 100:
        raise _Refused(
            _("比例应在 0 到 100 之间（单位为 %%），%(value)s%% 超过了 100%%。") % {"value": plain_number(number)}
        )
    return IndicatorAnswer(number)


def _date(value) -> IndicatorAnswer:
    refusal = _("请输入有效的日期，如 2024-03-01。")
    if isinstance(value, datetime.datetime):
        value = value.date()
    if isinstance(value, datetime.date):
        day = value
    else:
        match = DATE_PATTERN.match(str(value if value is not None else "").strip())
        if not match:
            raise _Refused(refusal)
        try:
            day = datetime.date(*(int(part) for part in match.groups()))
        except ValueError:
            raise _Refused(refusal) from None
    if day < EARLIEST_DATE:
        raise _Refused(refusal)
    today = timezone.localdate()
    if day > today:
        raise _Refused(_("日期不能晚于今天（%(today)s）。") % {"today": today.isoformat()})
    return IndicatorAnswer(text=day.isoformat())


def _text(value) -> IndicatorAnswer:
    if value is None or isinstance(value, (bool, list, dict)):
        raise _Refused(_("请填写内容。"))
    text = " ".join(str(value).split())  # one line: runs of spaces, tabs and line breaks become one space
    if not text:
        raise _Refused(_("请填写内容。"))
    if any(unicodedata.category(c) == "Cc" for c in text):
        raise _Refused(_("内容含有不能保存的控制字符。"))
    if len(text) > TEXT_MAX:
        raise _Refused(_("内容不超过 %(max)s 字（现为 %(n)s 字）。") % {"max": TEXT_MAX, "n": len(text)})
    return IndicatorAnswer(text=text)


def _cents(number: Decimal) -> Decimal:
    return number.quantize(CENTS, rounding=ROUND_HALF_UP)


# How a value reads ------------------------------------------------------------------------------------------------


def as_answer(indicator, value) -> IndicatorAnswer:
    """`value` in any of the shapes the portal holds one (an IndicatorValue, an IndicatorAnswer, a number, a date,
    a text, a 是/否, None) as an IndicatorAnswer for `indicator`, without judging it."""
    if value is None:
        return BLANK
    if isinstance(value, IndicatorAnswer):
        return value
    if hasattr(value, "value") and hasattr(value, "text"):  # an IndicatorValue
        return IndicatorAnswer(value.value, value.text or "")
    if isinstance(value, bool):
        return IndicatorAnswer(Decimal(int(value)))
    if isinstance(value, (int, float, Decimal)):
        return IndicatorAnswer(Decimal(str(value)))
    if isinstance(value, datetime.date):
        return IndicatorAnswer(text=value.isoformat())
    text = str(value).strip()
    if not text:
        return BLANK
    if holds_text(indicator):
        return IndicatorAnswer(text=text)
    try:
        return IndicatorAnswer(Decimal(text))
    except (InvalidOperation, ValueError):
        return IndicatorAnswer(text=text)


def value_display(indicator, value) -> str:
    """`value` of `indicator` as every page, PDF and workbook shows it: 是/否, 12个, 60%, 2024-03-01, a text;
    empty when there is none."""
    answer = as_answer(indicator, value)
    if answer.is_blank:
        return ""
    kind = indicator.kind
    if kind in TEXT_KINDS or answer.value is None:
        return answer.text
    if kind == IndicatorKind.BOOLEAN:
        return str(_("是")) if answer.value >= 1 else str(_("否"))
    return f"{plain_number(answer.value)}{indicator.display_unit}"


def value_input(indicator, value) -> str:
    """`value` as it is typed back into its input: 1/0 for 是/否, 60 not 60.00, the text of a date or a text."""
    answer = as_answer(indicator, value)
    if answer.is_blank:
        return ""
    if indicator.kind in TEXT_KINDS or answer.value is None:
        return answer.text
    if indicator.kind == IndicatorKind.BOOLEAN:
        return "1" if answer.value >= 1 else "0"
    return plain_number(answer.value)


def verdict_display(indicator, value) -> str:
    """达标 / 未达标 for a value against the target; 仅统计 for an indicator that only counts (whatever its value);
    empty when there is no value to judge."""
    if indicator.comparison == Comparison.INFO:
        return str(_("仅统计"))
    answer = as_answer(indicator, value)
    met = indicator.is_met(answer.value)
    if met is None:
        return ""
    return str(_("达标")) if met else str(_("未达标"))


# Values in a workbook ---------------------------------------------------------------------------------------------


def sheet_value(indicator, value):
    """`value` of `indicator` for a workbook cell: a number stays a number (a share with a % format, see
    `sheet_format`), a 是/否, a date or a text is its text; None when there is none."""
    answer = as_answer(indicator, value)
    if answer.is_blank:
        return None
    if indicator.kind in (IndicatorKind.COUNT, IndicatorKind.SHARE) and answer.value is not None:
        return answer.value
    return value_display(indicator, answer)


def sheet_format(indicator) -> str:
    """The number format of `indicator`'s value cells (60 shows as 60%; a count as a whole number)."""
    if indicator.kind == IndicatorKind.SHARE:
        return 'General"%"'
    if indicator.kind == IndicatorKind.COUNT:
        return "0"
    return "General"
