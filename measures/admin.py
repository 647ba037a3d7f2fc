from django.contrib import admin

from reform_portal.admin_read_only import ReadOnlyAdmin

from .models import (
    Evidence,
    Indicator,
    IndicatorValue,
    IndicatorValueEvent,
    Measure,
    PolicyDocument,
    Progress,
    ProgressEvent,
    Section,
)


class SectionInline(admin.TabularInline):
    model = Section
    fields = ("position", "code", "number", "title", "kind", "parent")
    extra = 0


@admin.register(PolicyDocument)
class PolicyDocumentAdmin(admin.ModelAdmin):
    list_display = ("number", "title", "province", "applies_to_text", "issued_on")
    list_filter = ("province",)
    search_fields = ("number", "title")
    inlines = [SectionInline]


@admin.register(Section)
class SectionAdmin(admin.ModelAdmin):
    list_display = ("code", "number", "title", "kind", "document")
    list_filter = ("document", "kind")
    search_fields = ("code", "title")


class IndicatorInline(admin.TabularInline):
    model = Indicator
    fields = ("position", "code", "name", "unit", "comparison", "target")
    extra = 0


@admin.register(Measure)
class MeasureAdmin(admin.ModelAdmin):
    list_display = ("code", "number", "title", "section", "addressee", "document")
    list_filter = ("document", "addressee", "section")
    search_fields = ("code", "title", "text")
    list_select_related = ("document", "section")
    inlines = [IndicatorInline]


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "measure", "comparison", "target", "unit")
    list_filter = ("measure__document", "comparison")
    search_fields = ("code", "name")
    list_select_related = ("measure",)


class ProgressEventInline(admin.TabularInline):
    """The record's history, newest first (written by the database; see reform_portal/history.py)."""

    model = ProgressEvent
    fk_name = "pgh_obj"
    fields = ("pgh_created_at", "changed_by", "source", "old_status", "status", "old_percent", "percent", "note")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Progress)
class ProgressAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "measure", "status", "percent", "updated_by", "updated_at", "version")
    list_filter = ("status", "measure__document", "enterprise__region__parent", "enterprise__region")
    search_fields = ("enterprise__name", "enterprise__credit_code", "measure__code", "measure__title")
    list_select_related = ("enterprise", "measure", "updated_by")
    autocomplete_fields = ("enterprise",)
    readonly_fields = ("version", "updated_by")
    inlines = [ProgressEventInline]

    def save_model(self, request, obj, form, change):
        from reform_portal.choices import ChangeSource

        from .history import change_context

        obj.updated_by = request.user
        with change_context(by=request.user, source=ChangeSource.MANUAL, comment="admin"):
            super().save_model(request, obj, form, change)


@admin.register(ProgressEvent)
class ProgressEventAdmin(ReadOnlyAdmin):
    list_display = ("pgh_obj", "pgh_created_at", "changed_by", "source", "old_status", "status", "percent")
    list_filter = ("source", "status")
    search_fields = ("pgh_obj__enterprise__name", "pgh_obj__measure__code")
    list_select_related = ("pgh_obj__enterprise", "pgh_obj__measure", "changed_by")


class IndicatorValueEventInline(admin.TabularInline):
    """The value's history, newest first (written by the database; see reform_portal/history.py)."""

    model = IndicatorValueEvent
    fk_name = "pgh_obj"
    fields = ("pgh_created_at", "changed_by", "source", "old_value", "value", "comment")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(IndicatorValue)
class IndicatorValueAdmin(admin.ModelAdmin):
    list_display = ("enterprise", "indicator", "year", "value", "updated_at", "version")
    list_filter = ("year", "indicator__measure__document", "indicator")
    search_fields = ("enterprise__name", "indicator__name")
    list_select_related = ("enterprise", "indicator")
    autocomplete_fields = ("enterprise",)
    readonly_fields = ("version", "updated_by")
    inlines = [IndicatorValueEventInline]

    def get_readonly_fields(self, request, obj=None):
        # Once saved, only the value changes (through the service, so that it is in the history).
        return (*self.readonly_fields, "enterprise", "indicator", "year") if obj else self.readonly_fields

    def save_model(self, request, obj, form, change):
        from django.core.exceptions import ValidationError

        from .services import indicator_value_set

        try:
            saved = indicator_value_set(
                enterprise=obj.enterprise,
                indicator=obj.indicator,
                year=obj.year,
                value=obj.value,
                by=request.user,
                comment="admin",
            )
        except ValidationError as exc:
            self.message_user(request, "；".join(exc.messages), level="error")
            return
        obj.pk, obj.version, obj.updated_by = saved.pk, saved.version, saved.updated_by


@admin.register(IndicatorValueEvent)
class IndicatorValueEventAdmin(ReadOnlyAdmin):
    list_display = ("pgh_obj", "pgh_created_at", "changed_by", "source", "old_value", "value")
    list_filter = ("source",)
    search_fields = ("pgh_obj__enterprise__name", "pgh_obj__indicator__code")
    list_select_related = ("pgh_obj__enterprise", "pgh_obj__indicator", "changed_by")


@admin.register(Evidence)
class EvidenceAdmin(admin.ModelAdmin):
    """Read-only: files are added by officers (checked by content) and served only through the access-checked view."""

    list_display = (
        *("original_name", "progress", "size", "content_type", "uploaded_by", "created_at", "withdrawn_at"),
        "download",
    )
    search_fields = ("original_name", "sha256", "progress__enterprise__name", "progress__measure__code")
    list_select_related = ("progress__enterprise", "progress__measure", "uploaded_by")
    exclude = ("file",)  # the admin's file widget would link to MEDIA_URL
    readonly_fields = (
        *("progress", "original_name", "sha256", "size", "content_type", "uploaded_by"),
        *("withdrawn_at", "withdrawn_by", "withdrawal_reason", "download"),
    )

    @admin.display(description="下载")
    def download(self, obj):
        from django.urls import reverse
        from django.utils.html import format_html

        return format_html('<a href="{}">{}</a>', reverse("measures:evidence_download", args=[obj.pk]), "下载")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
