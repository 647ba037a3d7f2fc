"""The states of a supervision order, who issued it, the decisions on a reply and the traffic light's colours."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrderStatus(models.TextChoices):
    OPEN = "open", _("待回复")
    REPLIED = "replied", _("已回复待核查")
    RETURNED = "returned", _("退回整改")  # open again: the enterprise replies anew
    CLOSED = "closed", _("已办结")


# the states in which the enterprise replies (an order sent back is open again)
REPLYABLE_STATUSES = (OrderStatus.OPEN, OrderStatus.RETURNED)
NOT_CLOSED_STATUSES = (OrderStatus.OPEN, OrderStatus.REPLIED, OrderStatus.RETURNED)


class IssuerBody(models.TextChoices):
    SASAC = "sasac", _("国资委")
    UNION = "union", _("工会")


class DecisionAction(models.TextChoices):
    ACCEPT = "accept", _("通过（办结）")
    RETURN = "return", _("退回整改")


class Light(models.TextChoices):
    GREEN = "green", _("绿灯（按期）")
    YELLOW = "yellow", _("黄灯（临期）")
    RED = "red", _("红灯（逾期）")


# the Bootstrap badge of each light (the text is always shown beside the colour)
LIGHT_BADGES = {Light.GREEN: "text-bg-success", Light.YELLOW: "text-bg-warning", Light.RED: "text-bg-danger"}

# The one-character names of the provinces used in an order's number (云督〔2026〕3号), by the first two digits of
# the province's GB/T 2260 code.
PROVINCE_ABBREVIATIONS = {
    "11": "京", "12": "津", "13": "冀", "14": "晋", "15": "蒙", "21": "辽", "22": "吉", "23": "黑", "31": "沪",
    "32": "苏", "33": "浙", "34": "皖", "35": "闽", "36": "赣", "37": "鲁", "41": "豫", "42": "鄂", "43": "湘",
    "44": "粤", "45": "桂", "46": "琼", "50": "渝", "51": "川", "52": "黔", "53": "云", "54": "藏", "61": "陕",
    "62": "甘", "63": "青", "64": "宁", "65": "新",
}  # fmt: skip


MEASURES_MAX = 30  # measures named by one order
REPLY_FILES_MAX = 5  # evidence files of one reply
