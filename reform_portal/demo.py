"""Demo data for a fresh portal: 60 enterprises in both provinces, as a union officer would know them, and the demo
accounts.

Each enterprise is written out below (the names are invented; none is a real company): its name carries its place
(云南… / 昆明… / 西安… / a county's name), its legal form fits its ownership (a 国有独资 is a …有限公司 or
…集团有限公司, a 集体 enterprise a …厂, never a 股份有限公司), and it sits in a real county of its prefecture, whose
GB/T 2260 code is characters 3–8 of its credit code. Among them: 中央企业 subsidiaries in 西安 and 昆明, a 省属 group
(陕西秦岳实业集团) with subsidiaries in three cities, 市属 and 县属 SOEs, a 国有独资 under a 财政厅, 国有参股
enterprises, Yunnan enterprises under 100 staff and above, 大型 to 小型, 规上 or not, 龙头 enterprises.

Deterministic (fixed random seeds) and idempotent: enterprises are keyed on their credit code, accounts on their
username, and progress is only seeded on rows created by this run, so running it twice changes nothing and never
overwrites what a person entered.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction
from django.utils import timezone

from enterprises.choices import Industry, Ownership, Role, SizeClass, SupervisionLevel, Supervisor
from enterprises.credit_code import ALPHABET, make_credit_code
from enterprises.models import Enterprise, Profile, Region
from measures.applicability import applicable_indicators, applicable_measures
from measures.choices import Comparison, IndicatorKind, Status
from measures.history import change_context
from measures.models import IndicatorValue, Progress
from reform_portal.accounts.services import mark_demo_account
from reform_portal.choices import ChangeSource

DEMO_PASSWORD = "demo12345"

SOLE, CONTROLLED, MINORITY = Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED, Ownership.STATE_MINORITY
COLLECTIVE, PRIVATE = Ownership.COLLECTIVE, Ownership.PRIVATE
FOREIGN, HMT = Ownership.FOREIGN, Ownership.HK_MACAO_TAIWAN
CENTRAL, PROVINCIAL = SupervisionLevel.CENTRAL, SupervisionLevel.PROVINCIAL
MUNICIPAL, COUNTY = SupervisionLevel.MUNICIPAL, SupervisionLevel.COUNTY
SASAC, OTHER = Supervisor.SASAC, Supervisor.OTHER


@dataclass(frozen=True)
class Spec:
    """One demo enterprise. `supervision`: (level, supervisor, supervising body) for a state-owned enterprise;
    `above_scale` None: 规上 when it is a 大型 or 中型 industrial enterprise (采矿、制造、电力)."""

    key: str
    county: str  # the county's GB/T 2260 code
    name: str
    ownership: str
    industry: str
    employees: int
    supervision: tuple = ()
    parent: str = ""  # the parent's key
    above_scale: bool | None = None
    leading: bool = False


# Supervision: (level, supervisor, supervising body).
YN_SASAC = (PROVINCIAL, SASAC, "云南省国资委")
SX_SASAC = (PROVINCIAL, SASAC, "陕西省国资委")
STATE_SASAC = (CENTRAL, SASAC, "国务院国资委")


def city(name: str) -> tuple:
    return (MUNICIPAL, SASAC, f"{name}国资委")


def county(supervisor: str, body: str) -> tuple:
    return (COUNTY, supervisor, body)


# fmt: off
ENTERPRISES = [
    # 云南 · 昆明市 ----------------------------------------------------------------------------------------------------
    Spec("dianzhong", "530111", "云南滇中装备制造集团有限公司", SOLE, "C", 4200, YN_SASAC, leading=True),
    Spec("hanhai-km", "530112", "中国瀚海能源集团昆明电力有限公司", SOLE, "D", 1800, STATE_SASAC),
    Spec("caiyun-guarantee", "530102", "云南彩云融资担保有限公司", SOLE, "J", 260,
         (PROVINCIAL, OTHER, "云南省财政厅")),
    Spec("chuncheng", "530103", "昆明春城建设投资集团有限公司", SOLE, "E", 1200, city("昆明市")),
    Spec("gaoyuan-materials", "530114", "昆明高原新材料股份有限公司", MINORITY, "C", 450),
    Spec("yunling-cnc", "530181", "昆明云岭数控机床有限公司", PRIVATE, "C", 650),
    Spec("caiyun-soft", "530102", "昆明彩云软件有限公司", PRIVATE, "I", 80),
    Spec("jinma", "530111", "昆明金马物流有限公司", PRIVATE, "G", 320),
    Spec("yiliang-farm", "530125", "宜良县农机修造厂", COLLECTIVE, "C", 120),
    Spec("borui", "530111", "博瑞医疗器械（昆明）有限公司", FOREIGN, "C", 380),
    Spec("ganglian", "530127", "昆明港联食品有限公司", HMT, "C", 210, above_scale=True),
    Spec("shilin-tourism", "530126", "石林彝族自治县旅游开发投资有限公司", SOLE, "L", 150,
         county(SASAC, "石林彝族自治县国资委")),
    # 云南 · 曲靖市
    Spec("zhuyuan", "530325", "曲靖珠源煤业有限公司", CONTROLLED, "B", 2300, city("曲靖市")),
    Spec("huize-mining", "530326", "会泽县铅锌矿业开发有限公司", SOLE, "B", 420, county(OTHER, "会泽县财政局")),
    Spec("dianzhong-qj", "530303", "云南滇中装备制造集团曲靖重型机械有限公司", CONTROLLED, "C", 960, YN_SASAC,
         parent="dianzhong"),
    Spec("luliang-farm", "530322", "陆良县丰源农业开发有限公司", PRIVATE, "A", 60),
    # 云南 · 玉溪市
    Spec("xingyun", "530403", "玉溪星云装备制造有限公司", PRIVATE, "C", 560),
    Spec("tonghai-veg", "530423", "通海县蔬菜冷链加工厂", COLLECTIVE, "C", 140),
    Spec("yuxi-water", "530402", "玉溪市城乡水务集团有限公司", SOLE, "D", 700, city("玉溪市")),
    Spec("huaning-pottery", "530424", "华宁县陶艺文化有限公司", PRIVATE, "C", 45),
    # 云南 · 红河哈尼族彝族自治州
    Spec("xiyuan", "532501", "个旧锡源冶炼有限公司", PRIVATE, "C", 880),
    Spec("mile-winery", "532504", "弥勒市云岭红酒庄园有限公司", PRIVATE, "C", 150),
    Spec("mengzi-pomegranate", "532503", "蒙自市新安所石榴加工厂", COLLECTIVE, "C", 70),
    # 云南 · 大理白族自治州
    Spec("cang-er", "532901", "大理苍洱乳业有限公司", PRIVATE, "C", 420, leading=True),
    Spec("heqing-silver", "532932", "鹤庆县银器锻制厂", COLLECTIVE, "C", 35),
    Spec("xiangyun-transport", "532923", "祥云县交通建设投资有限公司", SOLE, "E", 110, county(SASAC, "祥云县国资委")),
    # 云南 · 昭通市
    Spec("zhaotong-apple", "530602", "昭通高原苹果种植有限公司", PRIVATE, "A", 180),
    Spec("shuifu-shipping", "530681", "水富市金沙江航运有限公司", CONTROLLED, "G", 230, county(SASAC, "水富市国资委")),
    # 云南 · 普洱市
    Spec("mingshan-tea", "530802", "普洱思茅茗山茶业有限公司", PRIVATE, "C", 680, above_scale=True, leading=True),
    Spec("jinggu-forest", "530824", "普洱景谷林产化工有限公司", PRIVATE, "C", 260),
    # 陕西 · 西安市 ----------------------------------------------------------------------------------------------------
    Spec("qinyue", "610113", "陕西秦岳实业集团有限公司", SOLE, "C", 1500, SX_SASAC, leading=True),
    Spec("qinyue-xa", "610112", "陕西秦岳实业集团西安装备制造有限公司", SOLE, "C", 2100, SX_SASAC, parent="qinyue"),
    Spec("qinyue-xa-smart", "610117", "西安秦岳智能装备科技有限公司", CONTROLLED, "C", 240, SX_SASAC,
         parent="qinyue-xa"),
    Spec("hengyue-xa", "610114", "中国恒岳重工集团西安装备有限公司", SOLE, "C", 3200, STATE_SASAC),
    Spec("hanhai-xa", "610111", "中国瀚海能源集团西安热电有限公司", CONTROLLED, "D", 780, STATE_SASAC),
    Spec("gucheng", "610104", "西安古城建设发展集团有限公司", SOLE, "E", 1300, city("西安市")),
    Spec("changan-water", "610112", "西安长安水务有限公司", CONTROLLED, "D", 540, city("西安市")),
    Spec("qincai-guarantee", "610102", "陕西秦财融资担保有限公司", SOLE, "J", 180,
         (PROVINCIAL, OTHER, "陕西省财政厅")),
    Spec("yanta-micro", "610113", "西安雁塔微电子股份有限公司", MINORITY, "C", 520),
    Spec("zhouzhi-kiwi", "610124", "周至县猕猴桃产业发展有限公司", SOLE, "A", 130, county(SASAC, "周至县国资办")),
    Spec("lantian-build", "610122", "蓝田县城乡建设投资有限公司", SOLE, "E", 95, county(OTHER, "蓝田县财政局")),
    Spec("silu", "610111", "西安丝路物流有限公司", PRIVATE, "G", 410),
    Spec("derui", "610117", "德瑞精密机械（西安）有限公司", FOREIGN, "C", 620),
    Spec("tairong", "610116", "西安台荣电子有限公司", HMT, "C", 350),
    # 陕西 · 宝鸡市
    Spec("qinyue-bj", "610302", "陕西秦岳实业集团宝鸡精密铸造有限公司", CONTROLLED, "C", 860, SX_SASAC,
         parent="qinyue"),
    Spec("jintai-ti", "610303", "宝鸡金台钛材有限公司", PRIVATE, "C", 480),
    Spec("weihe-water", "610302", "宝鸡市渭河水务集团有限公司", SOLE, "D", 620, city("宝鸡市")),
    Spec("meixian-fruit", "610326", "眉县果品加工厂", COLLECTIVE, "C", 85),
    # 陕西 · 咸阳市
    Spec("qindu-textile", "610402", "咸阳秦都纺织有限公司", PRIVATE, "C", 900),
    Spec("weibei-chem", "610481", "兴平市渭北化工有限公司", CONTROLLED, "C", 1250, city("咸阳市")),
    Spec("binzhou-coal", "610482", "彬州市煤炭开发有限公司", SOLE, "B", 640, county(SASAC, "彬州市国资委")),
    Spec("jingyang-tea", "610423", "泾阳县秦茯茶业有限公司", PRIVATE, "C", 110, leading=True),
    # 陕西 · 渭南市
    Spec("fuping-persimmon", "610528", "富平县柿饼加工厂", COLLECTIVE, "C", 75),
    Spec("hancheng-coke", "610581", "韩城市黄河煤焦化工有限公司", PRIVATE, "C", 1400),
    Spec("qindong-water", "610502", "渭南市秦东水务有限公司", CONTROLLED, "D", 330, city("渭南市")),
    # 陕西 · 榆林市
    Spec("qinyue-yl", "610881", "陕西秦岳实业集团榆林能源化工有限公司", CONTROLLED, "B", 1900, SX_SASAC,
         parent="qinyue"),
    Spec("fugu-coke", "610822", "府谷县兰炭有限公司", PRIVATE, "C", 260, above_scale=True),
    Spec("saishang", "610802", "榆林市塞上城乡建设投资有限公司", SOLE, "E", 380, city("榆林市")),
    # 陕西 · 汉中市
    Spec("hanjiang-aero", "610722", "汉中市汉江航空配套有限公司", PRIVATE, "C", 540),
    Spec("xixiang-tea", "610724", "西乡县汉水茶业有限公司", PRIVATE, "A", 90),
]
# fmt: on

INDUSTRIAL = (Industry.B, Industry.C, Industry.D)  # 采矿业, 制造业, 电力、热力、燃气及水生产和供应业


def size_class(employees: int) -> str:
    if employees >= 1000:
        return SizeClass.LARGE
    if employees >= 300:
        return SizeClass.MEDIUM
    if employees >= 20:
        return SizeClass.SMALL
    return SizeClass.MICRO


def organisation_body(spec: Spec, rng: random.Random) -> str:
    """The 8 body characters of the organisation code: older state-owned and collective enterprises kept their
    numeric organisation codes; enterprises registered since 2015 have “MA” codes."""
    if spec.ownership in (SOLE, CONTROLLED, COLLECTIVE) and not spec.parent:
        return "".join(rng.choice("0123456789") for _ in range(8))
    return "MA" + "".join(rng.choice(ALPHABET) for _ in range(6))


@dataclass
class SeedResult:
    enterprises_created: int = 0
    users_created: int = 0
    progress_seeded: int = 0
    notes: list = field(default_factory=list)


def _enterprise_values(spec: Spec, rng: random.Random) -> dict:
    """The register entry of `spec` but its location and parent: facts from the spec, headcounts drawn."""
    level, supervisor, body = spec.supervision or (SupervisionLevel.NONE, "", "")
    employees = spec.employees
    size = size_class(employees)
    workers = int(employees * rng.uniform(0.5, 0.8))
    skilled = int(workers * rng.uniform(0.3, 0.6))
    above_scale = spec.above_scale
    if above_scale is None:
        above_scale = spec.industry in INDUSTRIAL and size in (SizeClass.LARGE, SizeClass.MEDIUM)
    return {
        "name": spec.name,
        "ownership": spec.ownership,
        "supervision_level": level,
        "supervisor": supervisor,
        "supervising_body": body,
        "industry": spec.industry,
        "size_class": size,
        "above_scale": above_scale,
        "leading": spec.leading,
        # A company (公司法) has a board or a board of supervisors; a collective works (…厂) has neither.
        "has_board": spec.name.endswith("公司"),
        "employees": employees,
        "frontline_workers": workers,
        "union_members": int(employees * rng.uniform(0.6, 0.95)),
        "party_members": int(workers * rng.uniform(0.05, 0.2)),
        "skilled_workers": skilled,
        "highly_skilled_workers": int(skilled * rng.uniform(0.1, 0.35)),
        "union_founded": employees >= 50 or rng.random() < 0.5,
        "is_pilot": rng.random() < 0.2,
    }


def _unique_name(name: str, region: Region, taken: set[str]) -> str:
    if name not in taken:
        return name
    return f"{region.name.removesuffix('市').removesuffix('州')}{name}"


FIXED_PERCENT = {Status.NOT_STARTED: 0, Status.DONE: 100, Status.ONGOING: 100}
STATUS_WEIGHTS = [(Status.NOT_STARTED, 0.25), (Status.IN_PROGRESS, 0.4), (Status.DONE, 0.2), (Status.ONGOING, 0.15)]


def _seed_progress(enterprise: Enterprise, rng: random.Random, *, lagging: bool, behind: bool) -> int:
    rows = []
    existing = set(Progress.objects.filter(enterprise=enterprise).values_list("measure_id", flat=True))
    for measure in applicable_measures(enterprise):
        if measure.pk in existing:
            continue
        status = rng.choices([s for s, _ in STATUS_WEIGHTS], [w for _, w in STATUS_WEIGHTS])[0]
        if status == Status.NOT_STARTED and not lagging and not behind:
            status = Status.IN_PROGRESS  # most enterprises have started every measure
        if lagging:
            status = rng.choice([Status.NOT_STARTED, Status.NOT_STARTED, Status.IN_PROGRESS])
        percent = FIXED_PERCENT[status] if status in FIXED_PERCENT else rng.randrange(10, 95, 5)
        rows.append(Progress(enterprise=enterprise, measure=measure, status=status, percent=percent, note=""))
    with change_context(by=None, source=ChangeSource.SYSTEM, comment="演示数据"):
        Progress.objects.bulk_create(rows)
    if lagging and rows:
        Progress.objects.filter(pk__in=[r.pk for r in rows]).update(updated_at=timezone.now() - timedelta(days=120))
    return len(rows)


PEOPLE = ["张建华", "李红梅", "王志强", "刘晓燕", "陈国平", "杨丽", "赵永刚", "周敏"]


def _indicator_text(indicator, enterprise: Enterprise, rng: random.Random) -> str:
    """A text answer of the kind the indicator asks for (a person and post, a body's name, a document)."""
    name = indicator.name
    if "姓名" in name:
        post = "党委书记、董事长" if "组长" in name else "工会主席"
        return f"{rng.choice(PEOPLE)}，{post}"
    if "机构名称" in name:
        return "产业工人队伍建设改革工作领导小组办公室（设在企业工会）"
    if "文号" in name:
        short = enterprise.name.removesuffix("有限公司").removesuffix("股份")[-4:]
        return f"《{name.split('（')[0]}》（{short}发〔{timezone.localdate().year - 1}〕{rng.randrange(3, 40)}号）"
    return "已落实"


def _seed_indicator_values(enterprise: Enterprise, rng: random.Random, year: int) -> None:
    """This year's value of each indicator that applies to `enterprise` and is filled in (the derived ones follow
    from the register); a value already there is left alone."""
    existing = set(
        IndicatorValue.objects.filter(enterprise=enterprise, year=year).values_list("indicator_id", flat=True)
    )
    rows = []
    for indicator in applicable_indicators(enterprise).filter(derived_from="").order_by("pk"):
        value, text = None, ""
        if indicator.kind == IndicatorKind.DATE:
            text = date(year - 1 - rng.randrange(3), rng.randrange(1, 13), rng.randrange(1, 29)).isoformat()
        elif indicator.kind == IndicatorKind.TEXT:
            text = _indicator_text(indicator, enterprise, rng)
        elif indicator.kind == IndicatorKind.BOOLEAN:
            value = Decimal(1 if rng.random() < 0.7 else 0)
        elif indicator.comparison == Comparison.LTE:
            value = Decimal(rng.choice([0, 0, 0, 1, 2]))
        elif indicator.kind == IndicatorKind.SHARE or indicator.unit == "%":
            base = indicator.target or Decimal(40)
            value = min(Decimal(100), (base * Decimal(str(rng.uniform(0.6, 1.3)))).quantize(Decimal("0.1")))
        else:
            value = Decimal(rng.choice([0, 1, 1, 2, 3, 5]))
        if indicator.pk not in existing:  # drawn all the same, so that what is there never shifts the rest
            rows.append(IndicatorValue(enterprise=enterprise, indicator=indicator, year=year, value=value, text=text))
    with change_context(by=None, source=ChangeSource.SYSTEM, comment="演示数据"):
        IndicatorValue.objects.bulk_create(rows)


def _seed_derived_values(enterprise: Enterprise, year: int) -> None:
    from measures.derived import derived_values_sync

    derived_values_sync(enterprise, year=year)


# Accounts: username, role, what is in their charge (enterprises by their key in ENTERPRISES).
DEMO_ACCOUNTS = [
    ("officer-yn", Role.OFFICER, {"regions": ["530100"]}),
    ("officer-sx", Role.OFFICER, {"regions": ["610100"]}),
    ("officer-county", Role.OFFICER, {"regions": ["530111"]}),  # 官渡区总工会
    ("sasac-yn", Role.SASAC, {"province": "530000"}),
    ("sasac-sx", Role.SASAC, {"province": "610000"}),
    ("enterprise-yn", Role.ENTERPRISE, {"enterprise": "yunling-cnc"}),  # private, 昆明
    ("enterprise-sx", Role.ENTERPRISE, {"enterprise": "gucheng"}),  # 市属 SOE, 西安
    # The provincial group's head office, granted two of its subsidiaries (宝鸡, 榆林).
    ("group-sx", Role.GROUP, {"enterprise": "qinyue", "granted": ["qinyue-bj", "qinyue-yl"]}),
]
DISPLAY_NAMES = {
    "admin": "系统管理员",
    "officer-yn": "昆明市总工会 张丽",
    "officer-sx": "西安市总工会 王强",
    "officer-county": "官渡区总工会 刘芳",
    "sasac-yn": "云南省国资委 李明",
    "sasac-sx": "陕西省国资委 赵磊",
    "enterprise-yn": "企业填报员（昆明云岭数控机床）",
    "enterprise-sx": "企业填报员（西安古城建设发展集团）",
    "group-sx": "陕西秦岳实业集团 工会 孙伟",
}


def _ensure_user(username: str, result: SeedResult, **flags):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults=flags)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.first_name = DISPLAY_NAMES.get(username, "")
        user.save()
        # Exempt from the second factor and the first-login change while DEBUG is on (reform_portal/accounts/policy.py);
        # without DEBUG, the published demo password must be changed first.
        mark_demo_account(user=user)
        result.users_created += 1
    return user


def demo_credit_codes() -> dict[str, str]:
    """Each demo enterprise's credit code, by its key: registered in its county, drawn from a fixed seed."""
    rng = random.Random(20220928)
    return {spec.key: make_credit_code(spec.county, organisation_body(spec, rng)) for spec in ENTERPRISES}


@transaction.atomic
def seed_demo(*, year: int | None = None) -> SeedResult:
    result = SeedResult()
    year = year or timezone.localdate().year
    regions = {r.code: r for r in Region.objects.select_related("parent")}
    missing = sorted({s.county for s in ENTERPRISES} - set(regions))
    if missing:
        raise ImproperlyConfigured(f"counties {', '.join(missing)} missing: run `manage.py load_regions` first")
    codes = demo_credit_codes()
    taken = set(Enterprise.objects.values_list("name", flat=True))
    enterprises: dict[str, Enterprise] = {}
    for i, spec in enumerate(ENTERPRISES):
        rng = random.Random(i)  # each enterprise's own draws: what one draws never shifts another
        county = regions[spec.county]
        existing = Enterprise.objects.filter(credit_code=codes[spec.key]).first()
        if existing is None:
            values = _enterprise_values(spec, rng)
            values["name"] = _unique_name(values["name"], county.parent, taken)
            taken.add(values["name"])
            enterprise = Enterprise(
                credit_code=codes[spec.key],
                county=county,
                region=county.parent,
                parent=enterprises.get(spec.parent),
                **values,
            )
            if enterprise.union_founded:
                enterprise.union_founded_on = date(2000 + i % 20, 1 + i % 12, 1 + i % 28)
            enterprise.full_clean()
            with change_context(by=None, source=ChangeSource.SYSTEM, comment="演示数据"):
                enterprise.save()
            # Registered a year ago: past the grace period in which a new enterprise cannot lag (measures.lagging).
            Enterprise.objects.filter(pk=enterprise.pk).update(created_at=timezone.now() - timedelta(days=365))
            result.enterprises_created += 1
        else:
            enterprise = existing
        enterprises[spec.key] = enterprise
        result.progress_seeded += _seed_progress(enterprise, rng, lagging=i % 7 == 3, behind=i % 4 == 0)
        _seed_indicator_values(enterprise, rng, year)
        _seed_derived_values(enterprise, year)

    admin = _ensure_user("admin", result, is_superuser=True, is_staff=True)
    for username, role, extra in DEMO_ACCOUNTS:
        user = _ensure_user(username, result)
        if hasattr(user, "profile"):
            continue
        profile = Profile(user=user, role=role)
        if "province" in extra:
            profile.province = regions[extra["province"]]
        if "enterprise" in extra:
            profile.enterprise = enterprises[extra["enterprise"]]
        profile.full_clean()
        profile.save()
        if "regions" in extra:
            profile.charge_regions.set([regions[c] for c in extra["regions"]])
        if "granted" in extra:  # through the one write path of grants, which records them (as the administrator's)
            from enterprises.group_access import group_grant

            group_grant(by=admin, profile=profile, enterprises=[enterprises[k] for k in extra["granted"]])
    from enterprises.pilots.demo import seed_pilots  # a few pilots with funds: the dashboard's 试点企业 panel

    seed_pilots(enterprises=enterprises, by=admin)
    from enterprises.liaisons.demo import seed_liaisons  # 联络员 / 指导员 and two 直通车 visits (docs/liaisons.md)

    seed_liaisons(enterprises=enterprises, by=admin)
    return result
