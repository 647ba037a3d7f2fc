from rest_framework import serializers

from reform_portal.versioning import VersionField

from .. import sla
from ..choices import (
    ANSWER_TEXT_MAX_CHARS,
    BODY_MAX_CHARS,
    MAX_FILES,
    RATING_MAX,
    RATING_MIN,
    TITLE_MAX_CHARS,
    Topic,
)
from ..models import FaqEntry, Question, QuestionMessage


class FileSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField(source="original_name")
    size = serializers.IntegerField()


class MessageSerializer(serializers.ModelSerializer):
    by = serializers.CharField(source="by.username", read_only=True, allow_null=True, default=None)
    to_user = serializers.CharField(source="to_user.username", read_only=True, allow_null=True, default=None)
    files = FileSerializer(many=True, read_only=True)

    class Meta:
        model = QuestionMessage
        fields = ["id", "kind", "text", "by", "to_user", "level", "at", "files"]
        read_only_fields = fields


def _files():
    return serializers.ListField(child=serializers.FileField(), write_only=True, required=False, max_length=MAX_FILES)


class QuestionSerializer(serializers.ModelSerializer):
    """A question of the 产改直通车. Asked (multipart or JSON) with `enterprise_id`, `topic`, `measure` (a code, such as
    YN-06, of a measure that applies to the enterprise; optional), `title`, `body` and `files`; read with its SLA
    (`due_date`, `overdue`, `sla_text`: 剩余 N 个工作日 / 已逾期 N 个工作日)."""

    enterprise_id = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="企业 id")
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    topic = serializers.ChoiceField(choices=Topic.choices)
    measure = serializers.SlugRelatedField(
        slug_field="code", read_only=True, help_text="措施代码，如 YN-06", allow_null=True
    )
    measure_code = serializers.CharField(max_length=20, write_only=True, required=False, allow_blank=True)
    title = serializers.CharField(max_length=TITLE_MAX_CHARS)
    body = serializers.CharField(max_length=BODY_MAX_CHARS)
    files = _files()
    asked_by = serializers.CharField(source="asked_by.username", read_only=True)
    overdue = serializers.SerializerMethodField()
    sla_text = serializers.SerializerMethodField()
    version = VersionField(read_only=True)

    class Meta:
        model = Question
        fields = [
            "id", "enterprise_id", "enterprise_name", "topic", "measure", "measure_code", "title", "body", "files",
            "asked_by", "status", "level", "asked_at", "due_date", "answered_at", "rating", "rating_comment",
            "overdue", "sla_text", "version",
        ]  # fmt: skip
        read_only_fields = ["status", "level", "asked_at", "due_date", "answered_at", "rating", "rating_comment"]

    def get_overdue(self, obj) -> bool:
        return sla.is_overdue(obj)

    def get_sla_text(self, obj) -> str:
        return sla.sla_view(obj).text


class AnswerSerializer(serializers.Serializer):
    text = serializers.CharField(max_length=ANSWER_TEXT_MAX_CHARS)
    files = _files()
    version = VersionField(required=False)


class FollowUpSerializer(AnswerSerializer):
    text = serializers.CharField(max_length=BODY_MAX_CHARS)


class ForwardSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=BODY_MAX_CHARS, required=False, allow_blank=True)
    version = VersionField(required=False)


class ForwardLiaisonSerializer(ForwardSerializer):
    user = serializers.IntegerField(min_value=1, max_value=2**31 - 1, help_text="该企业的产改联络员或指导员的用户 id")


class RateSerializer(serializers.Serializer):
    rating = serializers.IntegerField(min_value=RATING_MIN, max_value=RATING_MAX)
    comment = serializers.CharField(max_length=BODY_MAX_CHARS, required=False, allow_blank=True)
    version = VersionField(required=False)


class FaqSerializer(serializers.ModelSerializer):
    measure = serializers.SlugRelatedField(slug_field="code", read_only=True)
    measure_label = serializers.CharField(source="measure.label", read_only=True)

    class Meta:
        model = FaqEntry
        fields = ["id", "measure", "measure_label", "title", "answer", "status", "published_at"]
        read_only_fields = fields
