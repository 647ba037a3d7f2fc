from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers
from rest_framework.exceptions import ValidationError

from enterprises.models import Region
from measures.choices import IndicatorKind, Status
from measures.indicator_values import value_display, verdict_display
from reform_portal.text_limits import ANSWER_MAX_CHARS, NOTE_MAX_CHARS
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
from ..period_limits import REVIEW_LEVELS_MAX, REVIEW_LEVELS_MIN, YEAR_MAX, YEAR_MIN, period_problems
from ..services.values import answer_role, applicable_ids

# Indicator values are passed on as sent: the service judges them by the one rule of measures.indicator_values,
# by the indicator's kind, with the same messages as the officer's edit on the enterprise page.
VALUE_HELP = (
    "按指标类型填写：是/否 填 true/false（或“是”/“否”、1/0）；数量填不小于 0 的整数；比例填 0–100 的数；"
    "日期（YYYY-MM-DD）和文字也可填在 *_text 中。空或 null 表示不填。"
)
TEXT_HELP = "日期（YYYY-MM-DD）或文字类指标的值；给出时优先于 *_value。"


@extend_schema_field(
    {
        "oneOf": [{"type": "string"}, {"type": "number"}, {"type": "boolean"}],
        "nullable": True,
        "description": VALUE_HELP,
    }
)
class IndicatorValueField(serializers.Field):
    """A value as sent (a JSON string, number, true/false or null), for the service to judge by the indicator's kind."""

    default_error_messages = {"invalid": gettext_lazy("请填写单个值：文字、数字、true/false 或 null。")}

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_internal_value(self, data):
        if isinstance(data, (str, int, float, bool)):
            return data
        self.fail("invalid")

    def to_representation(self, value):
        return value


def answer_value(indicator, number):
    """A stored number as the API returns it by kind: true/false for 是/否, a whole number for a count, the decimal
    (as text, as DRF returns decimals) for a share; None for a date or a text (their value is in *_text)."""
    if number is None or indicator.kind in (IndicatorKind.DATE, IndicatorKind.TEXT):
        return None
    if indicator.kind == IndicatorKind.BOOLEAN:
        return number >= 1
    if indicator.kind == IndicatorKind.COUNT and number == number.to_integral_value():
        return int(number)
    return f"{number:.2f}"


class AssessmentPeriodSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.filter(level="province"))
    accepts_submissions = serializers.SerializerMethodField()
    due_date = serializers.DateField(
        read_only=True, help_text="The deadline, moved to the next working day when it falls on a day off."
    )

    class Meta:
        model = ReportingPeriod
        fields = [
            "id",
            "year",
            "province",
            "opens_on",
            "deadline",
            "due_date",
            "reminder_offsets",
            "review_levels",
            "is_open",
            "accepts_submissions",
            "created_at",
        ]
        read_only_fields = ["created_at", "reminder_offsets"]
        extra_kwargs = {
            "year": {"min_value": YEAR_MIN, "max_value": YEAR_MAX},
            "review_levels": {"min_value": REVIEW_LEVELS_MIN, "max_value": REVIEW_LEVELS_MAX},
        }
        # Not DRF's "字段 year, province 必须能构成唯一集合。": the service refuses a second period of a year in the
        # portal's words ("云南省已有2026年度填报期。", services.period_open).
        validators = []

    def validate(self, attrs):
        attrs = super().validate(attrs)
        problems = period_problems(
            year=attrs.get("year"), opens_on=attrs.get("opens_on"), deadline=attrs.get("deadline")
        )
        if problems:
            raise serializers.ValidationError(problems)
        return attrs

    def get_accepts_submissions(self, obj) -> bool:
        return obj.accepts_submissions()


class AssessmentPeriodUpdateSerializer(serializers.Serializer):
    deadline = serializers.DateField(required=False)
    is_open = serializers.BooleanField(required=False)
    review_levels = serializers.IntegerField(required=False, min_value=REVIEW_LEVELS_MIN, max_value=REVIEW_LEVELS_MAX)


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
    """One indicator's answer, by its kind: `*_value` is true/false for 是/否, a whole number for a count, a decimal
    for a share; a date (YYYY-MM-DD) or a text is in `*_text`. `role` says what the form does with it: required,
    optional (仅统计), derived (from the register, not typed in) or not_applicable (not asked)."""

    indicator = serializers.CharField(source="indicator.code", read_only=True)
    name = serializers.CharField(source="indicator.name", read_only=True)
    kind = serializers.CharField(source="indicator.kind", read_only=True)
    derived_from = serializers.CharField(source="indicator.derived_from", read_only=True)
    unit = serializers.CharField(source="indicator.unit", read_only=True)
    target = serializers.CharField(source="indicator.target_display", read_only=True)
    role = serializers.SerializerMethodField()
    claimed_value = serializers.SerializerMethodField()
    verified_value = serializers.SerializerMethodField()
    claimed_display = serializers.SerializerMethodField()
    final_display = serializers.SerializerMethodField()
    claimed_met = serializers.BooleanField(read_only=True, allow_null=True)
    final_met = serializers.BooleanField(read_only=True, allow_null=True)
    verdict = serializers.SerializerMethodField()

    class Meta:
        model = AssessmentIndicator
        fields = [
            "id",
            "indicator",
            "name",
            "kind",
            "derived_from",
            "unit",
            "target",
            "role",
            "claimed_value",
            "claimed_text",
            "claimed_display",
            "claimed_met",
            "verified_value",
            "verified_text",
            "final_display",
            "final_met",
            "verdict",
            "carried_over",
            "version",
        ]

    @extend_schema_field({"oneOf": [{"type": "boolean"}, {"type": "integer"}, {"type": "string"}], "nullable": True})
    def get_claimed_value(self, obj):
        return answer_value(obj.indicator, obj.claimed_value)

    @extend_schema_field({"oneOf": [{"type": "boolean"}, {"type": "integer"}, {"type": "string"}], "nullable": True})
    def get_verified_value(self, obj):
        return answer_value(obj.indicator, obj.verified_value)

    def get_claimed_display(self, obj) -> str:
        return value_display(obj.indicator, obj.claimed)

    def get_final_display(self, obj) -> str:
        return value_display(obj.indicator, obj.final)

    def get_verdict(self, obj) -> str:
        """达标 / 未达标 / 仅统计, or empty when there is nothing to judge."""
        return verdict_display(obj.indicator, obj.final)

    def get_role(self, obj) -> str:
        # The indicators that apply to the enterprise, once per enterprise and response.
        known = self.context.setdefault("_applicable", {}) if isinstance(self.context, dict) else {}
        enterprise_id = obj.assessment.enterprise_id
        if enterprise_id not in known:
            known[enterprise_id] = applicable_ids(obj.assessment.enterprise)
        return answer_role(obj.indicator, known[enterprise_id])


class AssessmentTransitionSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, default=None)

    class Meta:
        model = AssessmentTransition
        fields = ["action", "from_status", "to_status", "by", "at", "round", "level", "comment", "reasons"]

    reasons = serializers.SerializerMethodField(help_text="退回理由（措施编号 → 理由）：退回企业、退回初审")

    def get_reasons(self, obj) -> dict[str, str]:
        reasons = (obj.details or {}).get("reasons") if obj.action in ("return", "return_to_reviewer") else None
        return reasons if isinstance(reasons, dict) else {}


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
    what_done = serializers.CharField(required=False, allow_blank=True, max_length=ANSWER_MAX_CHARS)
    claimed_status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    claimed_percent = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    version = VersionField(required=False, allow_null=True)


class AssessmentIndicatorEditSerializer(serializers.Serializer):
    claimed_value = IndicatorValueField(required=False, help_text=VALUE_HELP)
    claimed_text = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False, help_text=TEXT_HELP
    )
    version = VersionField(required=False, allow_null=True)


class AssessmentReviewItemSerializer(serializers.Serializer):
    verified_status = serializers.ChoiceField(choices=Status.choices, required=False, allow_blank=True)
    verified_percent = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=100)
    officer_comment = serializers.CharField(required=False, allow_blank=True, max_length=NOTE_MAX_CHARS)
    version = VersionField(required=False, allow_null=True)


class AssessmentReviewIndicatorSerializer(serializers.Serializer):
    verified_value = IndicatorValueField(required=False, help_text=VALUE_HELP)
    verified_text = serializers.CharField(
        required=False, allow_null=True, allow_blank=True, trim_whitespace=False, help_text=TEXT_HELP
    )
    version = VersionField(required=False, allow_null=True)


def sent_value(indicator, data: dict, field: str):
    """The value an edit sends for `indicator` (`<field>_value`, or `<field>_text` for a date or a text), or raise
    the 400 that says which key to use."""
    value_key, text_key = f"{field}_value", f"{field}_text"
    if text_key in data:
        if indicator.kind not in (IndicatorKind.DATE, IndicatorKind.TEXT) and data[text_key] not in (None, ""):
            raise ValidationError(
                {
                    text_key: [
                        _("“%(name)s”是%(kind)s类指标，请用 %(key)s 填写。")
                        % {"name": indicator.name, "kind": indicator.get_kind_display(), "key": value_key}
                    ]
                }
            )
        if value_key not in data or data[text_key] not in (None, ""):
            return data[text_key]
    if value_key not in data:
        raise ValidationError({value_key: [_("该字段是必填项。")]})
    return data[value_key]


class AssessmentDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX_CHARS)
    version = VersionField(required=False, allow_null=True)


REASONS_MAX = 200  # a form has a few dozen measures


class AssessmentReturnToReviewerSerializer(AssessmentDecisionSerializer):
    reasons = serializers.DictField(
        child=serializers.CharField(allow_blank=True, max_length=NOTE_MAX_CHARS),
        help_text="每项需要修改的措施的退回理由：措施编号 → 理由（至少一项）",
    )

    def validate_reasons(self, value):
        if len(value) > REASONS_MAX:
            raise ValidationError(_("退回理由最多 %(n)s 项。") % {"n": REASONS_MAX})
        if any(len(code) > 40 for code in value):
            raise ValidationError(_("措施编号不超过 40 个字符。"))
        return value


class AssessmentChangeSerializer(serializers.Serializer):
    """A value changed since its enterprise's assessment was accepted (changes_since.ChangedValue)."""

    kind = serializers.CharField(help_text="progress（推进情况）或 indicator（指标值）")
    record_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    enterprise = serializers.IntegerField(source="enterprise.pk")
    enterprise_name = serializers.CharField(source="enterprise.name")
    assessment = serializers.IntegerField(source="assessment.pk")
    year = serializers.IntegerField(source="assessment.period.year")
    label = serializers.CharField()
    accepted_value = serializers.CharField()
    new_value = serializers.CharField()
    changed_by = serializers.SerializerMethodField()
    changed_at = serializers.DateTimeField(source="at")
    version = serializers.IntegerField()

    def get_changed_by(self, obj) -> str | None:
        return obj.by.username if obj.by is not None else None


class AssessmentChangeDecisionSerializer(serializers.Serializer):
    comment = serializers.CharField(required=False, allow_blank=True, default="", max_length=NOTE_MAX_CHARS)
    version = VersionField(required=False, allow_null=True)


class AcceptedValueReviewSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    record_id = serializers.IntegerField()
    event_id = serializers.IntegerField()
    decision = serializers.CharField()
    comment = serializers.CharField()
    accepted_value = serializers.CharField()
    new_value = serializers.CharField()
    at = serializers.DateTimeField()
