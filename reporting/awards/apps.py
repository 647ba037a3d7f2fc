from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AwardsConfig(AppConfig):
    """Award shortlists (评先评优推荐名单, Yunnan 四（三）, Shaanxi （十八）): a consumer of the read model."""

    name = "reporting.awards"
    label = "awards"
    verbose_name = _("评优推荐")
