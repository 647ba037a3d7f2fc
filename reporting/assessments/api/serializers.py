from rest_framework import serializers

from enterprises.models import Region
from measures.choices import Status
from reform_portal.versioning import VersionField

from ..choices import SelfRating
from ..models import (
    Assessment,
    AssessmentEvidence,
    AssessmentIndicator,
    AssessmentItem,
    AssessmentTransition,
    ReportingPeriod,
)

# Indicator values are passed on as sent (a number or its text): the service judges them by the one rule of
# measures.indicator_values, with the same messages as the officer's edit on the enterprise page.
VALUE_HELP = "数值（数字，或数字的文本）；空或 null 表示不填。"


class AssessmentPeriodSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.filter(level="province"))
    accepts_submissions = serializers.SerializerMethodField()

    class Meta:
        model = ReportingPeriod
        fields = ["id", "year", "province", "opens_on", "deadline", "is_open", "accepts_submissions", "created_at"]
        read_only_fields = ["created_at"]

    def get_accepts_submissions(self, obj) -> bool:
        return obj.accepts_submissions()


class AssessmentPeriodUpdateSerializer(serializers.Serializer):
    deadline = serializers.DateField(required=False)
    is_open = serializers.BooleanField(required=False)


class AssessmentEvidenceSerializer(serializers.ModelSerializer):
    class Meta:
        model = AssessmentEvidence
        fields = ["id", "name", "size", "content_type", "valid_until", "created_at"]


class AssessmentEvidenceItemSerializer(AssessmentEvidenceSerializer):
    """One evidence file with the measure it belongs to (the `evidence` endpoint lists them for the whole form)."""

    measure = serializers.CharField(source="item.measure.code", read_only=True)

    class Meta(AssessmentEvidenceSerializer.Meta):
        fields = ["id", "measure", *AssessmentEvidenceSerializer.Meta.fields[1:]]


class AssessmentEvidenceUploadSerializer(serializers.Serializer):
    measure = serializers.CharField(help_text="措施编号，如 YN-02")
    file = serializers.FileField(help_text="PDF、JPG、PNG、Word 或 Excel，按内容和大小检查")
    valid_until = serializers.DateField(required=False, allow_null=True, help_text="有效期至；留空表示长期有效")


class AssessmentItemSerializer(serializers.ModelSerializer):
    measure = serializers.CharField(source="measure.code", read_only=True)
    measure_title = serializers.CharField(source="measure.title", read_only=True)
    percent_gap = serializers.IntegerField(read_only=True)
    evidence = AssessmentEvidenceSerializer(many=True, read_only=True)

    class Meta:
        model = AssessmentItem
        fields = [
            "id",
            "measure",
            "measure_title",
            "self_rating",
            "what_done",
            "claimed_status",
            "claimed_percent",
            "verified_status",
            "verified_percent",
            "percent_gap",
            "officer_comment",
            "carried_over",
            "version",
            "evidence",
        ]


class AssessmentIndicatorSerializer(serializers.ModelSerializer):
    indicator = serializers.CharField(source="indicator.code", read_only=True)
    name = serializers.CharField(source="indicator.name", read_only=True)
    target = serializers.CharField(source="indicator.target_display", read_only=True)
    claimed_met = serializers.BooleanField(read_only=True, allow_null=True)
    final_met = serializers.BooleanField(read_only=True, allow_null=True)

    class Meta:
        model = AssessmentIndicator
        fields = [
            "id",
            "indicator",
            "name",
            "target",
            "claimed_value",
            "claimed_met",
            "verified_value",
            "final_met",
            "carried_over",
            "version",
        ]


class AssessmentTransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, default=None)

    class Meta:
        model = AssessmentTransition
        fields = ["action", "from_status", "to_status", "by", "at", "round", "comment"]


class AssessmentSerializer(serializers.ModelSerializer):
    enterprise = serializers.PrimaryKeyRelatedField(read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    year = serializers.IntegerField(source="period.year", read_only=True)

    class Meta:
        model = Assessment
        fields = [
            "id",
            "period",
            "year",
            "enterprise",
            "enterprise_name",
            "status",
            "round",
            "version",
            "submitted_at",
            "accepted_at",
            "days_taken",
        ]
        read_only_fields = fields


class AssessmentDetailSerializer(AssessmentSerializer):
    items = AssessmentItemSerializer(many=True, read_only=True)
    indicators = AssessmentIndicatorSerializer(source="indicator_answers", many=True, read_only=True)
    transitions = AssessmentTransitionSerializer(many=True, read_only=True)

    class Meta(AssessmentSerializer.Meta):
        fields = [*AssessmentSerializer.Meta.fields, "items", "indicators", "transitions"]
        read_only_fields = fields


class AssessmentCreateSerializer(serializers.Serializer):
    period = serializers.PrimaryKeyRelatedField(queryset=ReportingPeriod.objects.all())


class AssessmentItemEditSerializer(serializers.Serializer):
    self_rating = serializers.ChoiceField(choices=SelfRating.choices, required=False, allow_blank=True)
    what_done = serializers.CharField(required=False, allow_blank=True)
    claimed_status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    claimed_percent = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    version = VersionField(required=False, allow_null=True)


class AssessmentIndicatorEditSerializer(serializers.Serializer):
    claimed_value = serializers.CharField(allow_null=True, allow_blank=True, help_text=VALUE_HELP)
    version = VersionField(required=False, allow_null=True)


class AssessmentReviewItemSerializer(serializers.Serializer):
    verified_status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    verified_percent = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    officer_comment = serializers.CharField(required=False, allow_blank=True)
    version = VersionField(required=False, allow_null=True)


class AssessmentReviewIndicatorSerializer(serializers.Serializer):
    verified_value = serializers.CharField(allow_null=True, allow_blank=True, help_text=VALUE_HELP)
    version = VersionField(required=False, allow_null=True)


class AssessmentDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="")
    version = VersionField(required=False, allow_null=True)
