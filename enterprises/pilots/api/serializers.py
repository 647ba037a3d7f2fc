from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reform_portal.text_limits import NOTE_MAX_CHARS
from reform_portal.versioning import VersionField

from ..choices import AMOUNT_MAX, DOCUMENT_NUMBER_MAX_CHARS, PURPOSE_MAX_CHARS, SCOPE_MAX_MEASURES, FundKind
from ..models import PilotDesignation, PilotFund


class MeasureCodes(serializers.ListField):
    """Measures by their codes, read and written alike."""

    def to_representation(self, data):
        return [m.code for m in data.all()]


class PilotSerializer(serializers.ModelSerializer):
    """A designation. Written: `enterprise` (id, only on create), `region` (the designating union's region code: the
    enterprise's province or prefecture), `document_number`, `designated_on`, `measures` (codes), `note`; an update
    sends the `version` it read (or If-Match)."""

    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)
    enterprise_id = serializers.IntegerField(
        write_only=True, required=False, min_value=1, max_value=2**31 - 1, help_text="企业 id（仅新建时）"
    )
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    prefecture = serializers.CharField(source="enterprise.region.code", read_only=True)
    region = serializers.CharField(source="region.code", max_length=6, help_text="认定单位所在的省或州（市）代码")
    document_number = serializers.CharField(max_length=DOCUMENT_NUMBER_MAX_CHARS)
    measures = MeasureCodes(
        child=serializers.CharField(max_length=20),
        max_length=SCOPE_MAX_MEASURES,
        help_text="试点措施的代码，如 YN-06",
    )
    note = serializers.CharField(max_length=NOTE_MAX_CHARS, required=False, allow_blank=True)
    status = serializers.CharField(read_only=True)
    ends_on = serializers.DateField(read_only=True)
    done = serializers.SerializerMethodField(help_text="试点措施中已完成（含常态化推进）的项数")
    applicable = serializers.SerializerMethodField(help_text="试点措施中适用于该企业的项数")
    granted = serializers.SerializerMethodField(help_text="下达经费合计（元）")
    paid = serializers.SerializerMethodField(help_text="拨付经费合计（元）")
    version = VersionField(required=False)

    class Meta:
        model = PilotDesignation
        fields = [
            "id",
            "enterprise",
            "enterprise_id",
            "enterprise_name",
            "prefecture",
            "region",
            "document_number",
            "designated_on",
            "measures",
            "status",
            "ends_on",
            "note",
            "done",
            "applicable",
            "granted",
            "paid",
            "version",
        ]
        read_only_fields = ["id"]

    @extend_schema_field(OpenApiTypes.INT)
    def get_done(self, obj) -> int:
        return obj.progress.done

    @extend_schema_field(OpenApiTypes.INT)
    def get_applicable(self, obj) -> int:
        return obj.progress.applicable

    @extend_schema_field(OpenApiTypes.STR)
    def get_granted(self, obj) -> str:
        return f"{obj.granted:.2f}"

    @extend_schema_field(OpenApiTypes.STR)
    def get_paid(self, obj) -> str:
        return f"{obj.paid:.2f}"


class FundSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(
        max_digits=11, decimal_places=2, min_value=0, max_value=AMOUNT_MAX, coerce_to_string=True
    )
    kind = serializers.ChoiceField(choices=FundKind.choices)
    purpose = serializers.CharField(max_length=PURPOSE_MAX_CHARS)
    recorded_by = serializers.SlugRelatedField(slug_field="username", read_only=True)

    class Meta:
        model = PilotFund
        fields = ["id", "kind", "amount", "on_date", "purpose", "recorded_by", "created_at"]
        read_only_fields = ["id", "recorded_by", "created_at"]
