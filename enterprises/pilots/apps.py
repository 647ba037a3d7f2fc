from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PilotsConfig(AppConfig):
    """Pilot enterprises (试点) and their working funds (Yunnan 四（三）): a part of enterprises with its own tables."""

    name = "enterprises.pilots"
    label = "pilots"
    verbose_name = _("试点企业")
