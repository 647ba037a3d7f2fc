"""The orders' API: /api/orders/ (list with the page's filters, page or cursor pages; POST issues to one or many
enterprises), /api/orders/{id}/, its replies (list; POST multipart with evidence files), accept and return (with the
`version` read or If-Match: 409 when stale). Out of scope: 404; in scope but not allowed: 403."""

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from measures.models import Measure
from reform_portal.access import OrderPolicy
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
from ..filters import OrderFilter
from ..models import OrderReply
from ..selectors import order_rows, orders_visible
from .serializers import DecisionSerializer, OrderSerializer, ReplySerializer

StaleResponse = stale_schema("StaleOrderResponse", OrderSerializer())
DECIDE_SCHEMA = extend_schema(
    request=DecisionSerializer, parameters=[IF_MATCH], responses={200: OrderSerializer, 409: StaleResponse}
)
REPLY_SCHEMA = extend_schema(
    request={"multipart/form-data": ReplySerializer}, responses={200: ReplySerializer(many=True), 201: ReplySerializer}
)

# the services' names → the API's
RENAMED = {"enterprises": "enterprise_ids"}


class OrderPaginator(IdsFirstPaginator):
    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, per_page, fetch=order_rows, **kwargs)


class OrderPagination(PortalPagination):
    django_paginator_class = OrderPaginator


class OrderViewSet(ETagOnRetrieve, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Supervision orders (督办单) the user sees, newest first; filters as the list page (`status`, `light`,
    `prefecture`, `county`, `q`, `measure`, `issuer_body`, `due_from`, `due_to`)."""

    serializer_class = OrderSerializer
    filterset_class = OrderFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = OrderPagination

    def get_queryset(self):
        return orders_visible(user=self.request.user)

    def paginate_queryset(self, queryset):
        cursor_mode = self.paginator.cursor_query_param in self.request.query_params
        page = super().paginate_queryset(queryset.only("pk") if cursor_mode else queryset)
        if page is None or not cursor_mode:
            return page
        return order_rows([o.pk for o in page])

    def get_object(self):
        order = get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])
        return order_rows([order.pk])[0]

    @extend_schema(responses={201: OrderSerializer(many=True)})
    def create(self, request, *args, **kwargs):
        if not OrderPolicy.can(request.user, OrderPolicy.ISSUE):
            raise PermissionDenied("您无权下达督办单。")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        codes = sorted(set(data["measures"]))
        measures = list(Measure.objects.filter(code__in=codes))
        unknown = sorted(set(codes) - {m.code for m in measures})
        if unknown:
            raise ValidationError({"measures": [f"没有代码为“{code}”的措施。" for code in unknown]})
        try:
            orders = services.order_issue(
                enterprises=data["enterprise_ids"],
                measures=measures,
                request=data["request"],
                due_date=data["due_date"],
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        rows = order_rows([o.pk for o in orders])
        return Response(self.get_serializer(rows, many=True).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request={"multipart/form-data": ReplySerializer},
        responses={200: ReplySerializer(many=True), 201: ReplySerializer},
    )
    @action(
        detail=True,
        methods=["get", "post"],
        url_path="replies",
        filter_backends=[],
        pagination_class=None,
        parser_classes=[MultiPartParser, FormParser, JSONParser],
        serializer_class=ReplySerializer,
    )
    def replies(self, request, pk=None):
        """The order's replies, oldest first; POST (multipart: `text`, `files`) replies for the enterprise."""
        order = self.get_object()  # out of scope: 404
        if request.method == "GET":
            rows = OrderReply.objects.filter(order=order).select_related("by").prefetch_related("files")
            return Response(ReplySerializer(rows.order_by("at", "id")[:200], many=True).data)
        if not OrderPolicy.on_enterprise_side(request.user, order):
            raise PermissionDenied("只有该企业的用户可以回复督办单。")
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        try:
            reply = services.order_reply(
                order=order,
                text=serializer.validated_data["text"],
                files=serializer.validated_data.get("files", []),
                by=request.user,
            )
        except DjangoPermissionDenied:
            raise PermissionDenied("只有该企业的用户可以回复督办单。") from None
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        return Response(ReplySerializer(reply).data, status=status.HTTP_201_CREATED)

    def _decide(self, request, service):
        order = self.get_object()  # out of scope: 404
        if not OrderPolicy.can(request.user, OrderPolicy.DECIDE, order):
            raise PermissionDenied("您无权核查这张督办单。")
        serializer = DecisionSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = version_read(request, serializer.validated_data)
        try:
            service(
                order=order,
                comment=serializer.validated_data.get("comment", ""),
                by=request.user,
                expected_version=version,
            )
        except StaleEdit as exc:
            return stale_response(exc, current=OrderSerializer(order_rows([order.pk])[0]).data)
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        data = OrderSerializer(order_rows([order.pk])[0]).data
        return Response(data, headers={"ETag": etag(data["version"])})

    @extend_schema(
        request=DecisionSerializer, parameters=[IF_MATCH], responses={200: OrderSerializer, 409: StaleResponse}
    )
    @action(detail=True, methods=["post"], url_path="accept", filter_backends=[], serializer_class=DecisionSerializer)
    def accept(self, request, pk=None):
        """Accept the reply: the order is closed (已办结)."""
        return self._decide(request, services.order_accept)

    @extend_schema(
        request=DecisionSerializer, parameters=[IF_MATCH], responses={200: OrderSerializer, 409: StaleResponse}
    )
    @action(detail=True, methods=["post"], url_path="return", filter_backends=[], serializer_class=DecisionSerializer)
    def return_(self, request, pk=None):
        """Send the reply back (退回整改), saying what to correct (`comment`)."""
        return self._decide(request, services.order_return)
