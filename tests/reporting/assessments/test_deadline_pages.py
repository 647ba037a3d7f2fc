"""Where the deadline appears, the working days left or overdue; the periods page sets the reminder offsets and tells
administrators when a year is counted by weekends only (docs/reminders.md)."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reform_portal import workdays
from reporting.assessments.models import ReportingPeriod

pytestmark = pytest.mark.django_db


def _expected_left(deadline: date, today: date) -> int:
    """Working days after today up to the due date, counted here day by day."""
    due = deadline
    while not workdays.is_workday(due):
        due += timedelta(days=1)
    return sum(workdays.is_workday(today + timedelta(days=n)) for n in range(1, (due - today).days + 1))


def test_the_overview_and_the_enterprise_pages_show_the_working_days_left(client, users, yn_period, draft):
    # given the period of 云南 due in 25 days (tests.factories.open_period)
    text = f"剩余 {_expected_left(yn_period.deadline, timezone.localdate())} 个工作日"
    # then the officer's overview, the enterprise's form and its home panel show the working days left
    client.force_login(users["officer-yn"])
    assert text in client.get(reverse("reporting:assessments:index")).content.decode()
    client.force_login(users["enterprise-yn"])
    page = client.get(reverse("reporting:assessments:detail", args=[draft.pk])).content.decode()
    assert 'data-testid="deadline-state"' in page and text in page


def test_an_overdue_period_shows_the_working_days_overdue(client, users, yn_period):
    # given a deadline moved into the past, on a working day a week or more ago
    today = timezone.localdate()
    deadline = today - timedelta(days=7)
    while not workdays.is_workday(deadline):
        deadline -= timedelta(days=1)
    ReportingPeriod.objects.filter(pk=yn_period.pk).update(opens_on=deadline - timedelta(days=30), deadline=deadline)
    overdue = sum(workdays.is_workday(deadline + timedelta(days=n)) for n in range(1, (today - deadline).days + 1))
    client.force_login(users["officer-yn"])
    assert f"已逾期 {overdue} 个工作日" in client.get(reverse("reporting:assessments:index")).content.decode()


def test_the_periods_page_sets_the_reminder_offsets(client, users, yn_period):
    client.force_login(users["sasac-yn"])
    url = reverse("reporting:assessments:period_update", args=[yn_period.pk])
    base = {"deadline": yn_period.deadline.isoformat(), "is_open": "on"}
    # a form without the field leaves them as they are (the default)
    client.post(url, base)
    yn_period.refresh_from_db()
    assert yn_period.reminder_offsets == [30, 7, 1, -1]
    # new offsets are saved, largest first, and recorded in the period's history
    client.post(url, {**base, "reminder_offsets": "3, 14，-2"})
    yn_period.refresh_from_db()
    assert yn_period.reminder_offsets == [14, 3, -2]
    assert yn_period.events.order_by("-pgh_id").first().reminder_offsets == [14, 3, -2]
    # a repeated offset is refused, nothing saved
    response = client.post(url, {**base, "reminder_offsets": "7, 7"}, follow=True)
    assert "提醒时点不能重复" in response.content.decode()
    yn_period.refresh_from_db()
    assert yn_period.reminder_offsets == [14, 3, -2]


def test_administrators_are_told_of_a_year_counted_by_weekends_only(client, users):
    # given an open period due in a year the calendar package does not ship
    first, last = workdays.covered_years()
    year = last + 1
    ReportingPeriod.objects.create(
        year=year,
        province_id=users["sasac-yn"].profile.province_id,
        opens_on=date(year, 1, 1),
        deadline=date(year, 3, 31),
    )
    # then SASAC staff (who manage periods) and administrators see the notice on the periods page; enterprises not
    url = reverse("reporting:assessments:periods")
    for who in ("sasac-yn", "admin"):
        client.force_login(users[who])
        page = client.get(url).content.decode()
        assert 'id="calendar-notice"' in page and f"{year}" in page and f"{first}–{last}" in page
    client.force_login(users["enterprise-yn"])
    assert 'id="calendar-notice"' not in client.get(url).content.decode()
    # and the admin's period list too
    client.force_login(users["admin"])
    admin_page = client.get(reverse("admin:assessments_reportingperiod_changelist")).content.decode()
    assert f"尚未收录 {year} 年" in admin_page
