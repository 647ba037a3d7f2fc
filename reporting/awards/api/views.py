from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from enterprises.choices import RegionLevel
from enterprises.models import Region
from reform_portal.access import AwardPolicy
from reform_portal.pagination import PortalPagination

from .. import services
from ..selectors import PAGE_SIZE, rounds_visible, shortlist_page
from .serializers import AwardRoundSerializer, ShortlistSerializer


class AwardRoundViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Award rounds the user sees (administrators, SASAC staff and officers of the province; prefecture officers
    read their prefectures' part of a shortlist). POST creates a round (`province_code`, `quota` as {prefecture
    code: n}; the weights are those of data/weights.json). `/shortlist/?prefecture=<code>&page=<n>`: one
    prefecture's ranked candidates, a page at a time, with each fact's points, and its excluded with their reasons
    (reporting/awards/ranking.py)."""

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

    @extend_schema(
        parameters=[
            OpenApiParameter("prefecture", str, description="州（市）代码; default: the first the user reads"),
            OpenApiParameter("page", int, description=f"page of {PAGE_SIZE} candidates, by rank"),
        ],
        responses={200: ShortlistSerializer},
    )
    @action(detail=True, methods=["get"], url_path="shortlist", pagination_class=None)
    def shortlist(self, request, pk=None):
        """One prefecture's part of the shortlist (ranks within a prefecture do not depend on the others), one page
        of its candidates by rank, and its excluded enterprises with their reasons."""
        award_round = self.get_object()
        if not AwardPolicy.can(request.user, AwardPolicy.VIEW, award_round):
            raise NotFound
        code = request.query_params.get("prefecture")
        part = shortlist_page(
            request.user, award_round, prefecture_code=code, page_number=request.query_params.get("page")
        )
        if code is not None and (part.prefecture is None or part.prefecture.code != code):
            raise ValidationError({"prefecture": ["不是本轮中您可查看的州（市）代码。"]})
        for c in part.page:
            c.decision = c.decision.decision if c.decision else None
        return Response(
            ShortlistSerializer(
                {
                    "prefecture": part.prefecture.code if part.prefecture else None,
                    "prefectures": [p.code for p in part.prefectures],
                    "quota": part.quota,
                    "as_of": part.as_of,
                    "count": part.page.paginator.count,
                    "page": part.page.number,
                    "pages": part.page.paginator.num_pages,
                    "ranked": list(part.page),
                    "excluded": part.excluded,
                }
            ).data
        )
