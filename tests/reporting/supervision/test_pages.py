"""The orders' pages: list with filters and light badges (bounded queries), detail with reply and decision, stale
decisions refused, the issue forms, the export's content."""

from datetime import timedelta
from io import BytesIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from reporting.supervision.choices import OrderStatus
from reporting.supervision.models import SupervisionOrder

from .conftest import TODAY, measures_of
from .test_services import PDF, _issue

pytestmark = pytest.mark.django_db


def test_list_shows_light_text_and_filters(client, users, yn_enterprise, second_yn, fixed_today):
    a, b = _issue(users, [yn_enterprise, second_yn], due_date=TODAY + timedelta(days=1))  # yellow
    SupervisionOrder.objects.filter(pk=b.pk).update(due_date=TODAY + timedelta(days=20))  # green
    client.force_login(users["sasac-yn"])
    page = client.get(reverse("supervision:list")).content.decode()
    assert a.number in page and "黄灯（临期）" in page and "绿灯（按期）" in page
    only_yellow = client.get(reverse("supervision:list"), {"light": "yellow"}).content.decode()
    assert a.number in only_yellow and b.number not in only_yellow
    client.force_login(users["sasac-sx"])
    assert a.number not in client.get(reverse("supervision:list")).content.decode()


def test_list_query_count_is_bounded(client, users, yn_enterprise, second_yn, django_assert_max_num_queries):
    client.force_login(users["officer-yn"])
    client.get(reverse("supervision:list"))
    for _ in range(5):
        _issue(users, [yn_enterprise, second_yn])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("supervision:list"))
    assert response.content.decode().count("data-order=") == 10


def test_reply_then_accept_through_the_pages(client, users, yn_enterprise):
    (order,) = _issue(users, [yn_enterprise])
    client.force_login(users["enterprise-yn"])
    page = client.get(reverse("supervision:detail", args=[order.pk])).content.decode()
    assert "reply-form" in page and "decision-form" not in page
    response = client.post(
        reverse("supervision:reply", args=[order.pk]),
        {"text": "已完成", "files": [SimpleUploadedFile("整改报告.pdf", PDF)]},
    )
    assert response.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.REPLIED
    client.force_login(users["sasac-yn"])
    page = client.get(reverse("supervision:detail", args=[order.pk])).content.decode()
    assert "整改报告.pdf" in page and "decision-form" in page
    stale = client.post(
        reverse("supervision:decide", args=[order.pk]), {"action": "accept", "version": order.version - 1}
    )
    assert stale.status_code == 400 and "已在别处被修改" in stale.content.decode()
    ok = client.post(reverse("supervision:decide", args=[order.pk]), {"action": "accept", "version": order.version})
    assert ok.status_code == 302
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED


def test_issue_form_refuses_a_past_due_date_next_to_the_field(client, users, yn_enterprise):
    client.force_login(users["sasac-yn"])
    url = reverse("supervision:issue", args=[yn_enterprise.pk])
    data = {
        "measures": [m.pk for m in measures_of(yn_enterprise, 1)],
        "request": "请整改",
        "due_date": (TODAY - timedelta(days=1)).isoformat(),
    }
    response = client.post(url, data)
    assert response.status_code == 200 and "办结期限不能早于今天" in response.content.decode()
    assert not SupervisionOrder.objects.exists()
    data["due_date"] = (TODAY + timedelta(days=5)).isoformat()
    assert client.post(url, data).status_code == 302
    assert SupervisionOrder.objects.count() == 1


def test_issue_by_filter_shows_the_count_then_issues(client, users, yn_enterprise, second_yn, kunming):
    client.force_login(users["officer-yn"])
    url = reverse("supervision:issue_by_filter") + f"?region={kunming.pk}"
    page = client.get(url).content.decode()
    assert "将向筛选出的 2 家企业" in page
    data = {
        "measures": [m.pk for m in measures_of(yn_enterprise, 1)],
        "request": "请整改",
        "due_date": (TODAY + timedelta(days=5)).isoformat(),
    }
    assert client.post(url, data).status_code == 302
    assert set(SupervisionOrder.objects.values_list("enterprise_id", flat=True)) == {yn_enterprise.pk, second_yn.pk}


def test_export_content(client, users, yn_enterprise):
    (order,) = _issue(users, [yn_enterprise], request='=HYPERLINK("x")', due_date=TODAY)
    client.force_login(users["officer-yn"])
    response = client.get(reverse("supervision:export"))
    sheet = load_workbook(BytesIO(response.content)).active
    assert sheet.cell(2, 8).data_type == "s"
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][0] == "督办单编号"
    assert rows[1][0] == order.number and rows[1][1] == yn_enterprise.name
    assert rows[1][7] == '=HYPERLINK("x")' and sheet.cell(2, 8).data_type == "s"  # text, never a formula
    assert rows[1][11] == "黄灯（临期）" and rows[1][12] == "今日到期"


def test_issue_buttons_on_the_enterprise_pages(client, users, yn_enterprise):
    detail = reverse("enterprises:detail", args=[yn_enterprise.pk])
    client.force_login(users["sasac-yn"])
    assert reverse("supervision:issue", args=[yn_enterprise.pk]) in client.get(detail).content.decode()
    client.force_login(users["officer-yn"])
    listed = client.get(reverse("enterprises:list"), {"lagging": "true"}).content.decode()
    assert reverse("supervision:issue_by_filter") + "?lagging=true" in listed
    client.force_login(users["enterprise-yn"])
    assert "下达督办单" not in client.get(detail).content.decode()
