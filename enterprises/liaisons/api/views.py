from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from enterprises.models import Enterprise
from reform_portal.access import EnterprisePolicy, LiaisonPolicy
from reform_portal.pagination import PortalPagination
from reform_portal.paging import IdsFirstPaginator
from reform_portal.service_errors import errors_to_api
from reform_portal.versioning import (
    IF_MATCH,
    ETagOnRetrieve,
    StaleEdit,
    etag,
    stale_response,
    stale_schema,
    version_read,
)

from .. import services
from ..filters import VisitFilter
from ..selectors import assignments_visible, visit_rows, visits_visible
from .serializers import AssignmentSerializer, VisitSerializer

# the services' names → the API's
RENAMED = {"enterprise": "enterprise_id", "user": "user_id"}


def _enterprise(user, pk) -> Enterprise:
    """The enterprise a body names: out of scope (or unknown) is a 404."""
    enterprise = (
        EnterprisePolicy.visible(user, Enterprise.objects.filter(pk=pk)).select_related("region", "county").first()
    )
    if enterprise is None:
        raise NotFound("未找到该企业，或该企业不在您的范围内。")
    return enterprise


class AssignmentViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """产改联络员 / 指导员 assignments on the enterprises the user sees, newest first; `?active=1` only the active ones,
    `?mine=1` only the user's own. Officers in charge of the enterprise's region and administrators assign (POST:
    `enterprise_id`, `user_id`, `role`) and end (`/end/`)."""

    serializer_class = AssignmentSerializer
    pagination_class = PortalPagination

    def get_queryset(self):
        qs = assignments_visible(user=self.request.user).select_related("enterprise", "user", "assigned_by", "ended_by")
        params = self.request.query_params
        if params.get("active") in ("1", "true"):
            qs = qs.filter(ended_at__isnull=True)
        if params.get("mine") in ("1", "true"):
            qs = qs.filter(user=self.request.user)
        return qs

    def create(self, request, *args, **kwargs):
        if not LiaisonPolicy.can(request.user, LiaisonPolicy.ASSIGN):
            raise PermissionDenied("您无权指派产改联络员或指导员。")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enterprise = _enterprise(request.user, data["enterprise_id"])
        if not LiaisonPolicy.can(request.user, LiaisonPolicy.ASSIGN, enterprise):
            raise PermissionDenied("您不负责该企业所在的地区，不能为其指派产改联络员或指导员。")
        try:
            assignment = services.assignment_create(
                enterprise=enterprise, user=data["user_id"], role=data["role"], by=request.user
            )
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        return Response(self.get_serializer(assignment).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses={200: AssignmentSerializer})
    @action(detail=True, methods=["post"], url_path="end")
    def end(self, request, pk=None):
        """End an active assignment now."""
        assignment = self.get_object()  # out of scope: 404
        if not LiaisonPolicy.can(request.user, LiaisonPolicy.END, assignment):
            raise PermissionDenied("您不负责该企业所在的地区，不能结束这项指派。")
        try:
            assignment = services.assignment_end(assignment=assignment, by=request.user)
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        return Response(self.get_serializer(assignment).data)


class VisitPaginator(IdsFirstPaginator):
    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, per_page, fetch=visit_rows, **kwargs)


class VisitPagination(PortalPagination):
    django_paginator_class = VisitPaginator


StaleResponse = stale_schema("StaleVisitResponse", VisitSerializer())
UPDATE_SCHEMA = extend_schema(parameters=[IF_MATCH], responses={200: VisitSerializer, 409: StaleResponse})


class VisitViewSet(ETagOnRetrieve, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """产改直通车 visits to the enterprises the user sees (administrators, officers, SASAC staff), newest first;
    filters as the list page (`prefecture`, `county`, `date_from`, `date_to`, `enterprise`). Officers who see the
    enterprise and administrators log one (POST); the officer who logged it, the officers in charge of the
    enterprise's region and administrators change it (PATCH with the `version` read: 409 when stale)."""

    serializer_class = VisitSerializer
    filterset_class = VisitFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = VisitPagination

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not LiaisonPolicy.can(request.user, LiaisonPolicy.VISITS):
            raise PermissionDenied("您无权查看直通车走访记录。")

    def get_queryset(self):
        return visits_visible(user=self.request.user)

    def paginate_queryset(self, queryset):
        cursor_mode = self.paginator.cursor_query_param in self.request.query_params
        page = super().paginate_queryset(queryset.only("pk") if cursor_mode else queryset)
        if page is None or not cursor_mode:
            return page
        return visit_rows([v.pk for v in page])

    def get_object(self):
        visit = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return visit_rows([visit.pk])[0]

    def _values(self, data) -> dict:
        return {name: data[name] for name in services.VISIT_FIELDS if name in data}

    def create(self, request, *args, **kwargs):
        if not LiaisonPolicy.can(request.user, LiaisonPolicy.LOG):
            raise PermissionDenied("您无权记录直通车走访。")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "enterprise_id" not in data:
            raise ValidationError({"enterprise_id": ["请指定企业 id。"]})
        enterprise = _enterprise(request.user, data["enterprise_id"])
        if not LiaisonPolicy.can(request.user, LiaisonPolicy.LOG, enterprise):
            raise PermissionDenied("您不能为该企业记录走访。")
        try:
            visit = services.visit_log(enterprise=enterprise, by=request.user, **self._values(data))
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        return Response(self.get_serializer(visit_rows([visit.pk])[0]).data, status=status.HTTP_201_CREATED)

    @UPDATE_SCHEMA
    def update(self, request, *args, **kwargs):
        visit = self.get_object()  # out of scope: 404
        if not LiaisonPolicy.can(request.user, LiaisonPolicy.CHANGE_VISIT, visit):
            raise PermissionDenied("您不能修改这条走访记录。")
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(visit, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = version_read(request, data)
        try:
            services.visit_update(visit=visit, expected_version=version, by=request.user, **self._values(data))
        except StaleEdit as exc:
            return stale_response(exc, current=self.get_serializer(visit_rows([visit.pk])[0]).data)
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        data = self.get_serializer(visit_rows([visit.pk])[0]).data
        return Response(data, headers={"ETag": etag(data["version"])})

    @UPDATE_SCHEMA
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)
