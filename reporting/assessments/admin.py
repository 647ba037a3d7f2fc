from django.contrib import admin

from reform_portal.admin_read_only import ReadOnlyAdmin

from .models import (
    Assessment,
    AssessmentIndicatorEvent,
    AssessmentItemEvent,
    AssessmentNotice,
    AssessmentTransition,
    ReportingPeriod,
)


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


class AnswerEventAdmin(ReadOnlyAdmin):
    """The answers' history, written by the database (reform_portal/history.py): read only."""

    list_filter = ["source", "pgh_label"]
    list_select_related = ["pgh_obj__assessment__enterprise", "changed_by"]


@admin.register(AssessmentItemEvent)
class AssessmentItemEventAdmin(AnswerEventAdmin):
    list_display = ["pgh_obj", "pgh_created_at", "changed_by", "source", "claimed_status", "verified_status"]
    search_fields = ["pgh_obj__assessment__enterprise__name"]


@admin.register(AssessmentIndicatorEvent)
class AssessmentIndicatorEventAdmin(AnswerEventAdmin):
    list_display = ["pgh_obj", "pgh_created_at", "changed_by", "source", "claimed_value", "verified_value"]
    search_fields = ["pgh_obj__assessment__enterprise__name"]
