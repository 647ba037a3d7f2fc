from django.db import models
from django.utils.translation import gettext_lazy as _


class Decision(models.TextChoices):
    CONFIRM = "confirm", _("确认")
    STRIKE = "strike", _("剔除")
