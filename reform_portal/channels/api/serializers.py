from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from reform_portal.versioning import VersionField

from ..models import Channel, Delivery


class ChannelSerializer(serializers.ModelSerializer):
    """A group robot. The address and the signing secret are written, never read back: `url_display` shows the
    address with its token masked, `secret_set` whether a secret is stored."""

    webhook_url = serializers.CharField(
        write_only=True,
        required=False,
        max_length=500,
        help_text="群机器人的 Webhook 地址（https://qyapi.weixin.qq.com/… 或 https://oapi.dingtalk.com/…）；修改时省略则不变",
    )
    secret = serializers.CharField(
        write_only=True,
        required=False,
        allow_blank=True,
        allow_null=True,
        max_length=200,
        help_text="钉钉“加签”密钥（SEC 开头）；企业微信不接受密钥。修改时省略或 null 则不变，空字符串则清除",
    )
    secret_set = serializers.SerializerMethodField(help_text="是否已设置签名密钥")
    region_id = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=1,
        max_value=2**31 - 1,
        help_text="区域渠道：所属省或州（市）的 id（/api/regions/）；省略则为本人的个人渠道。创建后不可更改",
    )
    owner = serializers.IntegerField(source="owner_id", read_only=True, allow_null=True, help_text="个人渠道的所属用户")
    version = VersionField(required=False)

    class Meta:
        model = Channel
        fields = [
            "id",
            "kind",
            "name",
            "webhook_url",
            "url_display",
            "secret",
            "secret_set",
            "region_id",
            "owner",
            "active",
            "version",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["url_display", "created_at", "updated_at"]
        extra_kwargs = {"kind": {"required": False}, "name": {"required": False}}

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_secret_set(self, channel) -> bool:
        return bool(channel.secret)

    def validate(self, attrs):
        if self.instance is None:
            missing = {name: [_("该字段是必填项。")] for name in ("kind", "name", "webhook_url") if not attrs.get(name)}
            if missing:
                raise serializers.ValidationError(missing)
        elif "region_id" in attrs and attrs["region_id"] != self.instance.region_id:
            raise serializers.ValidationError({"region_id": [_("渠道的所属不能更改，请删除后重新添加。")]})
        return attrs


class DeliverySerializer(serializers.ModelSerializer):
    class Meta:
        model = Delivery
        fields = [
            "id",
            "channel",
            "channel_name",
            "title",
            "text",
            "about_label",
            "about_url",
            "caused_by",
            "status",
            "attempts",
            "last_status",
            "last_errcode",
            "last_error",
            "next_attempt_at",
            "created_at",
            "sent_at",
        ]
