from django.contrib import admin

from reform_portal.admin_read_only import ReadOnlyAdmin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    """Read-only: entries are written by the portal and refused any change by the database."""

    list_display = ("id", "created_at", "action", "username", "ip", "method", "path", "target_repr")
    search_fields = ("username", "path", "target_repr", "target_id")
    readonly_fields = [field.name for field in AuditEntry._meta.fields]
