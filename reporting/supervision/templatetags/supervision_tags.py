"""The enterprise home pages' open orders and the dashboard's panel read these (one include line each); the
officers' and SASAC's counts are items of the work queue (reporting/work_queue.py `orders`)."""

from django import template

from ..choices import OrderStatus
from ..selectors import order_rows, orders_visible

register = template.Library()

HOME_ORDERS = 20


@register.simple_tag(takes_context=True)
def supervision_open_orders(context) -> list:
    """The open orders of the enterprises the user sees, soonest due first (an enterprise's or a group's home)."""
    user = context["request"].user
    ids = list(
        orders_visible(user=user)
        .exclude(status=OrderStatus.CLOSED)
        .order_by("due_date", "pk")
        .values_list("pk", flat=True)[:HOME_ORDERS]
    )
    return order_rows(ids)


@register.simple_tag(takes_context=True)
def supervision_by_prefecture(context) -> list:
    """The dashboard's panel 督办单（按州市）: open / overdue / closed per prefecture of the orders the user sees."""
    from ..selectors import orders_by_prefecture

    return orders_by_prefecture(user=context["request"].user)


@register.simple_tag(takes_context=True)
def supervision_may_issue(context, enterprise=None) -> bool:
    """Whether the user may issue an order (to `enterprise`, or at all): the buttons 下达督办单."""
    from reform_portal.access import OrderPolicy

    return OrderPolicy.can(context["request"].user, OrderPolicy.ISSUE, enterprise)
