from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class LiaisonsConfig(AppConfig):
    """产改联络员 / 指导员 of enterprises and the 直通车 visits they log (Yunnan 四（二）, docs/liaisons.md)."""

    name = "enterprises.liaisons"
    label = "liaisons"
    verbose_name = _("产改联络员")
