from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class InboxConfig(AppConfig):
    """Every user's inbox of notices (docs/inbox.md): a shared block that imports no app of ours; the apps hand it
    user ids, texts and portal paths (`services.notify`)."""

    name = "reform_portal.inbox"
    label = "inbox"
    verbose_name = _("站内通知")
