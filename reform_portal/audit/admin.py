from django.contrib import admin

from .models import AuditEntry


@admin.register(AuditEntry)
class AuditEntryAdmin(admin.ModelAdmin):
    """Read-only: entries are written by the portal and refused any change by the database."""

    list_display = ("id", "created_at", "action", "username", "ip", "method", "path", "target_repr")
    search_fields = ("username", "path", "target_repr", "target_id")
    readonly_fields = [field.name for field in AuditEntry._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
