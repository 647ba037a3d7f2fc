from django.contrib import admin

from .models import Assessment, AssessmentNotice, AssessmentTransition, ReportingPeriod


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["year", "province", "opens_on", "deadline", "is_open", "opened_by"]
    list_filter = ["province", "is_open"]
    readonly_fields = ["opened_by", "closed_by", "closed_at"]


class TransitionInline(admin.TabularInline):
    model = AssessmentTransition
    extra = 0
    can_delete = False
    fields = ["at", "action", "from_status", "to_status", "by", "round", "comment"]
    readonly_fields = fields


@admin.register(Assessment)
class AssessmentAdmin(admin.ModelAdmin):
    """Read-only here: states change only through the services (pages and API), which keep the trail."""

    list_display = ["enterprise", "period", "status", "round", "submitted_at", "accepted_at", "days_taken"]
    list_filter = ["status", "period"]
    search_fields = ["enterprise__name"]
    inlines = [TransitionInline]

    def has_change_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False


@admin.register(AssessmentNotice)
class AssessmentNoticeAdmin(admin.ModelAdmin):
    list_display = ["enterprise", "period", "created_at", "sent_by", "emailed_at"]
    list_filter = ["period"]
    readonly_fields = ["emailed_to", "emailed_at"]
