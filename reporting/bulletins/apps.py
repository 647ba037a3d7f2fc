from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BulletinsConfig(AppConfig):
    """The official bulletin (通报, Shaanxi （十八） 加大宣传): a consumer of the read model (docs/bulletins.md)."""

    name = "reporting.bulletins"
    label = "bulletins"
    verbose_name = _("工作通报")
