from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地级")
    COUNTY = "county", _("县级")


class Ownership(models.TextChoices):
    STATE_SOLE = "state_sole", _("国有独资")
    # 国有控股 includes the mixed-ownership enterprises the state controls (绝对或相对控股).
    STATE_CONTROLLED = "state_controlled", _("国有控股（含国有控股混合所有制）")
    # A minority state stake: not a state-owned enterprise.
    STATE_MINORITY = "state_minority", _("国有参股")
    COLLECTIVE = "collective", _("集体")
    PRIVATE = "private", _("民营")
    FOREIGN = "foreign", _("外资")
    HK_MACAO_TAIWAN = "hmt", _("港澳台")


# The state-owned enterprises (国有企业): wholly owned or controlled by the state. Only these have a supervision level.
STATE_OWNERSHIPS = (Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED)


class SupervisionLevel(models.TextChoices):
    CENTRAL = "central", _("中央企业")
    PROVINCIAL = "provincial", _("省属")
    MUNICIPAL = "municipal", _("市属")
    COUNTY = "county", _("县属")
    NONE = "none", _("无")


class Supervisor(models.TextChoices):
    """The kind of body that supervises a state-owned enterprise's state assets."""

    SASAC = "sasac", _("国资委")
    OTHER = "other", _("其他部门（如财政、行业主管部门）")


class Industry(models.TextChoices):
    """GB/T 4754-2017 门类."""

    A = "A", _("农、林、牧、渔业")
    B = "B", _("采矿业")
    C = "C", _("制造业")
    D = "D", _("电力、热力、燃气及水生产和供应业")
    E = "E", _("建筑业")
    F = "F", _("批发和零售业")
    G = "G", _("交通运输、仓储和邮政业")
    H = "H", _("住宿和餐饮业")
    I = "I", _("信息传输、软件和信息技术服务业")  # noqa: E741
    J = "J", _("金融业")
    K = "K", _("房地产业")
    L = "L", _("租赁和商务服务业")
    M = "M", _("科学研究和技术服务业")
    N = "N", _("水利、环境和公共设施管理业")
    O = "O", _("居民服务、修理和其他服务业")  # noqa: E741
    P = "P", _("教育")
    Q = "Q", _("卫生和社会工作")
    R = "R", _("文化、体育和娱乐业")
    S = "S", _("公共管理、社会保障和社会组织")
    T = "T", _("国际组织")


class SizeClass(models.TextChoices):
    LARGE = "large", _("大型")
    MEDIUM = "medium", _("中型")
    SMALL = "small", _("小型")
    MICRO = "micro", _("微型")


class Role(models.TextChoices):
    OFFICER = "officer", _("工会干部")
    SASAC = "sasac", _("国资委工作人员")
    ENTERPRISE = "enterprise", _("企业用户")
    GROUP = "group", _("集团用户")
    ADMIN = "admin", _("管理员")
