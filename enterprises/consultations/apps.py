from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ConsultationsConfig(AppConfig):
    """产改直通车 (Yunnan 四（二）): enterprises' questions to the union, the answers, and the FAQ per measure."""

    name = "enterprises.consultations"
    label = "consultations"
    verbose_name = _("产改直通车")
