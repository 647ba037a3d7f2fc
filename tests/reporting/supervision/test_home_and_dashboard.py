"""The home pages' order panels, the queue counts (for badges) and the dashboard's panel per prefecture, against
counts made here."""

from datetime import timedelta

import pytest
from django.urls import reverse

from reporting.supervision import services
from reporting.supervision.models import SupervisionOrder
from reporting.supervision.selectors import orders_by_prefecture, orders_queue_counts

from .conftest import TODAY
from .test_services import _issue

pytestmark = pytest.mark.django_db


def test_enterprise_home_lists_open_orders_with_days_left(client, users, yn_enterprise):
    (order,) = _issue(users, [yn_enterprise], due_date=TODAY + timedelta(days=3))  # Mon → Thu: 3 working days left
    client.force_login(users["enterprise-yn"])
    page = client.get(reverse("home")).content.decode()
    assert order.number in page and "剩余 3 个工作日" in page and "黄灯（临期）" in page


def test_queue_counts_and_the_officer_home(client, users, yn_enterprise, second_yn, fixed_today):
    late, replied = _issue(users, [yn_enterprise, second_yn], by="officer-yn", due_date=TODAY)
    fixed_today["today"] = TODAY + timedelta(days=1)
    SupervisionOrder.objects.filter(pk=replied.pk).update(status="replied")
    assert orders_queue_counts(users["officer-yn"]) == {"to_check": 1, "overdue": 2, "to_reply": 0}
    assert orders_queue_counts(users["sasac-yn"])["to_check"] == 0  # a union order is the union's to check
    assert orders_queue_counts(users["enterprise-yn"])["to_reply"] == 1
    client.force_login(users["officer-yn"])
    page = client.get(reverse("home")).content.decode()
    assert 'data-queue="orders-to-check"' in page and 'data-queue="orders-overdue"' in page  # the work queue
    listed = client.get(reverse("supervision:list"), {"awaiting": "true"}).content.decode()
    assert replied.number in listed and late.number not in listed


def test_dashboard_panel_per_prefecture(client, users, yn_enterprise, second_yn, fixed_today):
    a, b = _issue(users, [yn_enterprise, second_yn], due_date=TODAY)
    services.order_reply(order=a, text="已办", files=[], by=users["enterprise-yn"])
    a.refresh_from_db()
    services.order_accept(order=a, by=users["sasac-yn"], expected_version=a.version)
    fixed_today["today"] = TODAY + timedelta(days=3)
    rows = orders_by_prefecture(user=users["sasac-yn"])
    assert rows == [{"code": "530100", "name": "昆明市", "open": 1, "overdue": 1, "closed": 1}]
    assert orders_by_prefecture(user=users["sasac-sx"]) == []
    client.force_login(users["sasac-yn"])
    page = client.get(reverse("reporting:dashboard")).content.decode()
    assert "督办单（按州市）" in page and 'data-prefecture="530100"' in page
