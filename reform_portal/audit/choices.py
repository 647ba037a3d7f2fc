"""The actions the audit log records, with their labels. `record()` accepts any short code; these are the ones the
portal writes (other modules name theirs here too, so the audit page can label them)."""

from django.utils.translation import gettext_lazy as _

LOGIN = "login"
LOGOUT = "logout"
LOGIN_FAILED = "login_failed"
LOCKED_OUT = "locked_out"
PERMISSION_DENIED = "permission_denied"
EXPORT = "export"
DOWNLOAD = "download"
ADMIN_CHANGE = "admin_change"
PURGED = "audit.purged"

LABELS = {
    LOGIN: _("登录"),
    LOGOUT: _("退出"),
    LOGIN_FAILED: _("登录失败"),
    LOCKED_OUT: _("账号锁定"),
    PERMISSION_DENIED: _("拒绝访问"),
    EXPORT: _("导出"),
    DOWNLOAD: _("下载"),
    ADMIN_CHANGE: _("后台修改"),
    PURGED: _("清理过期审计记录"),
    # written by reform_portal/accounts (the auth helper's services)
    "token.issued": _("签发令牌"),
    "token.revoked": _("吊销令牌"),
    "password.changed": _("修改密码"),
    "session.ended_all": _("退出所有设备"),
    "otp.enabled": _("启用双因素认证"),
    "otp.disabled": _("停用双因素认证"),
    # written by reform_portal/channels (group robots: docs/channels.md)
    "channel.created": _("添加推送渠道"),
    "channel.changed": _("修改推送渠道"),
    "channel.deleted": _("删除推送渠道"),
    # written by reporting/awards (award shortlists: docs/awards.md)
    "award.round_created": _("创建评优推荐轮次"),
    "award.decided": _("确认或剔除评优候选"),
}


def label(action: str) -> str:
    return str(LABELS.get(action, action))
