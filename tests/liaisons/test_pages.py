"""The pages: the enterprise page's 产改联络员 box, assign / end, 我联系的企业, the visit form with its messages next to
the fields, the list's filters and export, the edit refused when stale."""

import io
import re
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.liaisons.models import LiaisonAssignment, Visit

from .conftest import log_visit

pytestmark = pytest.mark.django_db
TODAY = timezone.localdate


def _html(response) -> str:
    return response.content.decode()


def test_the_enterprise_page_box_assign_and_end(client, users, liaison, yn_enterprise):
    client.force_login(users["officer-yn"])
    page = _html(client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])))
    assert 'id="enterprise-liaisons"' in page and 'id="liaison-assign"' in page
    assert f'<option value="{liaison.pk}">' in page
    assert f'<option value="{users["officer-yn"].pk}">' not in page  # not qualified
    done = client.post(reverse("liaisons:assign", args=[yn_enterprise.pk]), {"role": "liaison", "user": liaison.pk})
    assert done.status_code == 302
    assignment = LiaisonAssignment.objects.get()
    page = _html(client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])))
    assert f'data-assignment="{assignment.pk}"' in page and "联络员" in page
    # the enterprise's own user sees the box, without the form or the end button
    client.force_login(users["enterprise-yn"])
    page = _html(client.get(reverse("enterprises:detail", args=[yn_enterprise.pk])))
    assert f'data-assignment="{assignment.pk}"' in page
    assert 'id="liaison-assign"' not in page and "liaison-end" not in page and 'id="visit-log"' not in page
    client.force_login(users["officer-yn"])
    assert client.post(reverse("liaisons:end", args=[assignment.pk])).status_code == 302
    assignment.refresh_from_db()
    assert assignment.ended_at is not None


def test_assigning_twice_shows_the_message_at_the_field(client, users, liaison, yn_enterprise):
    client.force_login(users["officer-yn"])
    url = reverse("liaisons:assign", args=[yn_enterprise.pk])
    client.post(url, {"role": "liaison", "user": liaison.pk})
    again = client.post(url, {"role": "liaison", "user": liaison.pk})
    assert again.status_code == 400
    assert "该人员已是该企业的联络员" in again.context["form"].errors["user"][0]


def test_mine_lists_my_enterprises_with_their_last_visit(client, users, liaison, yn_enterprise):
    from enterprises.liaisons import services

    services.assignment_create(enterprise=yn_enterprise, user=liaison, role="liaison", by=users["admin"])
    log_visit(yn_enterprise, liaison, days=6)
    log_visit(yn_enterprise, users["officer-yn"], days=3)
    client.force_login(liaison)
    page = _html(client.get(reverse("liaisons:mine")))
    row = re.search(rf'<tr data-enterprise="{yn_enterprise.pk}">(.*?)</tr>', page, re.S).group(1)
    assert yn_enterprise.name in row and (TODAY() - timedelta(days=3)).strftime("%Y-%m-%d") in row
    client.force_login(users["officer-yn"])
    assert f'data-enterprise="{yn_enterprise.pk}"' not in _html(client.get(reverse("liaisons:mine")))


def test_the_visit_form_shows_each_message_next_to_its_field(client, users, yn_enterprise):
    client.force_login(users["officer-yn"])
    url = reverse("liaisons:visit_create", args=[yn_enterprise.pk])
    body = {
        "visited_on": (TODAY() + timedelta(days=2)).isoformat(),
        "people_met": "王主席",
        "questions_answered": "问题",
        "follow_up_due": TODAY().isoformat(),
    }
    answer = client.post(url, body)
    assert answer.status_code == 400
    errors = answer.context["form"].errors
    assert "走访日期不能晚于今天" in errors["visited_on"][0]
    assert "请同时写明后续事项" in errors["follow_ups"][0]
    page = _html(answer)
    assert re.search(r'id="error_1_id_visited_on"[^>]*>.*?走访日期不能晚于今天', page, re.S)
    assert not Visit.objects.exists()
    ok = client.post(url, {**body, "visited_on": TODAY().isoformat(), "follow_ups": "送资料"})
    visit = Visit.objects.get()
    assert ok.status_code == 302 and ok["Location"] == reverse("liaisons:visit_detail", args=[visit.pk])
    assert visit.recorded_by == users["officer-yn"]


def test_an_edit_based_on_an_old_version_is_refused(client, users, yn_enterprise):
    visit = log_visit(yn_enterprise, users["officer-yn"])
    client.force_login(users["officer-yn"])
    url = reverse("liaisons:visit_edit", args=[visit.pk])
    body = {
        "visited_on": visit.visited_on.isoformat(),
        "people_met": "李经理",
        "questions_answered": visit.questions_answered,
        "version": 1,
    }
    assert client.post(url, body).status_code == 302
    stale = client.post(url, {**body, "people_met": "赵经理"})
    assert stale.status_code == 400 and 'id="visit-stale"' in _html(stale) and "李经理" in _html(stale)
    visit.refresh_from_db()
    assert visit.people_met == "李经理" and visit.version == 2


def test_the_list_filters_and_exports(client, users, yn_enterprise, sx_soe):
    recent = log_visit(yn_enterprise, users["officer-yn"], days=1, questions_answered="=HYPERLINK(1)")
    old = log_visit(yn_enterprise, users["officer-yn"], days=50)
    log_visit(sx_soe, users["officer-sx"], days=1)
    client.force_login(users["sasac-yn"])
    page = _html(client.get(reverse("liaisons:visit_list")))
    assert re.findall(r'data-visit="(\d+)"', page) == [str(recent.pk), str(old.pk)]
    since = (TODAY() - timedelta(days=10)).isoformat()
    page = _html(client.get(reverse("liaisons:visit_list"), {"date_from": since}))
    assert re.findall(r'data-visit="(\d+)"', page) == [str(recent.pk)]
    export = client.get(reverse("liaisons:visit_export"), {"date_from": since})
    assert export.status_code == 200
    sheet = load_workbook(io.BytesIO(export.content)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) == 2 and rows[1][1] == yn_enterprise.name and rows[1][8] == "=HYPERLINK(1)"
    assert [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"] == []  # text, not a formula


def test_the_export_is_capped(client, users, yn_enterprise, settings):
    settings.VISIT_EXPORT_MAX_ROWS = 1
    log_visit(yn_enterprise, users["officer-yn"], days=1)
    log_visit(yn_enterprise, users["officer-yn"], days=2)
    client.force_login(users["officer-yn"])
    answer = client.get(reverse("liaisons:visit_export"))
    assert answer.status_code == 302 and answer["Location"].startswith(reverse("liaisons:visit_list"))


def test_the_county_filter_and_a_reversed_range_are_answered_at_their_fields(client, users, yn_enterprise):
    from enterprises.models import Enterprise, Region

    wuhua = Region.objects.get(code="530102")
    Enterprise.objects.filter(pk=yn_enterprise.pk).update(county=wuhua)
    in_county = log_visit(yn_enterprise, users["officer-yn"], days=1)
    client.force_login(users["officer-yn"])
    page = _html(client.get(reverse("liaisons:visit_list"), {"county": "530102"}))
    assert re.findall(r'data-visit="(\d+)"', page) == [str(in_county.pk)]
    assert (
        re.findall(r'data-visit="(\d+)"', _html(client.get(reverse("liaisons:visit_list"), {"county": "530103"}))) == []
    )
    bad = client.get(
        reverse("liaisons:visit_list"), {"county": "999999", "date_from": "2025-02-01", "date_to": "2025-01-01"}
    )
    errors = bad.context["filter"].form.errors
    assert "没有这个县（市、区）代码" in errors["county"][0] and "结束日期不能早于开始日期" in errors["date_to"][0]
