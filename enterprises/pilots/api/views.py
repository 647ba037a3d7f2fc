from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from enterprises.models import Enterprise, Region
from measures.models import Measure
from reform_portal.access import EnterprisePolicy, PilotPolicy
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
from ..filters import PilotFilter
from ..models import PilotFund
from ..selectors import pilot_rows, pilots_visible
from .serializers import FundSerializer, PilotSerializer

StaleResponse = stale_schema("StalePilotResponse", PilotSerializer())
UPDATE_SCHEMA = extend_schema(parameters=[IF_MATCH], responses={200: PilotSerializer, 409: StaleResponse})

# the services' names → the API's
RENAMED = {"enterprise": "enterprise_id"}


class PilotPaginator(IdsFirstPaginator):
    """The page's ids, then its rows with their scope's progress and funds (`selectors.pilot_rows`)."""

    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, per_page, fetch=pilot_rows, **kwargs)


class PilotPagination(PortalPagination):
    django_paginator_class = PilotPaginator


class PilotViewSet(ETagOnRetrieve, mixins.CreateModelMixin, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Pilot enterprises (试点) the user sees (the enterprises they see), newest designation first; filters as the
    list page (`prefecture`, `document`, `measure`, `status`); page or cursor pages. Officers of the province or of
    the enterprise's prefecture and administrators designate (POST), change (PATCH with the `version` read: 409 when
    stale) and record funds (`/funds/`)."""

    serializer_class = PilotSerializer
    filterset_class = PilotFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = PilotPagination

    def get_queryset(self):
        return pilots_visible(user=self.request.user)

    def paginate_queryset(self, queryset):
        cursor_mode = self.paginator.cursor_query_param in self.request.query_params
        page = super().paginate_queryset(queryset.only("pk") if cursor_mode else queryset)
        if page is None or not cursor_mode:
            return page
        return pilot_rows([d.pk for d in page])

    def get_object(self):
        designation = get_object_or_404(self.filter_queryset(self.get_queryset()), pk=self.kwargs["pk"])
        return pilot_rows([designation.pk])[0]

    def _region(self, code):
        return Region.objects.filter(code=code).first() if code else None

    def _measures(self, codes):
        measures = list(Measure.objects.filter(code__in=list(codes)))
        unknown = sorted(set(codes) - {m.code for m in measures})
        if unknown:
            raise ValidationError({"measures": [f"没有代码为“{code}”的措施。" for code in unknown]})
        return measures

    def create(self, request, *args, **kwargs):
        if not PilotPolicy.can(request.user, PilotPolicy.DESIGNATE):
            raise PermissionDenied("您无权认定试点企业。")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        if "enterprise_id" not in data:
            raise ValidationError({"enterprise_id": ["请指定企业 id。"]})
        enterprise = (
            EnterprisePolicy.visible(request.user, Enterprise.objects.filter(pk=data["enterprise_id"]))
            .select_related("region")
            .first()
        )
        # as for every object a body names: out of scope is a 404, in scope but not in one's charge a 403
        if enterprise is None:
            raise NotFound("未找到该企业，或该企业不在您的范围内。")
        if not PilotPolicy.can(request.user, PilotPolicy.DESIGNATE, enterprise):
            raise PermissionDenied("您不负责该企业所在的州（市）或省，不能认定其为试点。")
        try:
            designation = services.pilot_designate(
                enterprise=enterprise,
                region=self._region(data["region"]["code"]),
                document_number=data["document_number"],
                designated_on=data["designated_on"],
                measures=self._measures(data["measures"]),
                note=data.get("note", ""),
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        row = pilot_rows([designation.pk])[0]
        return Response(self.get_serializer(row).data, status=status.HTTP_201_CREATED)

    @UPDATE_SCHEMA
    def update(self, request, *args, **kwargs):
        designation = self.get_object()  # out of scope: 404
        if not PilotPolicy.can(request.user, PilotPolicy.CHANGE, designation):
            raise PermissionDenied("您无权修改这项试点认定。")
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(designation, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = version_read(request, data)
        region = self._region(data["region"]["code"]) if "region" in data else designation.region
        measures = self._measures(data["measures"]) if "measures" in data else list(designation.measures.all())
        try:
            services.pilot_update(
                designation=designation,
                expected_version=version,
                region=region,
                document_number=data.get("document_number", designation.document_number),
                designated_on=data.get("designated_on", designation.designated_on),
                measures=measures,
                note=data.get("note", designation.note),
                by=request.user,
            )
        except StaleEdit as exc:
            return stale_response(exc, current=self.get_serializer(pilot_rows([designation.pk])[0]).data)
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        data = self.get_serializer(pilot_rows([designation.pk])[0]).data
        return Response(data, headers={"ETag": etag(data["version"])})

    @UPDATE_SCHEMA
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(request=FundSerializer, responses={200: FundSerializer(many=True), 201: FundSerializer})
    @action(detail=True, methods=["get", "post"], url_path="funds", filter_backends=[], pagination_class=None)
    def funds(self, request, pk=None):
        """A pilot's working funds (granted, paid), oldest first; POST records one (paid never above granted)."""
        designation = self.get_object()  # out of scope: 404
        if request.method == "GET":
            funds = (
                PilotFund.objects.filter(designation=designation)
                .select_related("recorded_by")
                .order_by("on_date", "id")
            )
            return Response(FundSerializer(funds[:1000], many=True).data)
        if not PilotPolicy.can(request.user, PilotPolicy.CHANGE, designation):
            raise PermissionDenied("您无权为这项试点记录经费。")
        serializer = FundSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        try:
            fund = services.fund_record(
                designation=designation,
                kind=data["kind"],
                amount=data["amount"],
                on_date=data["on_date"],
                purpose=data["purpose"],
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        return Response(FundSerializer(fund).data, status=status.HTTP_201_CREATED)
