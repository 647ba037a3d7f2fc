from django.db import models
from django.utils.translation import gettext_lazy as _


class OutboxMessage(models.Model):
    """One task call for the workers, written in the transaction of the write that asks for it."""

    task = models.CharField(_("任务"), max_length=200)
    args = models.JSONField(_("位置参数"), default=list)
    kwargs = models.JSONField(_("关键字参数"), default=dict)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    attempts = models.PositiveIntegerField(_("发送失败次数"), default=0)
    sent_at = models.DateTimeField(_("发送时间"), null=True, blank=True)
    last_error = models.TextField(_("最近错误"), blank=True)

    class Meta:
        ordering = ["pk"]
        verbose_name = _("待发任务")
        verbose_name_plural = _("待发任务")
        indexes = [models.Index(fields=["id"], condition=models.Q(sent_at__isnull=True), name="outbox_unsent")]

    def __str__(self):
        return f"{self.task_id} {self.task}"

    @property
    def task_id(self) -> str:
        """The Celery task id: derived from the row, so a second publish of it is the same task."""
        return f"outbox-{self.pk}"
