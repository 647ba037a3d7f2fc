"""A piece of work a user asked for that a worker does (an import, a large export): its state, progress, result."""

import uuid

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


def _job_path(instance, filename: str) -> str:
    # Under MEDIA_ROOT/jobs/, named by a random key: never served by the web server, handed out by the job's view.
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else "bin"
    return f"jobs/{uuid.uuid4().hex}.{extension}"


class Job(models.Model):
    class Kind(models.TextChoices):
        ENTERPRISE_IMPORT = "enterprise_import", _("导入企业名录")
        ENTERPRISE_EXPORT = "enterprise_export", _("导出企业名录")
        DASHBOARD_EXPORT = "dashboard_export", _("导出统计看板")
        AUDIT_EXPORT = "audit_export", _("导出审计记录")
        PROGRESS_WORKBOOK = "progress_workbook", _("上传进度填报表")
        ASSESSMENT_WORKBOOK = "assessment_workbook", _("上传自评离线填报表")

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("进行中")
        SUCCEEDED = "succeeded", _("已完成")
        FAILED = "failed", _("失败")

    kind = models.CharField(_("类型"), max_length=40, choices=Kind.choices)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="jobs")
    status = models.CharField(_("状态"), max_length=20, choices=Status.choices, default=Status.QUEUED)
    done = models.PositiveIntegerField(default=0)
    total = models.PositiveIntegerField(default=0)
    parameters = models.JSONField(default=dict, blank=True)  # the filters, the owner's sight when asked
    upload = models.FileField(upload_to=_job_path, blank=True)  # an import's file, deleted once imported
    upload_name = models.CharField(max_length=255, blank=True)
    result_file = models.FileField(upload_to=_job_path, blank=True)
    result_name = models.CharField(max_length=255, blank=True)
    summary = models.JSONField(default=dict, blank=True)  # e.g. the import's report
    error = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)  # the worker's last sign of life
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True, db_index=True)

    class Meta:
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["owner", "-created_at"]), models.Index(fields=["status", "heartbeat_at"])]
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")

    def __str__(self):
        return f"{self.get_kind_display()} #{self.pk}"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.SUCCEEDED, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.SUCCEEDED:
            return 100
        return int(self.done * 100 / self.total) if self.total else 0
