from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _


class PilotStatus(models.TextChoices):
    ACTIVE = "active", _("试点中")
    ENDED = "ended", _("已结束")


class FundKind(models.TextChoices):
    GRANTED = "granted", _("下达")
    PAID = "paid", _("拨付")


DOCUMENT_NUMBER_MAX_CHARS = 50  # a 文号: "云工发〔2024〕5号"
PURPOSE_MAX_CHARS = 200
SCOPE_MAX_MEASURES = 50  # more than any document holds
# One entry of working funds, in yuan: more than 0 and at most 1亿元 (a typo with extra zeros is refused).
AMOUNT_MAX = Decimal("100000000.00")
