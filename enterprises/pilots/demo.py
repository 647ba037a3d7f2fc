"""A few pilots with working funds in the demo (reform_portal/demo.py calls this), through the services, so that the
dashboard's 试点企业 panel and the list have something to show. Idempotent: a designation already made is kept."""

from datetime import timedelta
from decimal import Decimal

from django.utils import timezone

from enterprises.models import Region
from measures.applicability import applicable_measures

from . import services
from .choices import FundKind
from .models import PilotDesignation

# (enterprise key, designating region code, 文号, days ago, [(kind, amount, days ago, purpose)])
DEMO_PILOTS = (
    (
        "dianzhong",
        "530000",
        "云工发〔2024〕5号",
        400,
        [("granted", "200000", 390, "产改试点工作经费"), ("paid", "120000", 300, "技能竞赛和创新工作室建设")],
    ),
    (
        "mingshan-tea",
        "530000",
        "云工发〔2024〕5号",
        400,
        [("granted", "100000", 390, "产改试点工作经费"), ("paid", "100000", 200, "职工技能培训")],
    ),
    (
        "yunling-cnc",
        "530100",
        "昆工发〔2024〕12号",
        300,
        [("granted", "50000", 280, "试点工作经费"), ("paid", "20000", 100, "劳模工匠创新工作室")],
    ),
    ("cang-er", "532900", "大工发〔2025〕3号", 150, [("granted", "30000", 140, "试点工作经费")]),
    (
        "gucheng",
        "610100",
        "市工发〔2024〕8号",
        350,
        [("granted", "80000", 340, "产改试点工作经费"), ("paid", "50000", 250, "职工书屋和技能比武")],
    ),
    (
        "qinyue",
        "610000",
        "陕工发〔2024〕3号",
        380,
        [("granted", "150000", 370, "产改试点工作经费"), ("paid", "90000", 180, "产业工人技能提升")],
    ),
)


def seed_pilots(*, enterprises: dict, by) -> int:
    """Designate the demo pilots (by `by`, an administrator) and record their funds; the number designated now."""
    today = timezone.localdate()
    regions = {r.code: r for r in Region.objects.filter(code__in={row[1] for row in DEMO_PILOTS})}
    made = 0
    for key, region_code, number, days, funds in DEMO_PILOTS:
        enterprise = enterprises.get(key)
        if (
            enterprise is None
            or PilotDesignation.objects.filter(enterprise=enterprise, document_number=number).exists()
        ):
            continue
        measures = list(applicable_measures(enterprise).select_related("scope").order_by("document_id", "position")[:3])
        if not measures:
            continue
        designation = services.pilot_designate(
            enterprise=enterprise,
            region=regions[region_code],
            document_number=number,
            designated_on=today - timedelta(days=days),
            measures=measures,
            note="演示数据",
            by=by,
        )
        for kind, amount, ago, purpose in funds:
            services.fund_record(
                designation=designation,
                kind=FundKind(kind),
                amount=Decimal(amount),
                on_date=today - timedelta(days=ago),
                purpose=purpose,
                by=by,
            )
        made += 1
    return made
