"""The security audit log: one append-only, hash-chained table (see docs/security/audit.md).

Each entry stores `prev_hash`, the `hash` of the entry before it (by id), and its own `hash`, the SHA-256 of a
canonical serialisation of its fields and `prev_hash` (`chain.entry_hash`). Editing, deleting or inserting a row
anywhere breaks the chain at that row, which `manage.py audit_verify` reports.

The database refuses UPDATE always and DELETE except of entries older than the retention, and only when the purge
says so (it sets `audit.purge_before` for its transaction; `MIN_RETENTION_DAYS` is written into the trigger, so even
the purge cannot remove an entry younger than 180 days).
"""

import pgtrigger
from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy as _

MIN_RETENTION_DAYS = 180  # the Cybersecurity Law's six months; AUDIT_RETENTION_DAYS may not be lower
GENESIS_HASH = "0" * 64  # prev_hash of the first entry ever written

# DELETE is refused unless the row is older than both MIN_RETENTION_DAYS and the purge's cut-off, set for the
# purge's transaction only (set_config(…, true)); with no cut-off the comparison is NULL and COALESCE refuses.
_PURGE_ALLOWED = (
    f"OLD.\"created_at\" < NOW() - INTERVAL '{MIN_RETENTION_DAYS} days' "
    "AND OLD.\"created_at\" < NULLIF(CURRENT_SETTING('audit.purge_before', TRUE), '')::TIMESTAMPTZ"
)


class AuditEntry(models.Model):
    """One security-relevant event: who, from where, what, on which object, with which details."""

    created_at = models.DateTimeField(_("时间"), db_index=True)
    action = models.CharField(_("事件"), max_length=64, db_index=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("用户"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,  # a user may be deleted; what they did stays on record
        related_name="+",
    )
    username = models.CharField(_("用户名"), max_length=150, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP 地址"), null=True, blank=True, db_index=True)
    user_agent = models.CharField(_("浏览器"), max_length=300, blank=True)
    method = models.CharField(_("请求方法"), max_length=10, blank=True)
    path = models.CharField(_("路径"), max_length=500, blank=True)
    target_type = models.ForeignKey(
        ContentType,
        verbose_name=_("对象类型"),
        null=True,
        blank=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    target_id = models.CharField(_("对象编号"), max_length=64, blank=True)
    target_repr = models.CharField(_("对象"), max_length=300, blank=True)
    details = models.JSONField(_("详情"), default=dict, blank=True)
    prev_hash = models.CharField(_("前一条哈希"), max_length=64)
    hash = models.CharField(_("哈希"), max_length=64, unique=True)

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计记录")
        ordering = ["-id"]
        indexes = [models.Index(fields=["target_type", "target_id"], name="audit_target_idx")]
        triggers = [
            pgtrigger.Protect(name="audit_append_only_update", operation=pgtrigger.Update),
            pgtrigger.Protect(
                name="audit_append_only_delete",
                operation=pgtrigger.Delete,
                condition=pgtrigger.Condition(f"NOT COALESCE(({_PURGE_ALLOWED}), FALSE)"),
            ),
        ]

    def __str__(self) -> str:
        return f"#{self.pk} {self.action} {self.username}"
