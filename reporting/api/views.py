from django.db.models import Q
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied

from reform_portal.access import ADMIN, OFFICER, SASAC, profile_of, province_ids_of, role_of

from ..filters import RollupFilter
from ..models import RollupSnapshot
from .serializers import RollupSnapshotSerializer


def rollups_visible(user, qs):
    """Scoped like the dashboard: SASAC staff their province; officers the rows of the prefectures in their charge
    (all of a province in their charge); administrators everything; enterprise users nothing (403)."""
    role = role_of(user)
    if role == ADMIN:
        return qs
    if role == SASAC:
        return qs.filter(province_id__in=province_ids_of(user))
    if role == OFFICER:
        charge = list(profile_of(user).charge_regions.values_list("pk", "parent_id"))
        provinces = [pk for pk, parent in charge if parent is None]
        prefectures = [pk for pk, parent in charge if parent is not None]
        return qs.filter(Q(province_id__in=provinces) | Q(prefecture_id__in=prefectures))
    raise PermissionDenied("统计汇总仅向国资委工作人员、工会干部和管理员开放。")


class RollupListView(generics.ListAPIView):
    """Dated rollup figures per scope (province, prefecture, document, measure, ownership, industry)."""

    serializer_class = RollupSnapshotSerializer
    filterset_class = RollupFilter
    ordering_fields = ["day", "scope_key", "completion_rate"]
    ordering = ["-day", "scope_key"]

    def get_queryset(self):
        qs = RollupSnapshot.objects.select_related("province", "prefecture", "document", "measure")
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return qs.none()
        return rollups_visible(self.request.user, qs)
