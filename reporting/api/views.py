from django.utils.translation import gettext as _
from rest_framework import generics
from rest_framework.exceptions import PermissionDenied

from reform_portal.access import RollupPolicy

from ..filters import RollupFilter
from ..models import RollupSnapshot
from .serializers import RollupSnapshotSerializer


class RollupListView(generics.ListAPIView):
    """Dated rollup figures per scope (province, prefecture, county, document, measure, ownership, industry)."""

    serializer_class = RollupSnapshotSerializer
    filterset_class = RollupFilter
    ordering_fields = ["day", "scope_key", "completion_rate"]
    ordering = ["-day", "scope_key"]

    def get_queryset(self):
        qs = RollupSnapshot.objects.select_related("province", "prefecture", "county", "document", "measure")
        if getattr(self, "swagger_fake_view", False):  # schema generation
            return qs.none()
        # Scoped like the dashboard (reform_portal.access.RollupPolicy); enterprise users are refused (403).
        if not RollupPolicy.can(self.request.user, RollupPolicy.VIEW):
            raise PermissionDenied(_("统计汇总仅向国资委工作人员、工会干部和管理员开放。"))
        return RollupPolicy.visible(self.request.user, qs)
