from reform_portal.access import AuditPolicy

from .filters import AuditEntryFilter
from .models import AuditEntry


def audit_entries(*, user, params) -> AuditEntryFilter:
    """The entries the user may read (administrators: all), filtered by `params` (the query string)."""
    qs = AuditPolicy.visible(user, AuditEntry.objects.select_related("target_type").order_by("-id"))
    return AuditEntryFilter(params or None, queryset=qs)
