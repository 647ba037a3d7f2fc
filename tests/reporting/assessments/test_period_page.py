"""填报期管理: the period list answers for every period, whoever opened it (or nobody on record)."""

import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from reporting.assessments.models import ReportingPeriod

pytestmark = pytest.mark.django_db


def _period(*, province_id, year, opened_by):
    today = timezone.localdate()
    return ReportingPeriod.objects.create(
        year=year,
        province_id=province_id,
        opens_on=today - timedelta(days=5),
        deadline=today + timedelta(days=25),
        opened_by=opened_by,
    )


def _opener_cell(body: str, period) -> str:
    row = re.search(rf'<tr id="period-{period.pk}">(.*?)</tr>', body, re.S).group(1)
    return re.search(r'<td class="small">(.*?)</td>', row, re.S).group(1).strip()


def test_period_list_shows_periods_with_and_without_a_recorded_opener(client, users):
    # given a period opened by nobody on record (as the demo data's, or after the opener's account was deleted)
    # and one opened by a named user
    province_id = users["sasac-yn"].profile.province_id
    year = timezone.localdate().year
    unknown = _period(province_id=province_id, year=year, opened_by=None)
    opener = users["sasac-yn"]
    opener.first_name, opener.last_name = "丽", "张"
    opener.save()
    known = _period(province_id=province_id, year=year - 1, opened_by=opener)
    # when its province's SASAC staff open the period management page
    client.force_login(users["sasac-yn"])
    response = client.get(reverse("reporting:assessments:periods"))
    # then the page lists both: a dash for the unknown opener, the name of the known one
    assert response.status_code == 200
    body = response.content.decode()
    assert _opener_cell(body, unknown) == "—"
    assert _opener_cell(body, known) == opener.get_full_name()
