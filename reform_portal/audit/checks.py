from django.conf import settings
from django.core.checks import Error, register

from .models import MIN_RETENTION_DAYS


@register()
def audit_settings(app_configs, **kwargs):
    errors = []
    if any(db.get("ATOMIC_REQUESTS") for db in settings.DATABASES.values()):
        errors.append(
            Error(
                "ATOMIC_REQUESTS would roll back the audit entries of refused requests and failed logins.",
                hint="The audit log records them outside the view's transaction (docs/security/audit.md).",
                id="audit.E001",
            )
        )
    if int(getattr(settings, "AUDIT_RETENTION_DAYS", MIN_RETENTION_DAYS)) < MIN_RETENTION_DAYS:
        errors.append(
            Error(
                f"AUDIT_RETENTION_DAYS is below {MIN_RETENTION_DAYS}: the audit log is kept at least six months.",
                id="audit.E002",
            )
        )
    return errors
