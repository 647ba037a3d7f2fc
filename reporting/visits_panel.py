"""The dashboard's 产改直通车走访 panel: per prefecture of the dashboard's reach, how many 直通车 visits were logged
and how many enterprises they reached, over the last `WINDOW_DAYS` days up to today (the dashboard has no period of
its own; the panel says which days it counts: "统计区间"), ranked by visits (enterprises visited breaking ties).

Visits are those of enterprises of the dashboard's province and reach (`DashboardScope`: an officer's prefectures and
counties) that the user may read (`LiaisonPolicy.visible_visits`), counted live (one grouped query on the
`visit_visited` index, one for the prefectures). Every prefecture of the reach is listed, those without a visit last.
"""

from dataclasses import dataclass
from datetime import date, timedelta

from django.db.models import Count, Q
from django.utils import timezone

from enterprises.liaisons.models import Visit
from enterprises.models import Region
from reform_portal.access import LiaisonPolicy

WINDOW_DAYS = 90


@dataclass
class VisitRow:
    prefecture: Region
    visits: int
    enterprises: int
    rank: int = 0


def visit_window(today: date | None = None) -> tuple[date, date]:
    """The days counted: the last WINDOW_DAYS days, today included."""
    today = today or timezone.localdate()
    return today - timedelta(days=WINDOW_DAYS - 1), today


def _reach_q(scope, prefix: str = "") -> Q:
    q = Q(**{f"{prefix}region__parent_id": scope.province.pk})
    if scope.prefecture_ids is not None:
        q &= Q(**{f"{prefix}region_id__in": sorted(scope.prefecture_ids)}) | Q(
            **{f"{prefix}county_id__in": sorted(scope.county_ids or ())}
        )
    return q


def visits_by_prefecture(*, user, scope, today: date | None = None) -> list[VisitRow]:
    """Per prefecture of the reach: visits and distinct enterprises visited in the window, ranked (ties share a
    rank: 1, 1, 3)."""
    if scope.named_only:
        return []
    start, end = visit_window(today)
    visits = LiaisonPolicy.visible_visits(user, Visit.objects.filter(_reach_q(scope, "enterprise__")))
    grouped = (
        visits.filter(visited_on__gte=start, visited_on__lte=end)
        .values("enterprise__region")
        .annotate(visits=Count("pk"), enterprises=Count("enterprise", distinct=True))
        .order_by()
    )
    counts = {r["enterprise__region"]: (r["visits"], r["enterprises"]) for r in grouped}
    prefectures = Region.objects.filter(parent=scope.province)
    if scope.prefecture_ids is not None:
        prefectures = prefectures.filter(Q(pk__in=sorted(scope.prefecture_ids)) | Q(pk__in=sorted(counts)))
    rows = [VisitRow(p, *counts.get(p.pk, (0, 0))) for p in prefectures.order_by("code")]
    rows.sort(key=lambda r: (-r.visits, -r.enterprises, r.prefecture.code))
    for i, row in enumerate(rows):
        same = i and (rows[i - 1].visits, rows[i - 1].enterprises) == (row.visits, row.enterprises)
        row.rank = rows[i - 1].rank if same else i + 1
    return rows


def visits_panel(*, user, scope, today: date | None = None) -> dict | None:
    """The panel's figures, or None when the user may not read visits or there is no prefecture to show."""
    if not LiaisonPolicy.can(user, LiaisonPolicy.VISITS):
        return None
    rows = visits_by_prefecture(user=user, scope=scope, today=today)
    if not rows:
        return None
    start, end = visit_window(today)
    totals = {"visits": sum(r.visits for r in rows), "enterprises": sum(r.enterprises for r in rows)}
    return {"rows": rows, "start": start, "end": end, "days": WINDOW_DAYS, "totals": totals}
