"""The working-day calendar of the mainland: weekends, the State Council's public holidays and its make-up working
days (调休), in one place.

The holidays and make-up days come from the `chinese-calendar` package (MIT; pinned in requirements.txt), which ships
the days of each year's 国务院办公厅关于X年部分节假日安排的通知 once it is published (1.11.0: 2004 to 2026). Nothing
here is invented: for a year the package does not cover (the next year's notice usually appears in November), a day
off is a Saturday or a Sunday and nothing else, and `uncovered_years` names the years concerned so that the periods
page tells administrators, and the reminder task logs it, until the package is upgraded.

Faces:
- `is_workday(day)`: a working day (a make-up Saturday is one, a holiday Monday is not);
- `next_workday(day)`: `day` itself when it is a working day, otherwise the first working day after it (a deadline
  falling on a day off moves there);
- `workdays_between(start, end)`: how many working days in `start`‥`end`, both included;
- `nth_workday_after(day, n)`: the n-th working day after `day` (n ≥ 1); `previous_workday(day)`: the last before it;
- `workdays_left(due, on)`, `workdays_overdue(due, on)`, `countdown_text(due, on)`: THE countdown of every time limit
  (supervision orders, the self-assessment's deadline, the questions' answer time), one convention for all: the day
  `on` itself is not counted (民法典 第二百零一条：“按照年、月、日计算期间的，开始的当日不计入，自下一日开始计算”), so
  a limit of 5 working days shows 剩余 5 个工作日 on the day it starts and 今日到期 on its last day;
  `last_due_within(on, n)`: the latest due date with at most n working days left (the supervision's yellow light);
- `is_covered(year)`, `covered_years()`, `uncovered_years(days)`: what the package knows.
"""

from collections.abc import Iterable
from datetime import date, timedelta
from functools import lru_cache

import chinese_calendar
from chinese_calendar import constants as _published
from django.utils.translation import gettext, ngettext

# the longest run of days off the State Council has published is 9 days (2026's Spring Festival); a search for the
# next working day that runs further than this has met a bug, not a holiday
_MAX_RUN_OFF = 31


@lru_cache(maxsize=1)
def covered_years() -> tuple[int, int]:
    """The first and last year whose holidays the installed package ships."""
    years = [d.year for d in _published.holidays]
    return min(years), max(years)


def is_covered(year: int) -> bool:
    first, last = covered_years()
    return first <= year <= last


def uncovered_years(days: Iterable[date]) -> list[int]:
    """The years of `days` the package has no published holidays for (weekends only there), sorted."""
    return sorted({d.year for d in days if d is not None and not is_covered(d.year)})


def is_workday(day: date) -> bool:
    """A working day: by the State Council's calendar for a published year, Monday to Friday otherwise."""
    if is_covered(day.year):
        return chinese_calendar.is_workday(day)
    return day.weekday() < 5


def next_workday(day: date) -> date:
    """`day` when it is a working day, else the first working day after it."""
    for _ in range(_MAX_RUN_OFF):
        if is_workday(day):
            return day
        day += timedelta(days=1)
    raise ValueError(f"no working day within {_MAX_RUN_OFF} days of {day}")


def previous_workday(day: date) -> date:
    """The last working day before `day` (a deadline that has passed whatever the calendar: tests, examples)."""
    for _ in range(_MAX_RUN_OFF):
        day -= timedelta(days=1)
        if is_workday(day):
            return day
    raise ValueError(f"no working day within {_MAX_RUN_OFF} days before {day}")


def nth_workday_after(day: date, n: int) -> date:
    """The n-th working day after `day` (n ≥ 1; `day` itself is not counted)."""
    if n < 1:
        raise ValueError("n must be at least 1")
    while n:
        day += timedelta(days=1)
        if is_workday(day):
            n -= 1
    return day


def workdays_between(start: date, end: date) -> int:
    """How many working days from `start` to `end`, both included (0 when `end` is before `start`)."""
    if end < start:
        return 0
    count, day = 0, start
    while day <= end:
        count += is_workday(day)
        day += timedelta(days=1)
    return count


def workdays_left(due: date, on: date) -> int:
    """Working days after `on` up to `due` included (the day itself not counted): 0 on the due date and once past."""
    return workdays_between(on + timedelta(days=1), due)


def workdays_overdue(due: date, on: date) -> int:
    """Working days after `due` up to `on` included: 0 until the due date has passed."""
    return workdays_between(due + timedelta(days=1), on)


def last_due_within(on: date, n: int) -> date:
    """The latest due date that has at most `n` working days left on `on` (the day before the (n+1)-th working day
    after it)."""
    return nth_workday_after(on, n + 1) - timedelta(days=1)


def countdown_text(due: date, on: date, *, past: str | None = None) -> str:
    """剩余 N 个工作日 / 今日到期 / 已逾期 N 个工作日; `past` (default 已逾期) when the due date has passed but no
    working day since (a weekend right after it)."""
    if due < on:
        n = workdays_overdue(due, on)
        if not n:
            return past or gettext("已逾期")
        return ngettext("已逾期 %(n)s 个工作日", "已逾期 %(n)s 个工作日", n) % {"n": n}
    n = workdays_left(due, on)
    return ngettext("剩余 %(n)s 个工作日", "剩余 %(n)s 个工作日", n) % {"n": n} if n else gettext("今日到期")
