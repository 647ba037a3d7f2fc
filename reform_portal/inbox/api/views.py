"""`/api/notices/`: one's own notices, newest first (`?unread=true`, `?kind=`; page numbers or `?cursor=`), and
marking them read: `POST /api/notices/{id}/read/`, `POST /api/notices/read-all/`. Anyone else's notice is a 404."""

from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response

from ..filters import NoticeFilter
from ..selectors import notices_of
from ..services import notice_open, notices_read_all
from .serializers import NoticeSerializer, ReadAllSerializer


class NoticeViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """The user's inbox (notices of the self-assessment, reminders, escalations, orders…), newest first. Reading one
    here does not mark it read: `read/` does (as opening it in the portal does)."""

    serializer_class = NoticeSerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = NoticeFilter

    def get_queryset(self):
        return notices_of(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=None, responses={200: NoticeSerializer})
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notice = notice_open(notice=self.get_object(), user=request.user)
        return Response(self.get_serializer(notice).data)

    @extend_schema(request=None, responses={200: ReadAllSerializer})
    @action(detail=False, methods=["post"], url_path="read-all", filterset_class=None, pagination_class=None)
    def read_all(self, request):
        return Response({"marked": notices_read_all(user=request.user)})
