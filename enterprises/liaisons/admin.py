"""The admin site: administrators mark officers as 联络员 / 指导员 (LiaisonQualification); assignments and visits are
shown read-only (they are written by the pages and the API, which check who may)."""

from django.contrib import admin

from .models import LiaisonAssignment, LiaisonQualification, Visit


@admin.register(LiaisonQualification)
class LiaisonQualificationAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "created_at")
    list_filter = ("role",)
    search_fields = ("user__username", "user__first_name", "user__last_name")
    autocomplete_fields = ("user",)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LiaisonAssignment)
class LiaisonAssignmentAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "user", "role", "assigned_at", "ended_at")
    list_filter = ("role",)
    search_fields = ("enterprise__name", "user__username")


@admin.register(Visit)
class VisitAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "visited_on", "recorded_by", "follow_up_due")
    search_fields = ("enterprise__name",)
    date_hierarchy = "visited_on"
