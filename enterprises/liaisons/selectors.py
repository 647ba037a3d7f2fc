"""Reads of liaison assignments (联络员 / 指导员). `liaison_users` and `assigned_enterprises` read active assignments
only (no `ended_at`); they do not check who is asking: callers that show them to a user filter by the access policy."""

from datetime import date

from django.contrib.auth import get_user_model
from django.db.models import Max, QuerySet

from enterprises.models import Enterprise
from reform_portal.access import LiaisonPolicy
from reform_portal.paging import in_order

from .models import LiaisonAssignment, Visit


def active_assignments() -> QuerySet:
    return LiaisonAssignment.objects.filter(ended_at__isnull=True)


def liaison_users(enterprise, *, role: str | None = None) -> QuerySet:
    """The users actively assigned to the enterprise (as 联络员 or 指导员, or only `role`), each once, by username."""
    assignments = active_assignments().filter(enterprise=enterprise)
    if role:
        assignments = assignments.filter(role=role)
    return get_user_model().objects.filter(pk__in=assignments.values("user_id")).order_by("username")


def assigned_enterprises(user, *, role: str | None = None) -> QuerySet:
    """The enterprises the user is actively assigned to (as 联络员 or 指导员, or only `role`), each once, by name."""
    if not getattr(user, "is_authenticated", False):
        return Enterprise.objects.none()
    assignments = active_assignments().filter(user=user)
    if role:
        assignments = assignments.filter(role=role)
    return Enterprise.objects.filter(pk__in=assignments.values("enterprise_id")).order_by("name", "pk")


# What a user sees (every list starts from the access policy) ------------------------------------------------------


def enterprise_assignments(*, user, enterprise) -> list:
    """The enterprise's active assignments, for the enterprise page's 产改联络员 box (whoever sees the enterprise)."""
    rows = LiaisonPolicy.visible(user, active_assignments().filter(enterprise=enterprise))
    return list(rows.select_related("user", "assigned_by").order_by("role", "user__username"))


def assignments_visible(*, user) -> QuerySet:
    return LiaisonPolicy.visible(user, LiaisonAssignment.objects.all()).order_by("-assigned_at", "-id")


def my_assignments(*, user) -> list:
    """The current user's active assignments, on enterprises they (still) see, by enterprise name: "我联系的企业"."""
    rows = LiaisonPolicy.visible(user, active_assignments().filter(user=user))
    rows = rows.select_related("enterprise__region", "enterprise__county", "assigned_by")
    return list(rows.order_by("enterprise__name", "role"))


def last_visits(enterprise_ids) -> dict[int, date]:
    """Per enterprise, the date of its last visit (one query)."""
    rows = Visit.objects.filter(enterprise_id__in=list(enterprise_ids)).values("enterprise_id")
    return {r["enterprise_id"]: r["last"] for r in rows.annotate(last=Max("visited_on")).order_by()}


VISIT_ORDER = ("-visited_on", "-id")


def visits_visible(*, user) -> QuerySet:
    """The visits the user sees, newest first (the list's order, on the `visit_visited` index)."""
    return LiaisonPolicy.visible_visits(user, Visit.objects.all()).order_by(*VISIT_ORDER)


def visit_rows(ids) -> list:
    """The visits `ids`, in that order, with what a row shows (one query)."""
    ids = list(ids)
    rows = Visit.objects.filter(pk__in=ids).select_related(
        "enterprise__region__parent", "enterprise__county", "recorded_by"
    )
    return in_order(rows, ids)


def visit_detail_queryset(*, user) -> QuerySet:
    return visits_visible(user=user).select_related("enterprise__region__parent", "enterprise__county", "recorded_by")


def enterprise_visits(*, user, enterprise, limit: int = 5) -> list:
    """The enterprise's latest visits the user may read (none for its own users)."""
    rows = LiaisonPolicy.visible_visits(user, Visit.objects.filter(enterprise=enterprise))
    return list(rows.select_related("recorded_by").order_by(*VISIT_ORDER)[:limit])
