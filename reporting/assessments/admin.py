from django.contrib import admin

from reform_portal.admin_read_only import ReadOnlyAdmin

from .models import (
    Assessment,
    AssessmentIndicatorEvent,
    AssessmentItemEvent,
    AssessmentNotice,
    AssessmentTransition,
    DeadlineReminder,
    ReportingPeriod,
)


@admin.register(ReportingPeriod)
class ReportingPeriodAdmin(admin.ModelAdmin):
    list_display = ["year", "province", "opens_on", "deadline", "due_date", "reminder_offsets", "is_open", "opened_by"]
    list_filter = ["province", "is_open"]
    readonly_fields = ["opened_by", "closed_by", "closed_at"]

    def changelist_view(self, request, extra_context=None):
        """Tell administrators when a year is counted by weekends only (reform_portal/workdays.py)."""
        from django.contrib import messages
        from django.utils.translation import gettext as _

        from reform_portal import workdays

        from .services import uncovered_calendar_years

        uncovered = uncovered_calendar_years()
        if uncovered and request.method == "GET":
            first, last = workdays.covered_years()
            messages.warning(
                request,
                _(
                    "工作日历尚未收录 %(years)s 年的国务院节假日安排（已收录 %(first)s–%(last)s 年），暂按周末计算；"
                    "该年度安排公布后请升级 chinese-calendar 软件包。"
                )
                % {"years": "、".join(map(str, uncovered)), "first": first, "last": last},
            )
        return super().changelist_view(request, extra_context)


@admin.register(DeadlineReminder)
class DeadlineReminderAdmin(ReadOnlyAdmin):
    """The ledger of automatic reminders and escalations (services/deadline_reminders.py): read only."""

    list_display = ["enterprise", "period", "kind", "step", "level", "due_date", "created_at", "emailed_at"]
    list_filter = ["kind", "period"]
    list_select_related = ["enterprise", "period__province"]
    search_fields = ["enterprise__name"]


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
