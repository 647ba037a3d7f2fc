from django.db.models import Prefetch
from rest_framework import viewsets

from reform_portal.access import CataloguePolicy

from ..filters import MeasureFilter
from ..models import Measure, PolicyDocument, Section
from .serializers import DocumentSerializer, MeasureSerializer


class DocumentViewSet(viewsets.ReadOnlyModelViewSet):
    """The policy documents; the catalogue is open to everyone logged in."""

    serializer_class = DocumentSerializer
    queryset = PolicyDocument.objects.select_related("province").prefetch_related(
        Prefetch("sections", queryset=Section.objects.select_related("parent"))
    )
    search_fields = ["number", "title"]

    def get_queryset(self):
        return CataloguePolicy.visible(self.request.user, super().get_queryset())


class MeasureViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = MeasureSerializer
    queryset = Measure.objects.select_related("document", "section", "section__parent").prefetch_related("indicators")
    filterset_class = MeasureFilter
    search_fields = ["code", "title", "text"]

    def get_queryset(self):
        return CataloguePolicy.visible(self.request.user, super().get_queryset())
