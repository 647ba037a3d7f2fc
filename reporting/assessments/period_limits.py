"""The one rule for a reporting period's year and dates, read by the model (its `clean` and its check constraints),
the period form, the API serializers and the services.

A period belongs to a year between `YEAR_MIN` and `YEAR_MAX`, and its dates fall within that year or the year
before or after (a period of 2026 may open in December 2025 and close in January 2027); the deadline is not before
the opening. A year of 20266, or dates of 0001-01-01 … 9999-12-31, are a typing slip or an attack: refused, so that
no enterprise is ever shown such a period."""

from datetime import date

from django.utils.translation import gettext as _

from .choices import REVIEW_LEVELS_MAX, REVIEW_LEVELS_MIN

__all__ = ["REVIEW_LEVELS_MAX", "REVIEW_LEVELS_MIN", "period_problems", "review_levels_problem", "year_problem"]

YEAR_MIN = 2000
YEAR_MAX = 2100
DATE_SLACK_YEARS = 1  # dates may fall this many years before or after the period's year


def date_bounds(year: int) -> tuple[date, date]:
    """The first and last day a period of `year` may have."""
    return date(year - DATE_SLACK_YEARS, 1, 1), date(year + DATE_SLACK_YEARS, 12, 31)


def year_problem(year) -> str | None:
    if year is not None and not YEAR_MIN <= year <= YEAR_MAX:
        return _("年度须在 %(min)s 至 %(max)s 之间。") % {"min": YEAR_MIN, "max": YEAR_MAX}
    return None


def period_problems(*, year, opens_on, deadline) -> dict[str, list[str]]:
    """What is wrong with a period's year and dates, by field (empty when nothing is)."""
    errors: dict[str, list[str]] = {}
    if opens_on and deadline and deadline < opens_on:
        errors["deadline"] = [_("截止日期不能早于开始日期。")]
    problem = year_problem(year)
    if problem:
        errors["year"] = [problem]
    elif year is not None:
        first, last = date_bounds(year)
        for field, value in (("opens_on", opens_on), ("deadline", deadline)):
            if value is not None and not first <= value <= last and field not in errors:
                errors[field] = [
                    _("%(year)s年度填报期的日期须在 %(first)s 至 %(last)s 之间。")
                    % {"year": year, "first": first, "last": last}
                ]
    return errors


# How many levels review a period's forms (1: the officer in charge accepts; 2: the officer in charge forwards and
# the province union accepts): the model's check constraint, the form, the serializer and the services.


def review_levels_problem(levels) -> str | None:
    if isinstance(levels, bool) or not isinstance(levels, int) or not REVIEW_LEVELS_MIN <= levels <= REVIEW_LEVELS_MAX:
        return _("审核层级只能是 1（一级审核）或 2（两级审核）。")
    return None
