from django.core.exceptions import ValidationError as DjangoValidationError
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied, ValidationError
from rest_framework.response import Response

from enterprises.choices import RegionLevel
from enterprises.models import Region
from reform_portal.access import BulletinPolicy
from reform_portal.outbox.services import Enqueuer
from reform_portal.pagination import PortalPagination
from reform_portal.versioning import IF_MATCH, StaleEdit, stale_response, version_read

from .. import services
from ..selectors import bulletins_visible
from ..tasks import BUILD_TASK
from .serializers import BlocksSerializer, BulletinSerializer, IssueSerializer


def _refusal(exc: DjangoValidationError) -> ValidationError:
    problems = exc.message_dict
    if "__all__" in problems:
        problems = {"detail": problems.pop("__all__")[0], "code": "invalid_state", **problems}
    return ValidationError(problems)


class BulletinViewSet(mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Bulletins (通报) the user sees: SASAC staff and officers of the province the issued ones, and those who manage
    a scope its drafts (BulletinPolicy). POST creates a draft (`scope_code`: the province's code for the whole
    province or a prefecture's; `date_from`, `date_to`; blocks left out start from the draft text). `/build/` queues
    the build of its .docx and .pdf on the `jobs` queue (poll the bulletin: `build_state`, `build_progress`, then
    `downloads`); PATCH changes the title and text blocks (with the `version` read; a built bulletin goes back to
    draft); `/issue/` (with the `version` read) issues it: archived, read-only."""

    serializer_class = BulletinSerializer
    pagination_class = PortalPagination
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self):
        return bulletins_visible(self.request.user).order_by("-created_at", "-id")

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        if not BulletinPolicy.can(request.user, BulletinPolicy.LIST):
            raise NotFound  # enterprise and group users: none of it

    def _managed(self):
        bulletin = self.get_object()
        if not BulletinPolicy.can(self.request.user, BulletinPolicy.MANAGE, bulletin):
            raise PermissionDenied("您无权修改该通报。")
        return bulletin

    def create(self, request, *args, **kwargs):
        if not BulletinPolicy.can(request.user, BulletinPolicy.MANAGE):
            raise PermissionDenied("您无权新建通报。")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        region = (
            BulletinPolicy.managed_regions(
                request.user,
                Region.objects.filter(
                    level__in=(RegionLevel.PROVINCE, RegionLevel.PREFECTURE), code=data["scope_code"]
                ),
            )
            .select_related("parent")
            .first()
        )
        if region is None:
            raise ValidationError({"scope_code": ["不是您可以新建通报的省份或州（市）代码。"]})
        try:
            bulletin = services.bulletin_create(
                province=region.parent or region,
                prefecture=region if region.parent_id else None,
                date_from=data["date_from"],
                date_to=data["date_to"],
                title=data.get("title"),
                opening=data.get("opening"),
                assessment=data.get("assessment"),
                next_steps=data.get("next_steps"),
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise _refusal(exc) from None
        return Response(self.get_serializer(bulletin).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=BlocksSerializer, parameters=[IF_MATCH], responses={200: BulletinSerializer})
    def partial_update(self, request, *args, **kwargs):
        bulletin = self._managed()
        body = BlocksSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        data = body.validated_data
        version = version_read(request, data)
        try:
            bulletin = services.bulletin_edit(
                bulletin=bulletin,
                title=data.get("title", bulletin.title),
                opening=data.get("opening", bulletin.opening),
                assessment=data.get("assessment", bulletin.assessment),
                next_steps=data.get("next_steps", bulletin.next_steps),
                expected_version=version,
                by=request.user,
            )
        except StaleEdit as exc:
            return stale_response(exc, current=self.get_serializer(exc.current).data)
        except DjangoValidationError as exc:
            raise _refusal(exc) from None
        return Response(self.get_serializer(bulletin).data)

    @extend_schema(request=None, responses={202: BulletinSerializer})
    @action(detail=True, methods=["post"], url_path="build")
    def build(self, request, pk=None):
        bulletin = self._managed()
        try:
            bulletin = services.bulletin_build_request(bulletin=bulletin, by=request.user, enqueue=Enqueuer(BUILD_TASK))
        except DjangoValidationError as exc:
            raise _refusal(exc) from None
        return Response(self.get_serializer(bulletin).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(request=IssueSerializer, parameters=[IF_MATCH], responses={200: BulletinSerializer})
    @action(detail=True, methods=["post"], url_path="issue")
    def issue(self, request, pk=None):
        bulletin = self._managed()
        body = IssueSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = version_read(request, body.validated_data)
        try:
            bulletin = services.bulletin_issue(bulletin=bulletin, by=request.user, expected_version=version)
        except StaleEdit as exc:
            return stale_response(exc, current=self.get_serializer(exc.current).data)
        except DjangoValidationError as exc:
            raise _refusal(exc) from None
        return Response(self.get_serializer(bulletin).data)
