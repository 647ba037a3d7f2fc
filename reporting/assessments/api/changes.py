"""`/api/assessment-changes/`: values changed since their assessment was accepted (changes_since.py), as the page
`/reporting/assessments/changes/` lists them, and the officer's 确认 / 提出疑问 (services/accepted_changes.py).

- `GET /api/assessment-changes/`: the user's queue, newest change first (`kind`, `offset`, `limit` ≤ 50), with
  `count`;
- `POST /api/assessment-changes/{kind}-{record_id}/confirm/` (body: `version` of the record as listed, or
  If-Match; optional `comment`), `.../question/` (a `comment` is required; the editor is mailed). A record not in
  the user's queue is a 404, a record changed again since it was listed a 409 with the row as it is now.
"""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import NotFound, PermissionDenied
from rest_framework.response import Response

from reform_portal.access import AssessmentPolicy
from reform_portal.outbox.services import bound
from reform_portal.versioning import IF_MATCH, StaleEdit, stale_response, stale_schema, version_read

from .. import services
from ..changes_since import PAGE_SIZE, changed_value, changes_since_acceptance, changes_since_acceptance_count
from ..choices import ValueReviewDecision, ValueReviewKind
from ..tasks import send_value_question_email
from .serializers import AcceptedValueReviewSerializer, AssessmentChangeDecisionSerializer, AssessmentChangeSerializer

OFFSET_MAX = 1_000_000
ChangeStaleResponse = stale_schema("AssessmentChangeStaleResponse", AssessmentChangeSerializer(allow_null=True))


def _int(raw, default: int, low: int, high: int, name: str) -> int:
    if raw in (None, ""):
        return default
    try:
        value = int(raw)
    except (TypeError, ValueError):
        raise serializers.ValidationError({name: [_("请填写整数。")]}) from None
    if not low <= value <= high:
        raise serializers.ValidationError({name: [_("应在 %(low)s 到 %(high)s 之间。") % {"low": low, "high": high}]})
    return value


class _PageSchema(AutoSchema):
    """The list answers one object (count, next offset, the page's rows), not an array of rows."""

    def _is_list_view(self, serializer=None) -> bool:
        return False


class AssessmentChangeViewSet(viewsets.ViewSet):
    """Values changed since their enterprise's assessment was accepted, for the officers in charge to confirm or
    question."""

    schema = _PageSchema()

    lookup_field = "key"
    lookup_value_regex = r"(?:progress|indicator)-[0-9]{1,18}"

    def _check(self, request):
        if not AssessmentPolicy.can(request.user, AssessmentPolicy.CHECK_CHANGES):
            raise PermissionDenied(_("只有工会干部和管理员可以核对通过后的变更。"))

    @extend_schema(
        operation_id="assessment_changes_list",
        parameters=[
            OpenApiParameter("kind", str, enum=ValueReviewKind.values, description="progress 或 indicator"),
            OpenApiParameter("offset", int, description="从第几条开始（0 起）"),
            OpenApiParameter("limit", int, description=f"条数，至多 {PAGE_SIZE}"),
        ],
        responses={
            200: inline_serializer(
                "AssessmentChangePage",
                {
                    "count": serializers.IntegerField(),
                    "next_offset": serializers.IntegerField(allow_null=True),
                    "results": AssessmentChangeSerializer(many=True),
                },
            )
        },
    )
    def list(self, request):
        self._check(request)
        kind = request.query_params.get("kind") or None
        if kind is not None and kind not in ValueReviewKind.values:
            raise serializers.ValidationError({"kind": [_("类别只能是 progress 或 indicator。")]})
        offset = _int(request.query_params.get("offset"), 0, 0, OFFSET_MAX, "offset")
        limit = _int(request.query_params.get("limit"), PAGE_SIZE, 1, PAGE_SIZE, "limit")
        count = changes_since_acceptance_count(request.user, kind)
        rows = changes_since_acceptance(user=request.user, kind=kind, offset=offset, limit=limit)
        following = offset + limit if offset + limit < count else None
        return Response(
            {"count": count, "next_offset": following, "results": AssessmentChangeSerializer(rows, many=True).data}
        )

    def _decide(self, request, key, decision):
        self._check(request)
        kind, _sep, record_id = key.partition("-")
        if changed_value(user=request.user, kind=kind, record_id=int(record_id)) is None:  # before the body is read
            raise NotFound(_("该记录不在您的待核对列表中。"))
        body = AssessmentChangeDecisionSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        version = version_read(request, body.validated_data)
        try:
            review = services.value_review_record(
                kind=kind,
                record_id=int(record_id),
                by=request.user,
                decision=decision,
                comment=body.validated_data.get("comment", ""),
                expected_version=version,
                enqueue_email=bound(send_value_question_email),
            )
        except services.ChangeNotInQueue:
            raise NotFound(_("该记录不在您的待核对列表中。")) from None
        except StaleEdit as exc:
            current = changed_value(user=request.user, kind=kind, record_id=int(record_id))
            return stale_response(exc, current=AssessmentChangeSerializer(current).data if current else None)
        except ValidationError as exc:
            errors = exc.message_dict if hasattr(exc, "error_dict") else {"detail": exc.messages}
            return Response(errors, status=status.HTTP_400_BAD_REQUEST)
        return Response(AcceptedValueReviewSerializer(review).data, status=status.HTTP_201_CREATED)

    @extend_schema(
        request=AssessmentChangeDecisionSerializer,
        parameters=[IF_MATCH],
        responses={201: AcceptedValueReviewSerializer, 409: ChangeStaleResponse},
    )
    @action(detail=True, methods=["post"])
    def confirm(self, request, key=None):
        """确认: the changed value is right; the record leaves the queue (until it changes again)."""
        return self._decide(request, key, ValueReviewDecision.CONFIRM)

    @extend_schema(
        request=AssessmentChangeDecisionSerializer,
        parameters=[IF_MATCH],
        responses={201: AcceptedValueReviewSerializer, 409: ChangeStaleResponse},
    )
    @action(detail=True, methods=["post"])
    def question(self, request, key=None):
        """提出疑问: a `comment` is required; it is mailed to whoever changed the value."""
        return self._decide(request, key, ValueReviewDecision.QUESTION)
