from django.urls import reverse
from rest_framework import serializers

from ..choices import BLOCK_MAX_CHARS, TITLE_MAX_CHARS
from ..models import Bulletin


class BulletinSerializer(serializers.ModelSerializer):
    province = serializers.SlugRelatedField(slug_field="code", read_only=True)
    prefecture = serializers.SlugRelatedField(slug_field="code", read_only=True)
    scope_code = serializers.CharField(
        write_only=True, max_length=12, help_text="省份代码（全省）或州（市）代码（该州市）"
    )
    title = serializers.CharField(max_length=TITLE_MAX_CHARS, required=False)
    opening = serializers.CharField(max_length=BLOCK_MAX_CHARS, required=False, allow_blank=True)
    assessment = serializers.CharField(max_length=BLOCK_MAX_CHARS, required=False, allow_blank=True)
    next_steps = serializers.CharField(max_length=BLOCK_MAX_CHARS, required=False, allow_blank=True)
    downloads = serializers.SerializerMethodField()

    class Meta:
        model = Bulletin
        fields = [
            "id",
            "number",
            "province",
            "prefecture",
            "scope_code",
            "date_from",
            "date_to",
            "title",
            "opening",
            "assessment",
            "next_steps",
            "status",
            "build_state",
            "build_progress",
            "build_error",
            "figures",
            "downloads",
            "built_at",
            "created_at",
            "issued_at",
            "version",
        ]
        read_only_fields = [
            "id",
            "number",
            "status",
            "build_state",
            "build_progress",
            "build_error",
            "figures",
            "built_at",
            "created_at",
            "issued_at",
            "version",
        ]

    def get_downloads(self, obj) -> dict[str, str]:
        """The files' links (pages that ask the access policy before handing them out)."""
        if not obj.docx_file or obj.building:
            return {}
        return {kind: reverse("bulletins:download", args=[obj.pk, kind]) for kind in ("docx", "pdf")}


class BlocksSerializer(serializers.Serializer):
    """PATCH: the title and text blocks (those left out keep their text), with the version read."""

    title = serializers.CharField(max_length=TITLE_MAX_CHARS, required=False)
    opening = serializers.CharField(max_length=BLOCK_MAX_CHARS, required=False, allow_blank=True)
    assessment = serializers.CharField(max_length=BLOCK_MAX_CHARS, required=False, allow_blank=True)
    next_steps = serializers.CharField(max_length=BLOCK_MAX_CHARS, required=False, allow_blank=True)
    version = serializers.IntegerField(min_value=0, required=False)


class IssueSerializer(serializers.Serializer):
    version = serializers.IntegerField(min_value=0, required=False)
