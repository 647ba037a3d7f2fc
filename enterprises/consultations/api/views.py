"""The 直通车's API: /api/questions/ (list with the page's filters; POST asks), /api/questions/{id}/ (with its thread
at /messages/), and the actions answer, forward (up a level), forward-liaison (to a 联络员 / 指导员), follow-up and
rate (each with the `version` read or If-Match: 409 when stale); /api/faq/ (search `q`, `measure`). Out of scope: 404;
in scope but not allowed: 403."""

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

from enterprises.models import Enterprise
from measures.models import Measure
from reform_portal.access import QuestionPolicy
from reform_portal.pagination import PortalPagination
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
from ..filters import FaqFilter, QuestionFilter
from ..selectors import faq_visible, question_rows, questions_visible, thread
from .serializers import (
    AnswerSerializer,
    FaqSerializer,
    FollowUpSerializer,
    ForwardLiaisonSerializer,
    ForwardSerializer,
    MessageSerializer,
    QuestionSerializer,
    RateSerializer,
)

StaleResponse = stale_schema("StaleQuestionResponse", QuestionSerializer())
PARSERS = [MultiPartParser, FormParser, JSONParser]
REFUSED = "您不能对该问题进行此操作。"


# the services' names → the API's
RENAMED = {"enterprise": "enterprise_id", "measure": "measure_code"}


def _action_schema(request_serializer):
    return extend_schema(
        request={"multipart/form-data": request_serializer, "application/json": request_serializer},
        parameters=[IF_MATCH],
        responses={200: QuestionSerializer, 409: StaleResponse},
    )


class QuestionViewSet(ETagOnRetrieve, mixins.CreateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Questions of the 产改直通车 the user sees, newest first; filters as the list page (`status`, `topic`,
    `overdue`, `measure`, `prefecture`, `county`, `mine`)."""

    serializer_class = QuestionSerializer
    filterset_class = QuestionFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = PortalPagination
    parser_classes = PARSERS

    def get_queryset(self):
        return question_rows(questions_visible(user=self.request.user))

    def create(self, request, *args, **kwargs):
        if not QuestionPolicy.can(request.user, QuestionPolicy.ASK):
            raise PermissionDenied("只有企业用户（或集团用户为其子企业）可以提问。")
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        enterprise = Enterprise.objects.filter(pk=data["enterprise_id"]).first()
        measure = None
        if data.get("measure_code"):
            measure = Measure.objects.filter(code=data["measure_code"]).first()
            if measure is None:
                raise ValidationError({"measure_code": [f"没有代码为“{data['measure_code']}”的措施。"]})
        try:
            question = services.question_ask(
                enterprise=enterprise,
                topic=data["topic"],
                measure=measure,
                title=data["title"],
                body=data["body"],
                files=data.get("files", []),
                by=request.user,
            )
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        return Response(self._read(question.pk), status=status.HTTP_201_CREATED)

    def _read(self, pk) -> dict:
        return QuestionSerializer(question_rows(questions_visible(user=self.request.user)).get(pk=pk)).data

    @extend_schema(responses={200: MessageSerializer(many=True)})
    @action(detail=True, methods=["get"], url_path="messages", filter_backends=[], pagination_class=None)
    def messages(self, request, pk=None):
        """The question's thread, oldest first: asked, answers, forwards, follow-ups, the rating, escalations."""
        question = get_object_or_404(self.get_queryset(), pk=pk)
        return Response(MessageSerializer(thread(question), many=True).data)

    def _act(self, request, pk, *, policy_action, serializer_class, run):
        question = get_object_or_404(self.get_queryset(), pk=pk)  # out of scope: 404
        if not QuestionPolicy.can(request.user, policy_action, question):
            raise PermissionDenied(REFUSED)
        serializer = serializer_class(data=request.data)
        serializer.is_valid(raise_exception=True)
        version = version_read(request, serializer.validated_data)
        try:
            run(question, serializer.validated_data, version)
        except StaleEdit as exc:
            return stale_response(exc, current=self._read(question.pk))
        except DjangoPermissionDenied:
            raise PermissionDenied(REFUSED) from None
        except DjangoValidationError as exc:
            raise errors_to_api(exc, renamed=RENAMED) from None
        data = self._read(question.pk)
        return Response(data, headers={"ETag": etag(data["version"])})

    @_action_schema(AnswerSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=AnswerSerializer)
    def answer(self, request, pk=None):
        """Answer (the officers in charge, the handlers, the liaison it was forwarded to): `text`, `files`."""

        def run(question, data, version):
            services.question_answer(
                question=question, text=data["text"], files=data.get("files", []), by=request.user,
                expected_version=version,
            )  # fmt: skip

        return self._act(request, pk, policy_action=QuestionPolicy.ANSWER, serializer_class=AnswerSerializer, run=run)

    @_action_schema(ForwardSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=ForwardSerializer)
    def forward(self, request, pk=None):
        """Forward to the next union level up (county → prefecture → province), with an optional `note`."""

        def run(question, data, version):
            services.question_forward_up(
                question=question, note=data.get("note", ""), by=request.user, expected_version=version
            )

        return self._act(request, pk, policy_action=QuestionPolicy.FORWARD, serializer_class=ForwardSerializer, run=run)

    @_action_schema(ForwardLiaisonSerializer)
    @action(
        detail=True,
        methods=["post"],
        url_path="forward-liaison",
        filter_backends=[],
        serializer_class=ForwardLiaisonSerializer,
    )
    def forward_liaison(self, request, pk=None):
        """Forward to a 产改联络员 / 指导员 assigned to the enterprise (`user`: their id), who sees and answers it."""

        def run(question, data, version):
            services.question_forward_to_liaison(
                question=question, user=data["user"], note=data.get("note", ""), by=request.user,
                expected_version=version,
            )  # fmt: skip

        return self._act(
            request, pk, policy_action=QuestionPolicy.FORWARD, serializer_class=ForwardLiaisonSerializer, run=run
        )

    @_action_schema(FollowUpSerializer)
    @action(
        detail=True, methods=["post"], url_path="follow-up", filter_backends=[], serializer_class=FollowUpSerializer
    )
    def follow_up(self, request, pk=None):
        """A follow-up of the enterprise's side on an answered question: it waits for an answer again (待答复)."""

        def run(question, data, version):
            services.question_follow_up(
                question=question, text=data["text"], files=data.get("files", []), by=request.user,
                expected_version=version,
            )  # fmt: skip

        return self._act(
            request, pk, policy_action=QuestionPolicy.RESPOND, serializer_class=FollowUpSerializer, run=run
        )

    @_action_schema(RateSerializer)
    @action(detail=True, methods=["post"], filter_backends=[], serializer_class=RateSerializer)
    def rate(self, request, pk=None):
        """Rate the answer (`rating` 1–5, optional `comment`), once: the question is closed (已关闭)."""

        def run(question, data, version):
            services.question_rate(
                question=question, rating=data["rating"], comment=data.get("comment", ""), by=request.user,
                expected_version=version,
            )  # fmt: skip

        return self._act(request, pk, policy_action=QuestionPolicy.RESPOND, serializer_class=RateSerializer, run=run)


class FaqViewSet(viewsets.ReadOnlyModelViewSet):
    """The FAQ (常见问题) the user sees: entries of the measures that apply to their enterprises (officers and SASAC
    staff: of their province); search `q` in the question and the answer, filter by `measure` (a code)."""

    serializer_class = FaqSerializer
    filterset_class = FaqFilter
    filter_backends = [DjangoFilterBackend]
    pagination_class = PortalPagination

    def get_queryset(self):
        return faq_visible(user=self.request.user)
