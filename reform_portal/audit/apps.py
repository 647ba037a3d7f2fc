from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "reform_portal.audit"
    label = "audit"
    verbose_name = _("安全审计")

    def ready(self):
        from . import checks, receivers  # noqa: F401  (the system checks; the signals whose events are recorded)
