"""/api/progress/ and /api/evidence/: the same validation, scoping and stale-edit refusal as the pages."""

import copy

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import transaction
from django.db.models import F
from django.http import FileResponse, Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.exceptions import PermissionDenied, ValidationError
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from reform_portal.access import EnterprisePolicy
from reform_portal.audit.services import record_download
from reform_portal.json_parser import JSONParser  # DRF's, with nesting bounded (400, never 500)
from reform_portal.locks import lock_one
from reform_portal.pagination import PortalPagination
from reform_portal.text_limits import NOTE_MAX_CHARS
from reform_portal.versioning import (
    IF_MATCH,
    ETagOnRetrieve,
    StaleEdit,
    VersionField,
    etag,
    stale_response,
    stale_schema,
    version_read,
)

from ..choices import Status
from ..filters import EvidenceFilter, ProgressFilter
from ..models import WITHDRAWAL_REASON_MAX, Evidence, Progress
from ..selectors import evidence_visible, progress_visible
from ..services import evidence_add, evidence_withdraw, progress_update


class EvidenceSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.CharField(source="uploaded_by.username", read_only=True, default=None, allow_null=True)
    download_url = serializers.SerializerMethodField()

    class Meta:
        model = Evidence
        fields = [
            "id",
            "progress",
            "original_name",
            "sha256",
            "size",
            "content_type",
            "uploaded_by",
            "created_at",
            "download_url",
            "withdrawn_at",
            "withdrawal_reason",
        ]

    def get_download_url(self, obj) -> str:
        return f"/api/evidence/{obj.pk}/download/"


class ProgressSerializer(serializers.ModelSerializer):
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    measure = serializers.CharField(source="measure.code", read_only=True)
    measure_title = serializers.CharField(source="measure.title", read_only=True)
    document = serializers.CharField(source="measure.document.code", read_only=True)
    updated_by = serializers.CharField(source="updated_by.username", read_only=True, default=None, allow_null=True)

    class Meta:
        model = Progress
        fields = [
            "id",
            "enterprise",
            "enterprise_name",
            "measure",
            "measure_title",
            "document",
            "status",
            "percent",
            "note",
            "version",
            "updated_by",
            "updated_at",
        ]
        read_only_fields = fields

    def get_fields(self):
        # The fields ModelSerializer derives from the model, derived once per process rather than for every answer
        # (half of this serializer's time); each serializer gets copies of its own.
        cls = type(self)
        if "_derived_fields" not in cls.__dict__:
            cls._derived_fields = super().get_fields()
        return copy.deepcopy(cls._derived_fields)

    def to_representation(self, instance):
        """What the declared fields give (the schema's), read straight from the row: DRF's walk over each field's
        source and `to_representation` was most of a 500-row page's time. The time goes through the declared
        field (the API's format and time zone); tests/measures/test_progress_representation.py compares both."""
        enterprise_name, measure, measure_title, document, updated_by = _names(instance)
        return {
            "id": instance.pk,
            "enterprise": instance.enterprise_id,
            "enterprise_name": enterprise_name,
            "measure": measure,
            "measure_title": measure_title,
            "document": document,
            "status": instance.status,
            "percent": instance.percent,
            "note": instance.note,
            "version": instance.version,
            "updated_by": updated_by,
            "updated_at": self.fields["updated_at"].to_representation(instance.updated_at),
        }


# The names a progress row's answer shows from other tables, read with the row by the list (`with_names`): five
# related model instances a row (progress, enterprise, measure, document, editor) were three quarters of the time
# of reading a 500-row page.
NAMES = {
    "listed_enterprise_name": F("enterprise__name"),
    "listed_measure_code": F("measure__code"),
    "listed_measure_title": F("measure__title"),
    "listed_document_code": F("measure__document__code"),
    "listed_editor": F("updated_by__username"),
}
ROW_COLUMNS = (
    "id",
    "enterprise_id",
    "measure_id",
    "status",
    "percent",
    "note",
    "version",
    "updated_by_id",
    "updated_at",
)


def with_names(rows):
    """Progress rows with only their own columns and the names their answer shows (`NAMES`), no related row."""
    return rows.select_related(None).only(*ROW_COLUMNS).annotate(**NAMES)


def _names(row) -> tuple:
    """(enterprise name, measure code, measure title, document code, editor's username) of a row: read with it by
    `with_names`, else from its related rows (a single row: the write's answer, a stale edit's current row)."""
    if hasattr(row, "listed_enterprise_name"):
        return tuple(getattr(row, name) for name in NAMES)
    measure, editor = row.measure, row.updated_by
    return row.enterprise.name, measure.code, measure.title, measure.document.code, editor and editor.username


class ProgressWriteSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=Status.choices, required=False)
    percent = serializers.IntegerField(min_value=0, max_value=100, required=False)
    note = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_CHARS)
    version = VersionField(required=False)


class EvidenceWithdrawSerializer(serializers.Serializer):
    reason = serializers.CharField(
        max_length=WITHDRAWAL_REASON_MAX, help_text=gettext_lazy("撤回原因（必填，保留在变更记录中）")
    )


class EvidenceUploadSerializer(serializers.Serializer):
    file = serializers.FileField(help_text=gettext_lazy("PDF、JPG、PNG、Word 或 Excel，不超过 20 MB"))


# What a write reads with the row: the fields of the answer (ProgressSerializer) and those the access policy decides on
# (`Access.sees_enterprise`: the enterprise's id, region and county).
WRITE_ROW_FIELDS = (
    *ROW_COLUMNS,
    *("enterprise__name", "enterprise__region_id", "enterprise__county_id"),
    *("measure__code", "measure__title", "measure__document__code", "updated_by__username"),
)

WRITE_ROW_RELATIONS = ("enterprise", "measure__document", "updated_by")

StaleResponse = stale_schema("StaleProgressResponse", ProgressSerializer())


class ProgressPagination(PortalPagination):
    """A listed page's rows carry the columns and names they show, not the related rows (`with_names`); the walk
    and the sort read the ids alone."""

    page_rows = staticmethod(with_names)


class ProgressViewSet(ETagOnRetrieve, mixins.UpdateModelMixin, viewsets.ReadOnlyModelViewSet):
    """Progress of the enterprises the user may see. Officers update those in their charge: send the
    `version` you read (or `If-Match`); a write based on an old version gets 409 with the current values.
    A move back (an earlier status or a lower percent) needs a `note` in that request giving its reason; a
    `note` left out otherwise keeps the stored one."""

    serializer_class = ProgressSerializer
    pagination_class = ProgressPagination
    filterset_class = ProgressFilter
    ordering_fields = ["updated_at", "percent", "enterprise__name"]
    parser_classes = [JSONParser, FormParser, MultiPartParser]

    def get_queryset(self):
        return progress_visible(user=self.request.user)

    def get_serializer_class(self):
        if self.action in ("update", "partial_update"):
            return ProgressWriteSerializer
        return super().get_serializer_class()

    @extend_schema(
        request=ProgressWriteSerializer, parameters=[IF_MATCH], responses={200: ProgressSerializer, 409: StaleResponse}
    )
    def update(self, request, *args, **kwargs):
        partial = kwargs.pop("partial", False)
        # One transaction: the row is read within the user's scope, with what the answer shows, and locked, in one
        # query; the service checks and writes that row; the answer is that row (docs/performance/writes.md).
        try:
            with transaction.atomic():
                progress = self._locked_row()  # out of scope: 404
                if not EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS, progress.enterprise):
                    raise PermissionDenied(_("您无权更新该企业的推进情况。"))
                write = ProgressWriteSerializer(data=request.data, partial=partial)
                write.is_valid(raise_exception=True)
                data = write.validated_data
                if not partial:
                    missing = [f for f in ("status", "percent") if f not in data]
                    if missing:
                        raise ValidationError({f: [_("该字段是必填项。")] for f in missing})
                version = version_read(request, data)
                updated = progress_update(
                    progress=progress,
                    status=data.get("status", progress.status),
                    percent=data.get("percent", progress.percent),
                    # None: no note in this request. The stored one is kept, but it cannot explain a move back:
                    # that needs a note of its own (progress_problems).
                    note=data.get("note"),
                    by=request.user,
                    expected_version=version,
                    locked=True,
                )
        except StaleEdit as exc:
            return stale_response(exc, current=ProgressSerializer(exc.current).data)  # the locked row, unchanged
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        data = ProgressSerializer(updated).data
        return Response(data, headers={"ETag": etag(data["version"])})

    def _locked_row(self) -> Progress:
        """The row of the URL, if the user sees it (else 404), locked (`locks.lock_one`: this row only), with the
        enterprise (scope, name), the measure and its document and the last editor that the answer shows."""
        rows = EnterprisePolicy.visible(
            self.request.user,
            Progress.objects.select_related(*WRITE_ROW_RELATIONS).only(*WRITE_ROW_FIELDS),
            prefix="enterprise__",
        )
        try:
            return lock_one(rows, self.kwargs[self.lookup_url_kwarg or self.lookup_field])
        except (Progress.DoesNotExist, TypeError, ValueError, DjangoValidationError):
            raise Http404 from None

    @extend_schema(
        request=ProgressWriteSerializer, parameters=[IF_MATCH], responses={200: ProgressSerializer, 409: StaleResponse}
    )
    def partial_update(self, request, *args, **kwargs):
        return super().partial_update(request, *args, **kwargs)

    @extend_schema(methods=["GET"], responses={200: EvidenceSerializer(many=True)})
    @extend_schema(
        methods=["POST"],
        request={"multipart/form-data": EvidenceUploadSerializer},
        responses={
            201: EvidenceSerializer,
            400: OpenApiResponse(description=gettext_lazy("文件被拒绝（类型、内容或大小）")),
        },
    )
    @action(detail=True, methods=["get", "post"], url_path="evidence", pagination_class=None, filterset_class=None)
    def evidence(self, request, pk=None):
        progress = self.get_object()
        if request.method == "GET":  # the files offered as the record's evidence: not the withdrawn ones
            rows = evidence_visible(user=request.user).current().filter(progress=progress)
            return Response(EvidenceSerializer(rows, many=True).data)
        if not EnterprisePolicy.can(request.user, EnterprisePolicy.UPDATE_PROGRESS, progress.enterprise):
            raise PermissionDenied(_("您无权为该企业上传证明材料。"))
        upload = EvidenceUploadSerializer(data=request.data)
        upload.is_valid(raise_exception=True)
        try:
            evidence = evidence_add(progress=progress, upload=upload.validated_data["file"], by=request.user)
        except DjangoValidationError as exc:
            raise ValidationError({"file": exc.messages}) from None
        return Response(EvidenceSerializer(evidence).data, status=status.HTTP_201_CREATED)


class EvidenceViewSet(viewsets.ReadOnlyModelViewSet):
    """Evidence files of the enterprises the user may see; the file itself only through `download`. The list holds
    the current files (`withdrawn=true`: the withdrawn ones); a withdrawn file is still read and downloaded by its id,
    as its history shows it. Officers in charge withdraw a wrong file with `withdraw` and a reason."""

    serializer_class = EvidenceSerializer
    filterset_class = EvidenceFilter

    def get_queryset(self):
        rows = evidence_visible(user=self.request.user)
        if self.action == "list" and "withdrawn" not in self.request.query_params:
            rows = rows.current()  # the files offered as evidence
        return rows

    @extend_schema(
        request=EvidenceWithdrawSerializer,
        responses={200: EvidenceSerializer, 400: OpenApiResponse(description=gettext_lazy("缺少撤回原因，或已撤回"))},
    )
    @action(detail=True, methods=["post"], filterset_class=None)
    def withdraw(self, request, pk=None):
        evidence = self.get_object()  # out of scope: 404
        if not EnterprisePolicy.can(request.user, EnterprisePolicy.WITHDRAW_EVIDENCE, evidence.progress.enterprise):
            raise PermissionDenied(_("您无权撤回该企业的证明材料。"))
        body = EvidenceWithdrawSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        try:
            evidence = evidence_withdraw(evidence=evidence, by=request.user, reason=body.validated_data["reason"])
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from None
        return Response(EvidenceSerializer(evidence).data)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        evidence = self.get_object()
        try:
            handle = evidence.file.open("rb")
        except FileNotFoundError:
            raise Http404 from None
        record_download(request, "evidence", target=evidence)
        return FileResponse(
            handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
        )
