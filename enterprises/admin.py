from django.contrib import admin

from .models import Enterprise, Profile, Region


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
            {
                "fields": (
                    "employees",
                    "frontline_workers",
                    "union_members",
                    "party_members",
                    "skilled_workers",
                    "highly_skilled_workers",
                    "union_founded",
                    "union_founded_on",
                )
            },
        ),
    )


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    list_display = ("user", "role", "province", "enterprise")
    list_filter = ("role", "province")
    search_fields = ("user__username", "enterprise__name")
    autocomplete_fields = ("user", "enterprise", "charge_enterprises")
    filter_horizontal = ("charge_regions",)
    list_select_related = ("user", "province", "enterprise")
