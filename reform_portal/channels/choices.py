from django.db import models
from django.utils.translation import gettext_lazy as _


class ChannelKind(models.TextChoices):
    WECOM = "wecom", _("企业微信群机器人")
    DINGTALK = "dingtalk", _("钉钉群机器人")


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", _("待发送")  # queued, or waiting for its next attempt
    SENT = "sent", _("已送达")
    FAILED = "failed", _("失败")  # refused for good (a bad token, errcode ≠ 0, the channel gone): not retried
    GAVE_UP = "gave_up", _("已放弃")  # every attempt failed for a passing reason (network, 5xx, 429, rate limit)


FINAL_STATUSES = (DeliveryStatus.SENT, DeliveryStatus.FAILED, DeliveryStatus.GAVE_UP)

# The audit log's actions (reform_portal/audit/choices.py labels them).
AUDIT_CREATED = "channel.created"
AUDIT_CHANGED = "channel.changed"
AUDIT_DELETED = "channel.deleted"
