"""Admin: a user an administrator creates, or whose password an administrator sets, changes it at first login;
API tokens can be seen and revoked; django-axes' own admin (访问尝试) lists lockouts, and deleting an entry unlocks."""

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AccountState, ApiToken

User = get_user_model()


class AccountStateInline(admin.StackedInline):
    model = AccountState
    can_delete = False
    fields = ["must_change_password", "password_changed_at", "demo_account"]
    readonly_fields = ["password_changed_at", "demo_account"]


class PortalUserAdmin(UserAdmin):
    inlines = [*UserAdmin.inlines, AccountStateInline]

    def get_inlines(self, request, obj):
        return self.inlines if obj is not None else UserAdmin.inlines  # a new user's state is set on save

    def save_model(self, request, obj, form, change):
        obj._accounts_reset_by_admin = True  # a password set here is an initial one
        obj._accounts_request = request
        super().save_model(request, obj, form, change)
        if not change:
            services.require_password_change(user=obj)

    def get_object(self, request, object_id, from_field=None):
        obj = super().get_object(request, object_id, from_field)
        # UserAdmin.user_change_password loads the user here, then its form saves this object: mark it a reset.
        if obj is not None and request.method == "POST" and request.path.rstrip("/").endswith("/password"):
            obj._accounts_reset_by_admin = True
            obj._accounts_request = request
        return obj


if admin.site.is_registered(User):
    admin.site.unregister(User)
admin.site.register(User, PortalUserAdmin)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["user", "name", "prefix", "created_at", "last_used_at", "expires_at", "revoked_at"]
    list_filter = ["revoked_at"]
    search_fields = ["user__username", "name", "prefix"]
    readonly_fields = [
        "user",
        "name",
        "prefix",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_reason",
    ]
    exclude = ["digest"]
    actions = ["revoke"]

    def has_add_permission(self, request):
        return False

    @admin.action(description=_("吊销所选令牌"))
    def revoke(self, request, queryset):
        count = sum(services.token_revoke(token=t, by=request.user, reason="admin", request=request) for t in queryset)
        self.message_user(request, _("已吊销 %(n)d 个令牌。") % {"n": count}, messages.SUCCESS)
