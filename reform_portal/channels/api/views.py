"""`/api/channels/` (one's group robots: list, create, change, delete; the address and secret write-only) and
`/api/deliveries/` (what was posted: those one caused and those of one's robots). docs/channels.md."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.response import Response

from reform_portal.access import ChannelPolicy
from reform_portal.versioning import (
    IF_MATCH,
    ETagOnRetrieve,
    StaleEdit,
    etag,
    parse_version,
    stale_response,
    stale_schema,
    version_read,
)

from .. import services
from ..choices import DeliveryStatus
from ..models import Delivery
from ..selectors import channels_visible, deliveries_visible
from .serializers import ChannelSerializer, DeliverySerializer

StaleChannelResponse = stale_schema("StaleChannelResponse", ChannelSerializer())
UPDATE_SCHEMA = extend_schema(parameters=[IF_MATCH], responses={200: ChannelSerializer, 409: StaleChannelResponse})


def _drf_error(exc: DjangoValidationError) -> ValidationError:
    detail = exc.message_dict if hasattr(exc, "error_dict") else {"non_field_errors": exc.messages}
    if "region" in detail:
        detail["region_id"] = detail.pop("region")
    return ValidationError(detail)


class ChannelViewSet(ETagOnRetrieve, viewsets.ModelViewSet):
    """The group robots the user manages: their own, and (administrators, officers of a province) the regions'.
    Changes send the `version` read (or If-Match); a stale one gets 409 with the current values."""

    serializer_class = ChannelSerializer
    filter_backends = []
    ordering = ["name"]

    def get_queryset(self):
        return channels_visible(user=self.request.user).order_by("name", "pk")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not ChannelPolicy.can(request.user, ChannelPolicy.MANAGE):
            raise PermissionDenied("您没有推送渠道（仅工会干部和管理员可添加）。")

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        region_id = data.pop("region_id", None)
        data.pop("version", None)
        if region_id is not None and not ChannelPolicy.may_own_region(request.user, region_id):
            raise ValidationError({"region_id": ["您不能为该区域添加渠道（仅省级工会干部和管理员）。"]})
        try:
            channel = services.channel_create(
                data={**data, "secret": data.get("secret") or ""},
                by=request.user,
                region_id=region_id,
                owner=request.user if region_id is None else None,
            )
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        return Response(self.get_serializer(channel).data, status=status.HTTP_201_CREATED)

    @UPDATE_SCHEMA
    def update(self, request, *args, **kwargs):
        channel = self.get_object()
        serializer = self.get_serializer(channel, data=request.data, partial=kwargs.pop("partial", False))
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        version = version_read(request, data)
        data.pop("version", None)
        data.pop("region_id", None)
        try:
            channel = services.channel_update(channel=channel, data=data, by=request.user, expected_version=version)
        except StaleEdit as exc:
            return stale_response(exc, current=self.get_serializer(exc.current).data)
        except DjangoValidationError as exc:
            raise _drf_error(exc) from None
        body = self.get_serializer(channel).data
        return Response(body, headers={"ETag": etag(body["version"])})

    @UPDATE_SCHEMA
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(parameters=[IF_MATCH], responses={204: None, 409: StaleChannelResponse})
    def destroy(self, request, *args, **kwargs):
        channel = self.get_object()
        header = request.headers.get("If-Match", "").strip()
        version = parse_version(header) if header else None
        if header and version is None:
            raise ValidationError({"version": ['If-Match 应为读取时的版本号，如 "3"。']})
        try:
            services.channel_delete(channel=channel, by=request.user, expected_version=version)
        except StaleEdit as exc:
            return stale_response(exc, current=self.get_serializer(exc.current).data)
        return Response(status=status.HTTP_204_NO_CONTENT)


class DeliveryFilter(filters.FilterSet):
    channel = filters.NumberFilter(field_name="channel_id", min_value=1, max_value=2**63 - 1)
    status = filters.ChoiceFilter(choices=DeliveryStatus.choices)

    class Meta:
        model = Delivery
        fields = ["channel", "status"]


class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Messages posted to group robots, newest first: those the user caused and those of the robots they manage,
    with their status (pending, sent, failed, gave_up), attempts and the robot's last answer."""

    serializer_class = DeliverySerializer
    filter_backends = [filters.DjangoFilterBackend]
    filterset_class = DeliveryFilter

    def get_queryset(self):
        return deliveries_visible(user=self.request.user)
