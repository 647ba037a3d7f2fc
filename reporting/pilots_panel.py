"""The dashboard's 试点企业 panel: how the pilots progress beside the other enterprises the document addresses, and the
working funds by prefecture (enterprises/pilots/, Yunnan 四（三）).

- **Completion, pilots vs the others**: the share of applicable measure records done (已完成 or 常态化推进), the
  dashboard's and the home pages' completion rate (`done / records`, reporting/home.py, reporting/selectors.py), over
  the enterprises of the dashboard's province and reach that the document addresses, split by whether the enterprise
  has an active designation. Read from the progress summaries the database keeps (`ProgressSummary`: one row per
  enterprise, its applicable records and those done), never from the progress rows, when the province has one
  document (each today); a province with several is counted from its progress rows of that document, as
  `selectors.summary_by_document` does.
- **Funds by prefecture**: per prefecture of the reach, the active pilots, and the funds granted and paid to the
  designations of its enterprises (all designations, ended ones included: the money was granted).

Everything is narrowed by the access policy (`PilotPolicy.visible`, `EnterprisePolicy.visible`) and by the
dashboard's scope (`DashboardScope`: an officer's prefectures and counties), live (a handful of small queries).
"""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Exists, OuterRef, Q, Sum

from enterprises.models import Region
from enterprises.pilots.choices import FundKind, PilotStatus
from enterprises.pilots.models import PilotDesignation, PilotFund
from measures.applicability import enterprises_q
from measures.choices import DONE_STATUSES
from measures.models import PolicyDocument, Progress
from reform_portal.access import EnterprisePolicy, PilotPolicy

from .models import ProgressSummary


def completion_rate(done: int, records: int) -> float | None:
    """The dashboard's completion rate: applicable records done over applicable records (None: no records)."""
    return done / records if records else None


@dataclass
class Completion:
    enterprises: int
    records: int
    done: int

    @property
    def rate(self) -> float | None:
        return completion_rate(self.done, self.records)

    @property
    def percent(self) -> float | None:
        return None if self.rate is None else round(self.rate * 100, 1)


@dataclass
class FundRow:
    prefecture: Region
    pilots: int
    granted: Decimal
    paid: Decimal


def _place_q(scope, prefix: str = "") -> Q:
    """The dashboard's reach within its province, over enterprises (under `prefix`)."""
    q = Q(**{f"{prefix}region__parent_id": scope.province.pk})
    if scope.prefecture_ids is not None:
        q &= Q(**{f"{prefix}region_id__in": sorted(scope.prefecture_ids)}) | Q(
            **{f"{prefix}county_id__in": sorted(scope.county_ids or ())}
        )
    return q


def _active_pilot(prefix: str = "") -> Exists:
    return Exists(PilotDesignation.objects.filter(enterprise_id=OuterRef(f"{prefix}pk"), status=PilotStatus.ACTIVE))


def pilot_completion(*, user, scope, document) -> dict[str, Completion] | None:
    """{"pilots": Completion, "others": Completion} over the enterprises of the dashboard's reach that `document`
    addresses; None without a document or figures (an officer with only named enterprises)."""
    if document is None or scope.named_only:
        return None
    several = PolicyDocument.objects.filter(province_id=document.province_id).count() > 1
    if not several:
        rows = ProgressSummary.objects.filter(applicable__gt=0).filter(
            _place_q(scope, "enterprise__"), enterprises_q(document.scope, "enterprise__")
        )
        rows = EnterprisePolicy.visible(user, rows, prefix="enterprise__").annotate(pilot=_active_pilot("enterprise__"))
        grouped = rows.values("pilot").annotate(enterprises=Count("pk"), records=Sum("applicable"), done=Sum("done"))
    else:
        rows = Progress.objects.applicable().filter(measure__document=document)
        rows = rows.filter(_place_q(scope, "enterprise__"), enterprises_q(document.scope, "enterprise__"))
        rows = EnterprisePolicy.visible(user, rows, prefix="enterprise__").annotate(pilot=_active_pilot("enterprise__"))
        grouped = rows.values("pilot").annotate(
            enterprises=Count("enterprise", distinct=True),
            records=Count("pk"),
            done=Count("pk", filter=Q(status__in=DONE_STATUSES)),
        )
    result = {"pilots": Completion(0, 0, 0), "others": Completion(0, 0, 0)}
    for row in grouped.order_by():
        key = "pilots" if row["pilot"] else "others"
        result[key] = Completion(row["enterprises"], row["records"] or 0, row["done"] or 0)
    return result


def funds_by_prefecture(*, user, scope) -> list[FundRow]:
    """Per prefecture of the reach with a pilot: active pilots, funds granted and paid (yuan), by prefecture code."""
    if scope.named_only:
        return []
    designations = PilotPolicy.visible(user, PilotDesignation.objects.filter(_place_q(scope, "enterprise__")))
    counts = {
        r["enterprise__region"]: r["n"]
        for r in designations.filter(status=PilotStatus.ACTIVE)
        .values("enterprise__region")
        .annotate(n=Count("pk"))
        .order_by()
    }
    amounts: dict[int, dict[str, Decimal]] = {}
    funds = (
        PilotFund.objects.filter(designation__in=designations.values("pk"))
        .values("designation__enterprise__region", "kind")
        .annotate(total=Sum("amount"))
        .order_by()
    )
    for r in funds:
        amounts.setdefault(r["designation__enterprise__region"], {})[r["kind"]] = r["total"]
    ids = set(counts) | set(amounts)
    rows = []
    for prefecture in Region.objects.filter(pk__in=sorted(ids)).order_by("code"):
        money = amounts.get(prefecture.pk, {})
        rows.append(
            FundRow(
                prefecture=prefecture,
                pilots=counts.get(prefecture.pk, 0),
                granted=money.get(FundKind.GRANTED, Decimal(0)),
                paid=money.get(FundKind.PAID, Decimal(0)),
            )
        )
    return rows


def pilots_panel(*, user, scope, document) -> dict | None:
    """The panel's figures, or None when the user may not list pilots or there is nothing to show."""
    if not PilotPolicy.can(user, PilotPolicy.LIST):
        return None
    completion = pilot_completion(user=user, scope=scope, document=document)
    funds = funds_by_prefecture(user=user, scope=scope)
    if completion is None and not funds:
        return None
    totals = {
        "pilots": sum(r.pilots for r in funds),
        "granted": sum((r.granted for r in funds), Decimal(0)),
        "paid": sum((r.paid for r in funds), Decimal(0)),
    }
    return {"completion": completion, "funds": funds, "totals": totals}
