from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS
from reform_portal.versioning import VersionField

from ..choices import MEASURES_MAX, REPLY_FILES_MAX, Light
from ..models import OrderReply, SupervisionOrder


class MeasureCodes(serializers.ListField):
    """Measures by their codes, read and written alike."""

    def to_representation(self, data):
        return [m.code for m in data.all()]


class OrderSerializer(serializers.ModelSerializer):
    """A supervision order. Created with `enterprise_ids` (one order each, all or nothing), `measures` (codes),
    `request` and `due_date`; read with its light (`light`: green / yellow / red, `light_text`, `days`)."""

    enterprise_ids = serializers.ListField(
        child=serializers.IntegerField(min_value=1, max_value=2**31 - 1),
        write_only=True,
        min_length=1,
        max_length=2000,
        help_text="企业 id（每家企业一张督办单）",
    )
    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    prefecture = serializers.CharField(source="enterprise.region.code", read_only=True)
    measures = MeasureCodes(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=MEASURES_MAX,
        help_text="措施代码，如 YN-06",
    )
    request = serializers.CharField(max_length=NOTE_MAX_CHARS)
    due_date = serializers.DateField(allow_null=True)
    light = serializers.SerializerMethodField()
    light_text = serializers.SerializerMethodField()
    days = serializers.SerializerMethodField(help_text="剩余 / 已逾期的工作日，或办结情况")
    version = VersionField(read_only=True)

    class Meta:
        model = SupervisionOrder
        fields = [
            "id", "number", "enterprise", "enterprise_ids", "enterprise_name", "prefecture", "issuer_body",
            "measures", "request", "due_date", "status", "batch", "created_at", "replied_at", "closed_at",
            "light", "light_text", "days", "version",
        ]  # fmt: skip
        read_only_fields = ["number", "issuer_body", "status", "batch", "created_at", "replied_at", "closed_at"]

    @extend_schema_field(serializers.ChoiceField(choices=Light.choices))
    def get_light(self, obj) -> str:
        return obj.light.colour

    def get_light_text(self, obj) -> str:
        return obj.light.label

    def get_days(self, obj) -> str:
        return obj.light.days


class ReplyFileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()


class ReplySerializer(serializers.ModelSerializer):
    text = serializers.CharField(max_length=ANSWER_MAX_CHARS)
    files = serializers.ListField(
        child=serializers.FileField(), write_only=True, required=False, max_length=REPLY_FILES_MAX
    )
    evidence = ReplyFileSerializer(source="files", many=True, read_only=True)
    by = serializers.CharField(source="by.username", read_only=True)

    class Meta:
        model = OrderReply
        fields = ["id", "text", "files", "evidence", "by", "at"]
        read_only_fields = ["at"]


class DecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(max_length=NOTE_MAX_CHARS, required=False, allow_blank=True)
    version = VersionField(required=False)
