from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from enterprises.choices import RegionLevel
from enterprises.models import Region
from reform_portal.access import AwardPolicy
from reform_portal.pagination import PortalPagination

from .. import services
from ..ranking import shortlist
from ..selectors import latest_decisions, rounds_visible
from .serializers import AwardRoundSerializer, ShortlistSerializer


class AwardRoundViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Award rounds the user sees (administrators, SASAC staff and officers of the province; prefecture officers
    read their prefectures' part of a shortlist). POST creates a round (`province_code`, `quota` as {prefecture
    code: n}; the weights are those of data/weights.json). `/shortlist/`: the ranked candidates per prefecture with
    each fact's points, and the excluded with their reasons (reporting/awards/ranking.py)."""

    serializer_class = AwardRoundSerializer
    pagination_class = PortalPagination

    def get_queryset(self):
        return rounds_visible(self.request.user).order_by("-created_at", "-id")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not AwardPolicy.can(request.user, AwardPolicy.LIST):
            raise NotFound  # enterprise and group users, county officers: none of it

    def create(self, request, *args, **kwargs):
        if not AwardPolicy.can(request.user, AwardPolicy.MANAGE):
            raise PermissionDenied("您无权创建评优推荐轮次。")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        province = AwardPolicy.managed_provinces(
            request.user, Region.objects.filter(level=RegionLevel.PROVINCE, code=data["province_code"])
        ).first()
        if province is None:
            raise ValidationError({"province_code": ["不是您可以创建轮次的省份代码。"]})
        try:
            award_round = services.round_create(
                name=data["name"],
                year=data["year"],
                level=data["level"],
                province=province,
                quota=dict(data["quota"]),
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(self.get_serializer(award_round).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={200: ShortlistSerializer})
    @action(detail=True, methods=["get"], url_path="shortlist", pagination_class=None)
    def shortlist(self, request, pk=None):
        award_round = self.get_object()
        if not AwardPolicy.can(request.user, AwardPolicy.VIEW, award_round):
            raise NotFound
        ranked, excluded = shortlist(award_round, AwardPolicy.prefecture_ids(request.user, award_round))
        decisions = latest_decisions(award_round)
        candidates = []
        for cs in ranked.values():
            for c in cs:
                d = decisions.get(c.enterprise.pk)
                c.decision = d.decision if d else None
                candidates.append(c)
        return Response(ShortlistSerializer({"ranked": candidates, "excluded": excluded}).data)
