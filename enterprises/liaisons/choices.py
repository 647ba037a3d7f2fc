from django.db import models
from django.utils.translation import gettext_lazy as _


class LiaisonRole(models.TextChoices):
    LIAISON = "liaison", _("联络员")
    INSTRUCTOR = "instructor", _("指导员")


def is_liaison_role(value) -> bool:
    """Whether `value` names a liaison role (a choice's value: a shape check, not an access decision)."""
    return value in LiaisonRole.values


VISITORS_MAX_CHARS = 200  # the other visitors, by name (the officer who logs is recorded as a user)
PEOPLE_MET_MAX_CHARS = 500
# questions answered and follow-ups: reform_portal.text_limits (ANSWER_MAX_CHARS, NOTE_MAX_CHARS)
