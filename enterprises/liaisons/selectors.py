"""Reads of liaison assignments (联络员 / 指导员). `liaison_users` and `assigned_enterprises` read active assignments
only (no `ended_at`); they do not check who is asking: callers that show them to a user filter by the access policy."""

from django.contrib.auth import get_user_model
from django.db.models import QuerySet

from enterprises.models import Enterprise

from .models import LiaisonAssignment


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
