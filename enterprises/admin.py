from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from reform_portal.access import EnterprisePolicy, GroupGrantPolicy
from reform_portal.admin_read_only import ReadOnlyAdmin

from .forms import CreditCodeField, FormChecksFirst, credit_code_not_taken
from .group_access import group_set
from .models import HEADCOUNT_FIELDS, Enterprise, EnterpriseEvent, Profile, Region


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "level", "parent")
    list_filter = ("level", "parent")
    search_fields = ("code", "name")


class EnterpriseAdminForm(FormChecksFirst, forms.ModelForm):
    """What decides the enterprise's scope (where it is, ownership, supervision, group) changes only as the access
    policy allows the editor (reform_portal.access: EnterprisePolicy.scope_change_problems): the message is shown
    next to the field, and nothing is saved."""

    editor = None  # the request's user, set by EnterpriseAdmin.get_form
    credit_code = CreditCodeField(
        label=Enterprise._meta.get_field("credit_code").verbose_name,
        help_text=Enterprise._meta.get_field("credit_code").help_text,
    )

    def clean_credit_code(self):
        # The portal's message for a code already registered, as on the register's own form.
        return credit_code_not_taken(self.cleaned_data.get("credit_code"), user=self.editor, instance=self.instance)

    def clean(self):
        cleaned = super().clean()
        county = cleaned.get("county")
        proposed = {f: cleaned[f] for f in EnterprisePolicy.SCOPE_FIELDS if f in cleaned}
        if county is not None:
            proposed["region"] = county.parent  # the county decides the prefecture (the database sets it)
        instance = self.instance if self.instance.pk else None
        for name, errors in EnterprisePolicy.scope_change_problems(self.editor, instance, proposed).items():
            for error in errors:
                self.add_error(name if name in self.fields else None, error)
        return cleaned


@admin.register(Enterprise)
class EnterpriseAdmin(admin.ModelAdmin):
    form = EnterpriseAdminForm
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
    autocomplete_fields = ("region", "county", "parent")
    fieldsets = (
        (None, {"fields": ("name", "credit_code", "credit_code_exception", "parent", "region", "county")}),
        (
            _("分类"),
            {
                "fields": (
                    "ownership",
                    "supervision_level",
                    "supervisor",
                    "supervising_body",
                    "industry",
                    "size_class",
                    "above_scale",
                    "leading",
                    "has_board",
                    "is_pilot",
                )
            },
        ),
        (
            _("人员"),
            {"fields": (*HEADCOUNT_FIELDS, "union_founded", "union_founded_on")},
        ),
    )

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user  # a class made for this request
        return form

    def save_model(self, request, obj, form, change):
        # Through the services, so an administrator's edit is in the record's history like anyone else's.
        from .services import enterprise_create, enterprise_update

        data = {f: form.cleaned_data[f] for f in form.cleaned_data}
        if change:
            enterprise_update(enterprise=obj, data=data, by=request.user)
        else:
            obj.pk = enterprise_create(data=data, by=request.user).pk
            obj._state.adding = False


class ProfileAdminForm(forms.ModelForm):
    """A group user's charge_enterprises are the subsidiaries granted to it: each new one must be one the editor
    may grant (reform_portal.access.GroupGrantPolicy: below the group's head enterprise)."""

    editor = None  # the request's user, set by ProfileAdmin.get_form

    def clean(self):
        cleaned = super().clean()
        profile = Profile(role=cleaned.get("role"), enterprise=cleaned.get("enterprise"))
        picked = cleaned.get("charge_enterprises")
        if picked is not None and GroupGrantPolicy.is_group_profile(profile):
            kept = set(self.instance.charge_enterprises.values_list("pk", flat=True)) if self.instance.pk else set()
            new = picked.exclude(pk__in=kept)
            if new.exclude(pk__in=GroupGrantPolicy.grantable(self.editor, profile, new).values("pk")).exists():
                self.add_error("charge_enterprises", _("集团用户只能获准填报本集团（所属企业）的下属企业。"))
        return cleaned


@admin.register(Profile)
class ProfileAdmin(admin.ModelAdmin):
    form = ProfileAdminForm
    list_display = ("user", "role", "province", "enterprise")
    list_filter = ("role", "province")
    search_fields = ("user__username", "enterprise__name")
    # charge_enterprises: an officer's named enterprises; a group user's granted subsidiaries (searched by name or
    # credit code among all enterprises, checked against the group's tree on save).
    autocomplete_fields = ("user", "enterprise", "charge_enterprises")
    filter_horizontal = ("charge_regions",)
    list_select_related = ("user", "province", "enterprise")

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        form.editor = request.user  # a class made for this request
        return form

    def save_related(self, request, form, formsets, change):
        # A group user's grants go through the service, which checks and records them (enterprises.group_access).
        profile = form.instance
        if not GroupGrantPolicy.is_group_profile(profile):
            return super().save_related(request, form, formsets, change)
        wanted = list(form.cleaned_data.get("charge_enterprises") or [])
        form.cleaned_data["charge_enterprises"] = list(profile.charge_enterprises.all())
        super().save_related(request, form, formsets, change)
        group_set(by=request.user, profile=profile, enterprises=wanted)


@admin.register(EnterpriseEvent)
class EnterpriseEventAdmin(ReadOnlyAdmin):
    """The register's history, written by the database (reform_portal/history.py): read only."""

    list_display = ("pgh_obj", "pgh_created_at", "changed_by", "source", "pgh_label", "name")
    list_filter = ("source", "pgh_label")
    search_fields = ("pgh_obj__name", "pgh_obj__credit_code")
    list_select_related = ("pgh_obj", "changed_by")
