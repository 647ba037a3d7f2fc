from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SupervisionConfig(AppConfig):
    """Supervision orders (督办单): a write path of reporting with its own tables (docs/supervision.md)."""

    name = "reporting.supervision"
    label = "supervision"
    verbose_name = _("督办单")
