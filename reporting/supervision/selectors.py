"""Reads of supervision orders: every list starts from `OrderPolicy.visible`; a page's rows are read by the page's ids
in a fixed number of queries whatever the page size (the list, the export, the API); the lights are
lights.py's faces."""

from django.db.models import Count, Prefetch, Q, QuerySet

from measures.models import Measure
from reform_portal.access import OrderPolicy
from reform_portal.paging import in_order

from . import lights
from .choices import OrderStatus
from .models import OrderDecision, OrderReply, SupervisionOrder

LIST_ORDER = ("-created_at", "-id")


def orders_visible(*, user) -> QuerySet:
    return OrderPolicy.visible(user, SupervisionOrder.objects.all()).order_by(*LIST_ORDER)


def order_rows(ids: list) -> list[SupervisionOrder]:
    """The orders `ids` in that order, each with its enterprise, issuer, measures and `light` (LightView): three
    queries whatever their number."""
    qs = SupervisionOrder.objects.select_related(
        "enterprise__region", "enterprise__county", "issued_by"
    ).prefetch_related(Prefetch("measures", queryset=Measure.objects.order_by("document_id", "position")))
    rows = in_order(qs, ids)
    today = lights.today()
    for order in rows:
        order.light = lights.light_view(order, today)
    return rows


def order_detail_queryset(*, user) -> QuerySet:
    return orders_visible(user=user).select_related("enterprise__region", "issued_by")


def order_timeline(order) -> list:
    """The order's replies (with their files) and decisions, oldest first, as (kind, row)."""
    replies = OrderReply.objects.filter(order=order).select_related("by").prefetch_related("files")
    decisions = OrderDecision.objects.filter(order=order).select_related("by")
    items = [("reply", r) for r in replies] + [("decision", d) for d in decisions]
    return sorted(items, key=lambda item: (item[1].at, item[1].pk))


def enterprise_open_orders(*, user, enterprise_ids, limit: int = 20) -> list[SupervisionOrder]:
    """Orders not closed of these enterprises (the enterprise's home page), soonest due first."""
    ids = list(
        orders_visible(user=user)
        .filter(enterprise_id__in=list(enterprise_ids))
        .exclude(status=OrderStatus.CLOSED)
        .order_by("due_date", "pk")
        .values_list("pk", flat=True)[:limit]
    )
    return order_rows(ids)


def orders_queue_counts(user) -> dict:
    """What needs the user about orders, for the home page and the navigation's badges (one query):
    `to_check`: replies awaiting their decision; `overdue`: visible orders not closed past their due date;
    `to_reply`: orders of their enterprises waiting for a reply."""
    today = lights.today()
    visible = orders_visible(user=user).order_by()
    decidable = OrderPolicy.decidable(user, SupervisionOrder.objects.all()).filter(status=OrderStatus.REPLIED)
    return visible.aggregate(
        to_check=Count("pk", filter=Q(pk__in=decidable.values("pk"))),
        overdue=Count("pk", filter=lights.overdue_q(today)),
        to_reply=Count("pk", filter=Q(status__in=(OrderStatus.OPEN, OrderStatus.RETURNED)))
        if OrderPolicy.can(user, OrderPolicy.REPLY)
        else Count("pk", filter=Q(pk__in=[])),
    )


def orders_by_prefecture(*, user) -> list[dict]:
    """Per prefecture of the visible orders: open (not closed), overdue and closed, one grouped query (the dashboard's
    panel "督办单（按州市）")."""
    today = lights.today()
    rows = (
        orders_visible(user=user)
        .order_by()
        .values("enterprise__region__code", "enterprise__region__name")
        .annotate(
            open=Count("pk", filter=~Q(status=OrderStatus.CLOSED)),
            overdue=Count("pk", filter=lights.overdue_q(today)),
            closed=Count("pk", filter=Q(status=OrderStatus.CLOSED)),
        )
        .order_by("enterprise__region__code")
    )
    return [
        {
            "code": r["enterprise__region__code"],
            "name": r["enterprise__region__name"],
            "open": r["open"],
            "overdue": r["overdue"],
            "closed": r["closed"],
        }
        for r in rows
    ]
