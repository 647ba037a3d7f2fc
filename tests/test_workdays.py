"""The working-day calendar (reform_portal/workdays.py) against the State Council's published notices, as shipped by
the pinned `chinese-calendar` package, and its weekends-only fallback for a year not yet published.

2025: 国务院办公厅关于2025年部分节假日安排的通知（国办发明电〔2024〕12号）: 国庆节、中秋节 10月1日至8日放假调休，
共8天；9月28日（周日）、10月11日（周六）上班. 春节 1月28日至2月4日放假调休，1月26日（周日）、2月8日（周六）上班.
2026: 国务院办公厅关于2026年部分节假日安排的通知: 春节 2月15日至23日放假调休，共9天；
2月14日（周六）、2月28日（周六）上班.
"""

from datetime import date, timedelta

import chinese_calendar.constants as published

from reform_portal import workdays


def _weekdays(start: date, end: date) -> int:
    """An independent count of Monday–Friday days (for the years without published holidays)."""
    return sum(1 for n in range((end - start).days + 1) if (start + timedelta(days=n)).weekday() < 5)


def test_the_package_ships_the_published_years_up_to_2026():
    assert workdays.covered_years() == (2004, 2026)
    assert workdays.is_covered(2025) and workdays.is_covered(2026) and not workdays.is_covered(2027)


def test_national_day_2025_and_its_make_up_working_days():
    # the package's own data says what the notice says
    national_day = [date(2025, 10, d) for d in range(1, 9)]
    assert all(d in published.holidays for d in national_day)
    assert date(2025, 9, 28) in published.workdays and date(2025, 10, 11) in published.workdays
    # 10月1日-8日 off (Wednesday to Wednesday, weekdays included)
    assert not any(workdays.is_workday(d) for d in national_day)
    # 9月28日 is a Sunday and 10月11日 a Saturday, both working days (调休)
    assert date(2025, 9, 28).weekday() == 6 and workdays.is_workday(date(2025, 9, 28))
    assert date(2025, 10, 11).weekday() == 5 and workdays.is_workday(date(2025, 10, 11))
    # an ordinary weekend around it stays off
    assert not workdays.is_workday(date(2025, 10, 12)) and not workdays.is_workday(date(2025, 9, 27))


def test_spring_festival_2025_and_2026():
    assert not any(workdays.is_workday(date(2025, 1, 28) + timedelta(days=n)) for n in range(8))  # 1月28日-2月4日
    assert workdays.is_workday(date(2025, 1, 26)) and workdays.is_workday(date(2025, 2, 8))
    assert not any(workdays.is_workday(date(2026, 2, 15) + timedelta(days=n)) for n in range(9))  # 2月15日-23日
    assert workdays.is_workday(date(2026, 2, 14)) and workdays.is_workday(date(2026, 2, 28))


def test_a_deadline_on_a_day_off_moves_to_the_next_working_day():
    assert workdays.next_workday(date(2025, 10, 1)) == date(2025, 10, 9)  # National Day → Thursday 9th
    assert workdays.next_workday(date(2025, 10, 9)) == date(2025, 10, 9)  # already a working day
    assert workdays.next_workday(date(2025, 10, 11)) == date(2025, 10, 11)  # a make-up Saturday stays
    assert workdays.next_workday(date(2025, 10, 12)) == date(2025, 10, 13)  # an ordinary Sunday → Monday
    assert workdays.next_workday(date(2026, 2, 15)) == date(2026, 2, 24)  # Spring Festival 2026


def test_working_days_are_counted_with_holidays_and_make_up_days():
    # 9月28日 (Sun, worked), 29, 30, then 1-8 off, 9, 10 (Thu, Fri), 11 (Sat, worked): 6 working days
    assert workdays.workdays_between(date(2025, 9, 28), date(2025, 10, 12)) == 6
    # the same fortnight counted by weekdays alone would be 10: the calendar matters
    assert _weekdays(date(2025, 9, 28), date(2025, 10, 12)) == 10
    assert workdays.workdays_between(date(2025, 10, 1), date(2025, 10, 8)) == 0
    assert workdays.workdays_between(date(2025, 10, 9), date(2025, 10, 8)) == 0  # end before start
    assert workdays.nth_workday_after(date(2025, 9, 30), 1) == date(2025, 10, 9)
    assert workdays.nth_workday_after(date(2025, 10, 9), 2) == date(2025, 10, 11)


def test_a_year_not_yet_published_counts_weekends_only():
    # 2027's notice is not in the package: 1 October 2027 (a Friday) is a working day here, the weekend is not
    assert date(2027, 10, 1).weekday() == 4
    assert workdays.is_workday(date(2027, 10, 1)) and not workdays.is_workday(date(2027, 10, 2))
    assert workdays.next_workday(date(2027, 10, 2)) == date(2027, 10, 4)
    start, end = date(2027, 1, 1), date(2027, 3, 31)
    assert workdays.workdays_between(start, end) == _weekdays(start, end)
    assert workdays.uncovered_years([date(2026, 12, 31), date(2027, 1, 4), date(2028, 1, 3)]) == [2027, 2028]
    # across the turn of the year, each side by its own rule: 1-3 January 2026 are the published New Year holiday
    assert workdays.workdays_between(date(2025, 12, 29), date(2026, 1, 4)) == 4  # 29, 30, 31 Dec and Sunday 4 Jan


def test_the_last_working_day_before():
    assert workdays.previous_workday(date(2025, 10, 9)) == date(2025, 9, 30)  # across National Day
    assert workdays.previous_workday(date(2025, 10, 13)) == date(2025, 10, 11)  # the make-up Saturday


def test_the_one_countdown_does_not_count_the_day_itself():
    # 2025-09-30 (Tue) to the due date 2025-10-09 (Thu): 1-8 October are off, so only the 9th is left
    assert workdays.workdays_left(date(2025, 10, 9), date(2025, 9, 30)) == 1
    assert workdays.countdown_text(date(2025, 10, 9), date(2025, 9, 30)) == "剩余 1 个工作日"
    assert workdays.countdown_text(date(2025, 10, 9), date(2025, 10, 9)) == "今日到期"
    # the day after: 1 working day overdue; the make-up Saturday 2025-10-11 counts, Sunday the 12th does not
    assert workdays.countdown_text(date(2025, 10, 9), date(2025, 10, 10)) == "已逾期 1 个工作日"
    assert workdays.workdays_overdue(date(2025, 10, 9), date(2025, 10, 12)) == 2
    # a due date passed with no working day since (Friday due, Saturday seen)
    assert workdays.countdown_text(date(2026, 3, 6), date(2026, 3, 7), past="已截止") == "已截止"
    # at most 3 working days left on Thursday 2026-04-02 (Qingming 4-6 April off): up to Wednesday the 8th
    assert workdays.last_due_within(date(2026, 4, 2), 3) == date(2026, 4, 8)
    assert workdays.workdays_left(date(2026, 4, 8), date(2026, 4, 2)) == 3
    assert workdays.workdays_left(date(2026, 4, 9), date(2026, 4, 2)) == 4
