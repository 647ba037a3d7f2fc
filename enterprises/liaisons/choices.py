from django.db import models
from django.utils.translation import gettext_lazy as _


class LiaisonRole(models.TextChoices):
    LIAISON = "liaison", _("联络员")
    INSTRUCTOR = "instructor", _("指导员")
