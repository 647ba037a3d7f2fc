from django.contrib import admin

from .models import HEADCOUNT_FIELDS, Enterprise, EnterpriseEvent, Profile, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level", "parent")
    search_fields = ("code", "name")


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    list_display = (
        "name",
        "credit_code",
        "region",
        "ownership",
        "supervision_level",
        "industry",
        "size_class",
        "employees",
        "is_pilot",
    )
    list_filter = ("region__parent", "region", "ownership", "supervision_level", "industry", "size_class", "is_pilot")
    search_fields = ("name", "credit_code")
    list_select_related = ("region",)
    autocomplete_fields = ("region",)
    fieldsets = (
        (None, {"fields": ("name", "credit_code", "credit_code_exception", "region")}),
        (
            "分类",
            {"fields": ("ownership", "supervision_level", "supervising_body", "industry", "size_class", "is_pilot")},
        ),
        (
            "人员",
            {"fields": (*HEADCOUNT_FIELDS, "union_founded", "union_founded_on")},
        ),
    )

    def save_model(self, request, obj, form, change):
        # Through the services, so an administrator's edit is in the record's history like anyone else's.
        from .services import enterprise_create, enterprise_update

        data = {f: form.cleaned_data[f] for f in form.cleaned_data}
        if change:
            enterprise_update(enterprise=obj, data=data, by=request.user)
        else:
            obj.pk = enterprise_create(data=data, by=request.user).pk
            obj._state.adding = False


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "province", "enterprise")
    list_filter = ("role", "province")
    search_fields = ("user__username", "enterprise__name")
    autocomplete_fields = ("user", "enterprise", "charge_enterprises")
    filter_horizontal = ("charge_regions",)
    list_select_related = ("user", "province", "enterprise")


@admin.register(EnterpriseEvent)
class EnterpriseEventAdmin(admin.ModelAdmin):
    """The register's history, written by the database (reform_portal/history.py): read only."""

    list_display = ("pgh_obj", "pgh_created_at", "changed_by", "source", "pgh_label", "name")
    list_filter = ("source", "pgh_label")
    search_fields = ("pgh_obj__name", "pgh_obj__credit_code")
    list_select_related = ("pgh_obj", "changed_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
