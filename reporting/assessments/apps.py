from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    """Annual self-assessments: a part of reporting with its own tables and migrations."""

    name = "reporting.assessments"
    label = "assessments"
    verbose_name = _("年度自评")

    def ready(self):
        from .inbox_notices import connect

        connect()  # the trail's steps tell the people concerned in their inbox (docs/inbox.md)
