"""Per-user security state and the API tokens (stored as SHA-256 digests: a stolen table gives no usable token)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccountState(models.Model):
    """What the login path needs to know of a user beyond Django's User. Created on first need."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="account_state")
    must_change_password = models.BooleanField(
        _("须修改初始密码"), default=False, help_text=_("管理员创建账号或重置密码后，用户首次登录须先修改密码。")
    )
    password_changed_at = models.DateTimeField(_("密码修改时间"), null=True, blank=True)
    # Set by seed_demo only; honoured only with settings.DEBUG (reform_portal/accounts/policy.py).
    demo_account = models.BooleanField(_("演示账号"), default=False)
    # Raised by "退出所有设备": a session that logged in under an older value is ended.
    session_epoch = models.PositiveIntegerField(default=0)

    class Meta:
        verbose_name = _("账号安全状态")
        verbose_name_plural = _("账号安全状态")

    def __str__(self):
        return str(self.user)


class ApiTokenQuerySet(models.QuerySet):
    def live(self):
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ApiToken(models.Model):
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(_("名称"), max_length=100, blank=True)
    digest = models.CharField(max_length=64, unique=True)  # sha256 hex of the key
    prefix = models.CharField(_("前缀"), max_length=8)  # the key's first characters, to recognise it in a list
    created_at = models.DateTimeField(_("创建时间"), default=timezone.now)
    last_used_at = models.DateTimeField(_("最近使用"), null=True, blank=True)
    expires_at = models.DateTimeField(_("过期时间"))
    revoked_at = models.DateTimeField(_("吊销时间"), null=True, blank=True)
    revoked_reason = models.CharField(_("吊销原因"), max_length=40, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API 令牌")
        verbose_name_plural = _("API 令牌")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user", "revoked_at"])]

    def __str__(self):
        return f"{self.user} · {self.name or self.prefix}"

    @property
    def is_live(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()
