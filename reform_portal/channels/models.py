"""Group robots (企业微信, 钉钉) that notices are posted to, and each message posted (docs/channels.md).

A shared building block: it knows no app of ours. A region's robot names its region by id (`region_id`, an
enterprises.Region's primary key, resolved by reform_portal/access.py for pages and forms); an officer's own robot
names its owner (a user)."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from reform_portal.history import audited, version_trigger
from reform_portal.models import TimeStampedModel

from .choices import ChannelKind, DeliveryStatus

CHANNEL_HISTORY_FIELDS = ("kind", "name", "url_display", "secret_hint", "region_id", "owner", "active")
# the version rises with any change people make, the address and secret included
VERSION_COLUMNS = ("kind", "name", "webhook_url", "secret", "region_id", "owner_id", "active")


# The history keeps the address and the secret masked (`url_display`, `secret_hint`): the robot's token and the
# signing secret are credentials and are never written anywhere else than their own columns.
@audited(*CHANNEL_HISTORY_FIELDS, model_name="ChannelEvent", verbose_name=_("推送渠道变更"), deletions=True)
class Channel(TimeStampedModel):
    kind = models.CharField(_("类型"), max_length=20, choices=ChannelKind.choices)
    name = models.CharField(_("名称"), max_length=100)
    webhook_url = models.CharField(_("Webhook 地址"), max_length=500)
    url_display = models.CharField(_("地址（隐去令牌）"), max_length=600, editable=False)
    secret = models.CharField(_("签名密钥"), max_length=200, blank=True)
    secret_hint = models.CharField(_("签名密钥（隐去）"), max_length=20, blank=True, editable=False)
    # Exactly one owner: a region (its robot; the regions' table is an app's, so an id) or a user (their own robot).
    region_id = models.IntegerField(_("所属区域"), null=True, blank=True, db_index=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("所属用户"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
    )
    active = models.BooleanField(_("启用"), default=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("创建人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    version = models.PositiveIntegerField(_("版本"), default=1)

    class Meta:
        ordering = ["name", "pk"]
        verbose_name = _("推送渠道")
        verbose_name_plural = _("推送渠道")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(region_id__isnull=True, owner__isnull=False)
                | models.Q(region_id__isnull=False, owner__isnull=True),
                name="channel_one_owner",
            )
        ]
        indexes = [models.Index(fields=["owner"], name="channel_owner", condition=models.Q(owner__isnull=False))]
        triggers = [version_trigger(name="channel_version", columns=VERSION_COLUMNS)]

    def __str__(self):
        return self.name


@audited(
    "status",
    "attempts",
    "last_status",
    "last_errcode",
    "last_error",
    model_name="DeliveryEvent",
    verbose_name=_("推送记录变更"),
)
class Delivery(TimeStampedModel):
    """One message to one channel. Its history (DeliveryEvent) keeps every attempt's outcome."""

    channel = models.ForeignKey(
        Channel, verbose_name=_("渠道"), null=True, blank=True, on_delete=models.SET_NULL, related_name="deliveries"
    )
    channel_name = models.CharField(_("渠道名称"), max_length=100)  # kept when the channel is deleted
    title = models.CharField(_("标题"), max_length=200)
    text = models.TextField(_("内容"))
    about_label = models.CharField(_("相关对象"), max_length=200, blank=True)
    about_url = models.CharField(_("链接"), max_length=500, blank=True)
    caused_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("发送人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=20, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    last_status = models.PositiveSmallIntegerField(_("最近 HTTP 状态"), null=True, blank=True)
    last_errcode = models.IntegerField(_("最近 errcode"), null=True, blank=True)
    last_error = models.CharField(_("最近错误"), max_length=500, blank=True)
    # A worker posting holds the delivery until then (claimed in a short transaction, posted after commit): another
    # delivery of the same task waits for it instead of posting twice.
    sending_until = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(_("下次尝试"), null=True, blank=True)
    sent_at = models.DateTimeField(_("送达时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("推送记录")
        verbose_name_plural = _("推送记录")
        indexes = [
            models.Index(fields=["caused_by", "-id"], name="delivery_caused_by"),
            models.Index(fields=["channel", "-id"], name="delivery_channel"),
        ]

    def __str__(self):
        return f"{self.channel_name}: {self.title}"
