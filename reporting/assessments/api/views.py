"""`/api/assessments/` and `/api/assessment-periods/`: the same services and rules as the pages.

Out of scope is 404, not allowed 403, invalid data 400 (an incomplete form lists what is missing),
an illegal transition or a stale edit 409, each with a message in `detail`.
"""

from django.core.exceptions import ValidationError
from django.db.models import Prefetch
from django.http import FileResponse, Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from reform_portal.access import AssessmentPolicy, PeriodPolicy, access_for
from reform_portal.audit.services import record_download
from reform_portal.json_parser import JSONParser  # DRF's, with nesting bounded (400, never 500)
from reform_portal.versioning import IF_MATCH, StaleEdit, stale_response, stale_schema, version_read

from .. import services
from ..models import Assessment, AssessmentEvidence, AssessmentIndicator, AssessmentItem
from ..selectors import assessments_visible, periods_visible
from .serializers import (
    AssessmentCreateSerializer,
    AssessmentDecisionSerializer,
    AssessmentDetailSerializer,
    AssessmentEvidenceItemSerializer,
    AssessmentEvidenceUploadSerializer,
    AssessmentIndicatorEditSerializer,
    AssessmentIndicatorSerializer,
    AssessmentItemEditSerializer,
    AssessmentItemSerializer,
    AssessmentPeriodSerializer,
    AssessmentPeriodUpdateSerializer,
    AssessmentReturnToReviewerSerializer,
    AssessmentReviewIndicatorSerializer,
    AssessmentReviewItemSerializer,
    AssessmentSerializer,
    sent_value,
)

StaleResponse = stale_schema("AssessmentStaleResponse", serializers.DictField(allow_null=True))


def _current(obj) -> dict:
    """The row as it is now, in the shape the API returns it (for a 409 on a stale edit)."""
    if isinstance(obj, AssessmentItem):
        return AssessmentItemSerializer(obj).data
    if isinstance(obj, AssessmentIndicator):
        return AssessmentIndicatorSerializer(obj).data
    if isinstance(obj, Assessment):
        return AssessmentSerializer(obj).data
    return {"version": obj.version}


def _require(request, assessment, may: str) -> None:
    """403 for a user who may not edit (or review) this assessment at all: checked before the body is, so that
    a refused user is refused whatever they send."""
    if not AssessmentPolicy.can(request.user, may, assessment):
        if may == AssessmentPolicy.EDIT:
            raise PermissionDenied(_("只有本企业的填报人员可以修改自评表。"))
        if assessment.period.two_levels and may in (AssessmentPolicy.ACCEPT, AssessmentPolicy.RETURN_TO_REVIEWER):
            raise PermissionDenied(_("本省自评实行两级审核：初审上报后由省级工会审核通过或退回初审。"))
        if assessment.period.two_levels:
            raise PermissionDenied(_("本省自评实行两级审核：由负责该企业的县级或州（市）级工会干部初审并上报。"))
        if may in (AssessmentPolicy.FORWARD, AssessmentPolicy.RETURN_TO_REVIEWER):
            raise PermissionDenied(_("本省自评实行一级审核，没有初审上报和退回初审。"))
        raise PermissionDenied(_("只有负责该企业的工会干部可以审核自评表。"))


def _refusal(exc) -> Response:
    if isinstance(exc, StaleEdit):
        return stale_response(exc, current=_current(exc.current))
    if isinstance(exc, services.IncompleteAssessment):
        missing = [{"anchor": p.anchor, "label": p.label, "message": p.message} for p in exc.problems]
        return Response({"detail": exc.message, "missing": missing}, status=status.HTTP_400_BAD_REQUEST)
    if isinstance(exc, services.AssessmentError):
        return Response({"detail": exc.message}, status=exc.status_code)
    errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
    return Response(errors, status=status.HTTP_400_BAD_REQUEST)


def _validated(serializer_class, request) -> dict:
    """The request body checked by `serializer_class` (a 400 listing the fields when it does not pass)."""
    body = serializer_class(data=request.data)
    body.is_valid(raise_exception=True)
    return body.validated_data


class AssessmentErrorsMixin:
    def handle_exception(self, exc):
        if isinstance(exc, ValidationError | services.AssessmentError | StaleEdit):
            return _refusal(exc)
        return super().handle_exception(exc)


class PeriodViewSet(AssessmentErrorsMixin, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Reporting periods of the provinces the user works in; administrators and SASAC staff open and close them."""

    serializer_class = AssessmentPeriodSerializer
    filterset_fields = ["year", "is_open"]

    def get_queryset(self):
        return periods_visible(user=self.request.user)

    def create(self, request, *args, **kwargs):
        # Only administrators and SASAC staff open periods: refused before the body is read (the service then
        # checks the province the body names).
        if not PeriodPolicy.can(request.user, PeriodPolicy.MANAGE):
            raise PermissionDenied(_("只有管理员或本省国资委工作人员可以开放填报期。"))
        return super().create(request, *args, **kwargs)

    def perform_create(self, serializer):
        data = serializer.validated_data
        serializer.instance = services.period_open(
            province=data["province"],
            year=data["year"],
            opens_on=data["opens_on"],
            deadline=data["deadline"],
            by=self.request.user,
            review_levels=data.get("review_levels", 1),
        )

    @extend_schema(request=AssessmentPeriodUpdateSerializer, responses=AssessmentPeriodSerializer)
    def partial_update(self, request, pk=None):
        period = self.get_object()
        if not PeriodPolicy.can(request.user, PeriodPolicy.MANAGE, period.province_id):
            raise PermissionDenied(_("只有管理员或本省国资委工作人员可以开放或关闭填报期。"))
        changes = _validated(AssessmentPeriodUpdateSerializer, request)
        period = services.period_update(period=period, by=request.user, **changes)
        return Response(AssessmentPeriodSerializer(period).data)


class AssessmentViewSet(AssessmentErrorsMixin, viewsets.ReadOnlyModelViewSet):
    """Self-assessments in the user's scope. The enterprise creates, edits and submits its own; the officer
    in charge corrects, comments, returns or accepts; SASAC staff read submitted ones."""

    filterset_fields = ["period", "status", "enterprise", "period__year"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]
    ordering_fields = ["submitted_at", "updated_at"]
    ordering = ["-period__year", "enterprise__name"]

    def get_queryset(self):
        qs = assessments_visible(user=self.request.user)
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch(
                    "items", queryset=AssessmentItem.objects.select_related("measure").prefetch_related("evidence")
                ),
                Prefetch("indicator_answers", queryset=AssessmentIndicator.objects.select_related("indicator")),
                "transitions__by",
            )
        return qs

    def get_serializer_class(self):
        return AssessmentSerializer if self.action == "list" else AssessmentDetailSerializer

    def _detail(self, assessment, code=status.HTTP_200_OK):
        return Response(AssessmentDetailSerializer(self.get_queryset().get(pk=assessment.pk)).data, status=code)

    def _item(self, measure_code) -> AssessmentItem:
        return get_object_or_404(
            self.get_object().items.select_related("measure", "assessment"), measure__code=measure_code
        )

    def _answer(self, indicator_code) -> AssessmentIndicator:
        return get_object_or_404(
            self.get_object().indicator_answers.select_related("indicator", "assessment"),
            indicator__code=indicator_code,
        )

    def _decide(self, request, service, may=AssessmentPolicy.REVIEW, body=AssessmentDecisionSerializer, **extra):
        """The officer's return or acceptance, with the version read and an overall comment."""
        assessment = self.get_object()
        _require(request, assessment, may)
        data = _validated(body, request)
        version = version_read(request, data)
        extra = {name: data[name] for name in extra}
        assessment = service(
            assessment=assessment, by=request.user, comment=data["comment"], expected_version=version, **extra
        )
        return self._detail(assessment)

    @extend_schema(request=AssessmentCreateSerializer, responses={201: AssessmentDetailSerializer})
    def create(self, request):
        """Start (or fetch) the user's enterprise's assessment for a period."""
        if not AssessmentPolicy.can(request.user, AssessmentPolicy.START):
            raise PermissionDenied(_("只有企业填报人员可以创建自评表。"))
        data = _validated(AssessmentCreateSerializer, request)
        period = get_object_or_404(periods_visible(user=request.user), pk=data["period"].pk)
        assessment = services.assessment_start(
            period=period, enterprise=access_for(request.user).own_enterprise, by=request.user
        )
        return self._detail(assessment, status.HTTP_201_CREATED)

    @extend_schema(
        request=AssessmentItemEditSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentItemSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["patch"], url_path=r"items/(?P<measure_code>[^/]+)")
    def edit_item(self, request, pk=None, measure_code=None):
        """The enterprise's answer for one measure; fields left out keep their value."""
        item = self._item(measure_code)
        _require(request, item.assessment, AssessmentPolicy.EDIT)
        data = _validated(AssessmentItemEditSerializer, request)
        item = services.item_save(
            item=item,
            by=request.user,
            self_rating=data.get("self_rating", item.self_rating),
            what_done=data.get("what_done", item.what_done),
            status=data.get("claimed_status", item.claimed_status),
            percent=data.get("claimed_percent", item.claimed_percent),
            expected_version=version_read(request, data),
        )
        return Response(AssessmentItemSerializer(item).data)

    @extend_schema(
        request=AssessmentIndicatorEditSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentIndicatorSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["patch"], url_path=r"indicators/(?P<indicator_code>[^/]+)")
    def edit_indicator(self, request, pk=None, indicator_code=None):
        answer = self._answer(indicator_code)
        _require(request, answer.assessment, AssessmentPolicy.EDIT)
        data = _validated(AssessmentIndicatorEditSerializer, request)
        answer = services.indicator_save(
            answer=answer,
            by=request.user,
            value=sent_value(answer.indicator, data, "claimed"),
            expected_version=version_read(request, data),
        )
        return Response(AssessmentIndicatorSerializer(answer).data)

    @extend_schema(
        request=AssessmentReviewItemSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentItemSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["patch"], url_path=r"reviews/(?P<measure_code>[^/]+)")
    def review_item(self, request, pk=None, measure_code=None):
        """The officer's verified status / percent (blank or null = as claimed) and comment on one measure."""
        item = self._item(measure_code)
        _require(request, item.assessment, AssessmentPolicy.REVIEW)
        data = _validated(AssessmentReviewItemSerializer, request)
        item = services.review_item_save(
            item=item,
            by=request.user,
            verified_status=data.get("verified_status", item.verified_status),
            verified_percent=data.get("verified_percent", item.verified_percent),
            comment=data.get("officer_comment", item.officer_comment),
            expected_version=version_read(request, data),
        )
        return Response(AssessmentItemSerializer(item).data)

    @extend_schema(
        request=AssessmentReviewIndicatorSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentIndicatorSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["patch"], url_path=r"indicator-reviews/(?P<indicator_code>[^/]+)")
    def review_indicator(self, request, pk=None, indicator_code=None):
        answer = self._answer(indicator_code)
        _require(request, answer.assessment, AssessmentPolicy.REVIEW)
        data = _validated(AssessmentReviewIndicatorSerializer, request)
        answer = services.review_indicator_save(
            answer=answer,
            by=request.user,
            verified_value=sent_value(answer.indicator, data, "verified"),
            expected_version=version_read(request, data),
        )
        return Response(AssessmentIndicatorSerializer(answer).data)

    @extend_schema(
        request=AssessmentDecisionSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentDetailSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        assessment = self.get_object()
        _require(request, assessment, AssessmentPolicy.EDIT)
        data = _validated(AssessmentDecisionSerializer, request)
        version = version_read(request, data)
        assessment = services.assessment_submit(assessment=assessment, by=request.user, expected_version=version)
        return self._detail(assessment)

    @extend_schema(
        request=AssessmentDecisionSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentDetailSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["post"], url_path="return")
    def return_(self, request, pk=None):
        return self._decide(request, services.assessment_return)

    @extend_schema(
        request=AssessmentDecisionSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentDetailSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["post"])
    def accept(self, request, pk=None):
        """Accept: with one level the officer in charge a submitted form, with two the province union a forwarded
        one; the verified values go into the enterprise's progress."""
        return self._decide(request, services.assessment_accept, AssessmentPolicy.ACCEPT)

    @extend_schema(
        request=AssessmentDecisionSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentDetailSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["post"])
    def forward(self, request, pk=None):
        """Two levels: the officer in charge (county or prefecture union) verified a submitted form and forwards it
        to the province union (status forwarded)."""
        return self._decide(request, services.assessment_forward, AssessmentPolicy.FORWARD)

    @extend_schema(
        request=AssessmentReturnToReviewerSerializer,
        parameters=[IF_MATCH],
        responses={200: AssessmentDetailSerializer, 409: StaleResponse},
    )
    @action(detail=True, methods=["post"], url_path="return-to-reviewer")
    def return_to_reviewer(self, request, pk=None):
        """Two levels: the province union returns a forwarded form to the first level (status submitted again),
        with a reason for at least one measure (`reasons`: measure code → reason)."""
        return self._decide(
            request,
            services.assessment_return_to_reviewer,
            AssessmentPolicy.RETURN_TO_REVIEWER,
            AssessmentReturnToReviewerSerializer,
            reasons=True,
        )

    @extend_schema(
        methods=["GET"],
        parameters=[OpenApiParameter("measure", str, description="只列出这项措施（编号）的材料")],
        responses={200: AssessmentEvidenceItemSerializer(many=True)},
    )
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": AssessmentEvidenceUploadSerializer},
        responses={
            201: AssessmentEvidenceItemSerializer,
            400: OpenApiResponse(description="文件被拒绝（类型、内容或大小），或缺少措施编号"),
            409: OpenApiResponse(description="自评表已提交，不能再改"),
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None, filter_backends=[])
    def evidence(self, request, pk=None):
        """The evidence files of the form (GET, optionally one measure's); the enterprise uploads one to a measure
        of its own draft or returned form (POST, multipart: `measure` + `file`)."""
        assessment = self.get_object()
        if request.method == "GET":
            rows = AssessmentEvidence.objects.filter(item__assessment=assessment).select_related("item__measure")
            if request.query_params.get("measure"):
                rows = rows.filter(item__measure__code=request.query_params["measure"])
            return Response(
                AssessmentEvidenceItemSerializer(rows.order_by("item__measure__position", "pk"), many=True).data
            )
        _require(request, assessment, AssessmentPolicy.EDIT)
        data = _validated(AssessmentEvidenceUploadSerializer, request)
        item = get_object_or_404(
            assessment.items.select_related("measure", "assessment"), measure__code=data["measure"]
        )
        evidence = services.evidence_add(
            item=item, upload=data["file"], by=request.user, valid_until=data.get("valid_until")
        )
        return Response(AssessmentEvidenceItemSerializer(evidence).data, status=status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], url_path=r"evidence/(?P<evidence_pk>[0-9]+)/download")
    def evidence_download(self, request, pk=None, evidence_pk=None):
        """The file itself, for anyone who may see the form."""
        evidence = get_object_or_404(AssessmentEvidence, pk=evidence_pk, item__assessment=self.get_object())
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        record_download(request, "assessment_evidence", target=evidence)
        return FileResponse(handle, as_attachment=True, filename=evidence.name, content_type=evidence.content_type)
