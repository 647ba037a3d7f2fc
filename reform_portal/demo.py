"""Demo data for a fresh portal: about 60 enterprises in both provinces and the demo accounts.

Deterministic (a fixed random seed) and idempotent: enterprises are keyed on their credit code,
accounts on their username, and progress is only seeded on rows created by this run, so running
it twice changes nothing and never overwrites what a person entered.
"""

import random
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from enterprises.choices import Industry, Ownership, Role, SizeClass, SupervisionLevel
from enterprises.credit_code import ALPHABET, check_character
from enterprises.models import Enterprise, Profile, Region
from measures.applicability import applicable_measures
from measures.choices import Comparison, Status
from measures.history import change_context
from measures.models import Indicator, IndicatorValue, Progress
from reform_portal.choices import ChangeSource

DEMO_PASSWORD = "demo12345"

# (prefecture code, how many enterprises)
YUNNAN = [("530100", 12), ("530300", 4), ("530400", 4), ("532500", 3), ("532900", 3), ("530600", 2), ("530800", 2)]
SHAANXI = [("610100", 14), ("610300", 4), ("610400", 4), ("610500", 3), ("610800", 3), ("610700", 2)]

FIRST = {
    "yn": ["云岭", "滇中", "高原", "彩云", "金沙", "澜沧", "滇池", "红土"],
    "sx": ["秦川", "长安", "关中", "渭河", "汉江", "华山", "秦岭", "延河"],
}
TRADE = {
    Industry.B: ["矿业", "煤业"],
    Industry.C: ["机床", "重工", "化工", "制药", "装备制造", "电子"],
    Industry.D: ["电力", "能源", "燃气"],
    Industry.E: ["建工", "路桥"],
    Industry.G: ["物流", "交通运输"],
    Industry.I: ["软件", "信息技术"],
    Industry.A: ["茶业", "农业"],
}
STATE_FORMS = ["集团有限公司", "有限责任公司", "股份有限公司"]
PRIVATE_FORMS = ["有限公司", "股份有限公司", "科技有限公司"]


def credit_code(region_code: str, rng: random.Random) -> str:
    body = "91" + region_code + "".join(rng.choice(ALPHABET) for _ in range(9))
    return body + check_character(body)


@dataclass
class SeedResult:
    enterprises_created: int = 0
    users_created: int = 0
    progress_seeded: int = 0
    notes: list = field(default_factory=list)


def _enterprise_specs(rng: random.Random):
    index = 0
    for province, plan in (("yn", YUNNAN), ("sx", SHAANXI)):
        for region_code, count in plan:
            for _ in range(count):
                index += 1
                industry = rng.choice(list(TRADE))
                state = index % 3 != 0 if plan is SHAANXI else index % 3 == 0
                if state:
                    ownership = rng.choice([Ownership.STATE_SOLE, Ownership.STATE_CONTROLLED, Ownership.STATE_MIXED])
                    supervision = SupervisionLevel.PROVINCIAL if index % 2 else SupervisionLevel.MUNICIPAL
                    form = rng.choice(STATE_FORMS)
                else:
                    ownership = rng.choice(
                        [
                            Ownership.PRIVATE,
                            Ownership.PRIVATE,
                            Ownership.COLLECTIVE,
                            Ownership.FOREIGN,
                            Ownership.HK_MACAO_TAIWAN,
                        ]
                    )
                    supervision = SupervisionLevel.NONE
                    form = rng.choice(PRIVATE_FORMS)
                employees = rng.choice([80, 150, 320, 650, 1200, 3500, 8000])
                workers = int(employees * rng.uniform(0.5, 0.8))
                skilled = int(workers * rng.uniform(0.3, 0.6))
                yield {
                    "region_code": region_code,
                    "name": f"{rng.choice(FIRST[province])}{rng.choice(TRADE[industry])}{form}",
                    "credit_code": credit_code(region_code, rng),
                    "ownership": ownership,
                    "supervision_level": supervision,
                    "supervising_body": "" if supervision == SupervisionLevel.NONE else "国资委",
                    "industry": industry,
                    "size_class": SizeClass.LARGE
                    if employees >= 1000
                    else SizeClass.MEDIUM
                    if employees >= 300
                    else SizeClass.SMALL,
                    "employees": employees,
                    "frontline_workers": workers,
                    "union_members": int(employees * rng.uniform(0.6, 0.95)),
                    "party_members": int(workers * rng.uniform(0.05, 0.2)),
                    "skilled_workers": skilled,
                    "highly_skilled_workers": int(skilled * rng.uniform(0.1, 0.35)),
                    "union_founded": employees >= 100 or rng.random() < 0.5,
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


def _seed_indicator_values(enterprise: Enterprise, rng: random.Random, year: int) -> None:
    indicators = Indicator.objects.filter(measure__in=applicable_measures(enterprise))
    for indicator in indicators:
        if indicator.comparison == Comparison.TRUE:
            value = Decimal(1 if rng.random() < 0.7 else 0)
        elif indicator.comparison == Comparison.LTE:
            value = Decimal(rng.choice([0, 0, 0, 1, 2]))
        elif indicator.unit == "%":
            base = indicator.target or Decimal(20)
            value = (base * Decimal(str(rng.uniform(0.6, 1.3)))).quantize(Decimal("0.1"))
        else:
            value = Decimal(rng.choice([0, 1, 1, 2, 3]))
        IndicatorValue.objects.get_or_create(
            enterprise=enterprise, indicator=indicator, year=year, defaults={"value": value}
        )


DEMO_ACCOUNTS = [
    # username, role, extra
    ("officer-yn", Role.OFFICER, {"regions": ["530100"]}),
    ("officer-sx", Role.OFFICER, {"regions": ["610100"]}),
    ("sasac-yn", Role.SASAC, {"province": "530000"}),
    ("sasac-sx", Role.SASAC, {"province": "610000"}),
    ("enterprise-yn", Role.ENTERPRISE, {"enterprise_in": "530100", "state_owned": False}),
    ("enterprise-sx", Role.ENTERPRISE, {"enterprise_in": "610100", "state_owned": True}),
]
DISPLAY_NAMES = {
    "admin": "系统管理员",
    "officer-yn": "昆明市总工会 张丽",
    "officer-sx": "西安市总工会 王强",
    "sasac-yn": "云南省国资委 李明",
    "sasac-sx": "陕西省国资委 赵磊",
    "enterprise-yn": "企业填报员（昆明）",
    "enterprise-sx": "企业填报员（西安）",
}


def _ensure_user(username: str, result: SeedResult, **flags):
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults=flags)
    if created:
        user.set_password(DEMO_PASSWORD)
        user.first_name = DISPLAY_NAMES.get(username, "")
        user.save()
        result.users_created += 1
    return user


@transaction.atomic
def seed_demo(*, year: int | None = None) -> SeedResult:
    # Specs come from their own generator so that what progress seeding draws never shifts them.
    specs = list(_enterprise_specs(random.Random(20220928)))
    result = SeedResult()
    year = year or timezone.localdate().year
    regions = {r.code: r for r in Region.objects.all()}
    taken = set(Enterprise.objects.values_list("name", flat=True))
    for i, spec in enumerate(specs):
        rng = random.Random(i)
        region = regions[spec.pop("region_code")]
        code = spec.pop("credit_code")
        existing = Enterprise.objects.filter(credit_code=code).first()
        if existing is None:
            spec["name"] = _unique_name(spec["name"], region, taken)
            taken.add(spec["name"])
            enterprise = Enterprise(credit_code=code, region=region, **spec)
            if enterprise.union_founded:
                enterprise.union_founded_on = date(2000 + i % 20, 1 + i % 12, 1 + i % 28)
            enterprise.full_clean()
            enterprise.save()
            # Registered a year ago: past the grace period in which a new enterprise cannot lag (measures.lagging).
            Enterprise.objects.filter(pk=enterprise.pk).update(created_at=timezone.now() - timedelta(days=365))
            result.enterprises_created += 1
        else:
            enterprise = existing
        result.progress_seeded += _seed_progress(enterprise, rng, lagging=i % 7 == 3, behind=i % 4 == 0)
        _seed_indicator_values(enterprise, rng, year)

    _ensure_user("admin", result, is_superuser=True, is_staff=True)
    for username, role, extra in DEMO_ACCOUNTS:
        user = _ensure_user(username, result)
        if hasattr(user, "profile"):
            continue
        profile = Profile(user=user, role=role)
        if "province" in extra:
            profile.province = regions[extra["province"]]
        if "enterprise_in" in extra:
            qs = Enterprise.objects.filter(region__code=extra["enterprise_in"]).order_by("credit_code")
            qs = qs.state_owned() if extra["state_owned"] else qs.exclude(pk__in=qs.state_owned())
            profile.enterprise = qs.first()
        profile.save()
        if "regions" in extra:
            profile.charge_regions.set([regions[c] for c in extra["regions"]])
    return result
