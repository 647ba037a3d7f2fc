"""Notices in each user's inbox, and each user's last visit of a few pages (docs/inbox.md).

A shared block: it names users and portal paths, never another app's rows (an enterprise is an optional id, for
scoping and links), so that any app may write to it and it imports none."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import NoticeKind, VisitedPage

TITLE_MAX_CHARS = 200
BODY_MAX_CHARS = 2000
URL_MAX_CHARS = 500


def portal_path_problem(url: str) -> str | None:
    """Why `url` is not a path of this portal (a notice leads only there), or None. Empty is allowed (no link)."""
    if not url:
        return None
    if len(url) > URL_MAX_CHARS:
        return str(_("链接过长。"))
    if not url.startswith("/") or url.startswith("//") or url.startswith("/\\"):
        return str(_("链接只能是本平台内以 / 开头的地址。"))
    if any(ch in url for ch in ("\\", "\n", "\r", "\t", "\x00")) or any(ord(ch) < 32 for ch in url):
        return str(_("链接含有不允许的字符。"))
    return None


def validate_portal_path(url: str) -> None:
    problem = portal_path_problem(url)
    if problem:
        raise ValidationError(problem)


class Notice(models.Model):
    """One message to one user: what it is about, where it leads, when it was read. Kept a year
    (`services.notices_purge`, daily by beat)."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("收件人"), on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(_("类别"), max_length=20, choices=NoticeKind.choices)
    title = models.CharField(_("标题"), max_length=TITLE_MAX_CHARS)
    body = models.TextField(_("内容"), blank=True, max_length=BODY_MAX_CHARS)
    url = models.CharField(_("链接"), max_length=URL_MAX_CHARS, blank=True, validators=[validate_portal_path])
    enterprise_id = models.IntegerField(_("企业"), null=True, blank=True)
    created_at = models.DateTimeField(_("时间"), default=timezone.now)
    read_at = models.DateTimeField(_("阅读时间"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("站内通知")
        verbose_name_plural = _("站内通知")
        indexes = [
            # a user's inbox, newest first (the page) and by id (the API's cursor pages)
            models.Index(fields=["recipient", "-created_at", "-id"], name="notice_inbox"),
            # the unread badge: an index of the unread alone (read ones leave it)
            models.Index(fields=["recipient", "id"], condition=models.Q(read_at__isnull=True), name="notice_unread"),
            # the yearly purge walks the oldest first
            models.Index(fields=["created_at", "id"], name="notice_age"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(url="") | (models.Q(url__startswith="/") & ~models.Q(url__startswith="//")),
                name="notice_url_portal_path",
            )
        ]

    def __str__(self):
        return f"{self.recipient_id}: {self.title}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class LastVisit(models.Model):
    """When a user last showed a page (`at`) and the visit before that one (`previous_at`): the page marks what
    changed since `previous_at`. A visit within `visits.SAME_VISIT` of the last one continues it (a reload, the next
    page of a list keep the marks)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    page = models.CharField(_("页面"), max_length=20, choices=VisitedPage.choices)
    at = models.DateTimeField(_("本次访问"))
    previous_at = models.DateTimeField(_("上次访问"), null=True, blank=True)

    class Meta:
        ordering = ["user", "page"]
        verbose_name = _("页面访问时间")
        verbose_name_plural = _("页面访问时间")
        constraints = [models.UniqueConstraint(fields=["user", "page"], name="last_visit_once_per_page")]

    def __str__(self):
        return f"{self.user_id} {self.page} {self.at:%Y-%m-%d %H:%M}"
