from rest_framework import viewsets

from reform_portal.access import RegionPolicy

from ..filters import EnterpriseFilter
from ..models import Region
from ..selectors import enterprises_visible
from .serializers import EnterpriseSerializer, RegionSerializer


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Provinces and prefectures the user works in."""

    serializer_class = RegionSerializer
    filterset_fields = ["level", "parent__code"]
    search_fields = ["name", "code"]
    lookup_field = "code"

    def get_queryset(self):
        return RegionPolicy.visible(self.request.user, Region.objects.select_related("parent"))


class EnterpriseViewSet(viewsets.ReadOnlyModelViewSet):
    """Enterprises the user may see: an officer's charge, a SASAC province, an enterprise itself."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    ordering_fields = ["name", "employees", "updated_at"]
    ordering = ["name"]

    def get_queryset(self):
        return enterprises_visible(user=self.request.user)
