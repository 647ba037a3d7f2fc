"""Orders, replies and decisions appear in the enterprise's 全部记录 feed (enterprises/activity.py)."""

import pytest

from enterprises.activity import ActivityFilters, activity_page
from reporting.supervision import services

from .test_services import _issue

pytestmark = pytest.mark.django_db


def test_orders_replies_and_decisions_in_the_feed(users, yn_enterprise, django_assert_max_num_queries):
    (order,) = _issue(users, [yn_enterprise])
    services.order_reply(order=order, text="已完成整改", files=[], by=users["enterprise-yn"])
    order.refresh_from_db()
    services.order_return(order=order, comment="佐证不足", by=users["sasac-yn"], expected_version=order.version)
    with django_assert_max_num_queries(12):
        page = activity_page(
            enterprise=yn_enterprise, user=users["enterprise-yn"], filters=ActivityFilters(kind="supervision")
        )
    rows = list(page.object_list)
    assert [r.action for r in rows] == ["退回整改", "回复督办单", "下达督办单"]
    assert all(r.title == f"督办单 {order.number}" for r in rows)
    assert rows[0].notes == ["佐证不足"] and rows[1].notes == ["已完成整改"]
    assert rows[2].changed_by == users["sasac-yn"]
    assert {d.label for d in rows[2].diffs} == {"办结期限", "督办要求"}
