from rest_framework import serializers

from ..models import Notice


class NoticeSerializer(serializers.ModelSerializer):
    """A notice of one's inbox: `url` is a path of the portal (empty: none); `read_at` null while unread."""

    read = serializers.BooleanField(source="is_read", read_only=True, help_text="是否已读")

    class Meta:
        model = Notice
        fields = ["id", "kind", "title", "body", "url", "enterprise_id", "created_at", "read_at", "read"]
        read_only_fields = fields


class ReadAllSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="本次标为已读的条数")
