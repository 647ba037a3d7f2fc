from functools import partial

from django.core.exceptions import EmptyResultSet
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.filters import OrderingFilter, SearchFilter
from rest_framework.response import Response

from reform_portal.access import EnterprisePolicy, RegionPolicy
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

from ..choices import RegionLevel
from ..filters import EnterpriseFilter, figure_segments, order_terms
from ..models import Region
from ..selectors import enterprises_in_charge, enterprises_listed, rows_shown
from ..services import enterprise_create, enterprise_update
from .serializers import EnterpriseSerializer, RegionSerializer


def drf_validation_error(exc: DjangoValidationError, sent=()) -> ValidationError:
    """The model's or the service's errors under the names the API uses. `sent`: the request's field names (a
    prefecture that follows from the county sent is reported on `county_code`)."""
    region = "county_code" if "county_code" in sent and "region_code" not in sent else "region_code"
    return errors_to_api(exc, renamed={"county": "county_code", "region": region})


StaleResponse = stale_schema("StaleEnterpriseResponse", EnterpriseSerializer())
UPDATE_SCHEMA = extend_schema(parameters=[IF_MATCH], responses={200: EnterpriseSerializer, 409: StaleResponse})


class SummaryOrderingFilter(OrderingFilter):
    """`?ordering=`, a progress figure read from the summaries the database keeps (`filters.order_terms`)."""

    def filter_queryset(self, request, queryset, view):
        ordering = self.get_ordering(request, queryset, view)
        return queryset.order_by(*order_terms(ordering)) if ordering else queryset


class EnterprisePaginator(IdsFirstPaginator):
    """Pages of the API's page mode as the list page reads them: the ids of the page (a figure sort in the order of
    the summaries' indexes, `filters.figure_segments`), then the rows and figures by those ids; a province's count
    once a minute."""

    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, per_page, fetch=rows_shown, segments=figure_segments, **kwargs)


class EnterprisePagination(PortalPagination):
    """The page mode's count: the counts the database keeps per place when the view has one for the list
    (`EnterpriseViewSet.counted`: `?status=` / `?document=` alone, as on the list page), else the rows counted."""

    django_paginator_class = EnterprisePaginator

    def paginate_queryset(self, queryset, request, view=None):
        paged = self.cursor_query_param not in request.query_params  # the cursor mode counts nothing
        counted = view.counted(queryset) if paged and hasattr(view, "counted") else None
        self.django_paginator_class = partial(EnterprisePaginator, counted=counted)
        return super().paginate_queryset(queryset, request, view)


class FilterSetKept(DjangoFilterBackend):
    """The FilterSet's filters; the FilterSet is kept on the view (`view.filterset`) for its count."""

    def get_filterset(self, request, queryset, view):
        filterset = super().get_filterset(request, queryset, view)
        view.filterset = filterset
        return filterset


def _same_rows(paged, filtered) -> bool:
    """Whether `paged` lists the rows of `filtered` (the same SQL but for the order): no other filter backend
    narrowed it."""
    try:
        return paged.order_by().query.sql_with_params() == filtered.order_by().query.sql_with_params()
    except EmptyResultSet:
        return False


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    """Provinces, prefectures and counties the user works in (`?level=county&parent__code=530100`: Kunming's
    counties, whose codes `county_code` takes)."""

    serializer_class = RegionSerializer
    filterset_fields = ["level", "parent__code"]
    search_fields = ["name", "code"]
    lookup_field = "code"

    def get_queryset(self):
        regions = RegionPolicy.visible(self.request.user, Region.objects.all())
        return Region.objects.filter(
            Q(pk__in=regions.values("pk")) | Q(level=RegionLevel.COUNTY, parent__in=regions.values("pk"))
        ).select_related("parent")


class EnterpriseViewSet(
    ETagOnRetrieve,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.ReadOnlyModelViewSet,
):
    """Enterprises the user may see: an officer's charge, a SASAC province, an enterprise itself.

    Officers create enterprises (in a region in their charge) and update those in their charge: the location by
    `county_code`, the parent company by its credit code (`parent`); they send the
    `version` they read (or `If-Match`): an update based on an old version gets 409 with the current values.
    Everyone else reads only."""

    serializer_class = EnterpriseSerializer
    filterset_class = EnterpriseFilter
    filter_backends = [FilterSetKept, SearchFilter, SummaryOrderingFilter]
    pagination_class = EnterprisePagination
    ordering_fields = ["name", "employees", "updated_at", "done_count", "last_update"]
    ordering = ["name"]

    def get_queryset(self):
        if self.action != "list":
            return enterprises_in_charge(user=self.request.user)
        # The list filters, sorts (figures: by the summaries' columns) and pages the enterprises alone, then reads
        # the page's rows and figures by their ids.
        return enterprises_listed(user=self.request.user)

    def counted(self, queryset):
        """The page mode's count as the list page reads it (`EnterpriseFilter.kept_count`: the counts kept per place
        for `?status=` / `?document=` alone, None otherwise), when `queryset` is the FilterSet's list re-sorted
        (`?ordering=`); None when another backend narrowed it (the paginator then counts the rows)."""
        filterset = getattr(self, "filterset", None)
        if filterset is None or not _same_rows(queryset, filterset.qs):
            return None
        return filterset.kept_count

    def paginate_queryset(self, queryset):
        cursor_mode = self.paginator.cursor_query_param in self.request.query_params
        page = super().paginate_queryset(queryset.only("pk") if cursor_mode else queryset)
        if page is None or not cursor_mode:
            return page  # page mode: the paginator read the page's rows by their ids already
        return rows_shown([e.pk for e in page])  # cursor mode walked the ids: the rows and figures by those ids

    def create(self, request, *args, **kwargs):
        if not EnterprisePolicy.can(request.user, EnterprisePolicy.ADD):
            raise PermissionDenied("您无权新增企业。")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            enterprise = enterprise_create(data=serializer.validated_data, by=request.user)
        except DjangoValidationError as exc:
            raise drf_validation_error(exc, sent=request.data) from None
        return Response(self.get_serializer(enterprise).data, status=status.HTTP_201_CREATED)

    @UPDATE_SCHEMA
    def update(self, request, *args, **kwargs):
        enterprise = self.get_object()  # out of scope: 404
        if not EnterprisePolicy.can(request.user, EnterprisePolicy.CHANGE, enterprise):
            raise PermissionDenied("您无权修改该企业的信息。")
        partial = kwargs.pop("partial", False)
        serializer = self.get_serializer(enterprise, data=request.data, partial=partial)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = version_read(request, data)
        data.pop("version", None)
        try:
            enterprise_update(enterprise=enterprise, data=data, by=request.user, expected_version=version)
        except StaleEdit as exc:
            current = self.get_queryset().get(pk=exc.current.pk)
            return stale_response(exc, current=self.get_serializer(current).data)
        except DjangoValidationError as exc:
            raise drf_validation_error(exc, sent=request.data) from None
        data = self.get_serializer(self.get_queryset().get(pk=enterprise.pk)).data
        return Response(data, headers={"ETag": etag(data["version"])})

    @UPDATE_SCHEMA
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)
