"""THE content of a bulletin, in one selector: every figure it prints, read from the read model and the rules'
own faces, never recomputed a second way.

- **Headline** ("截至 <day>"): the rollup's snapshot of the scope (province, or one prefecture) on the newest day
  with figures on or before the range's end (`reporting.selectors.latest_day`'s rows, added up by
  `reporting.selectors.breakdown`, the dashboard's own): enterprises the document addresses, applicable measure
  records, records done (已完成 or 常态化推进), completion rate, lagging enterprises (measures.lagging, as the
  rollup counts them).
- **Completion by measure** and **by area** (the province's prefectures, or a prefecture's counties), ranked by
  completion rate (then code): the same day's snapshots.
- **Areas that moved most**: each area's completion rate on the newest day on or before the range's start against
  the headline's day (the rollup's daily snapshots).
- **Enterprises that moved most**: from the progress history (`ProgressEvent`, written by the database) of the
  range: measures that reached 已完成 / 常态化推进 and percentage points gained, per enterprise of the scope.
- **Trend**: the scope's completion rate on each day of the range that has snapshots.
- **Overdue supervision orders**: orders of the scope's enterprises red and open on the range's end
  (`reporting.supervision.lights.overdue_q`).
- **Pilots**: completion of the active pilots vs the others and the funds (`reporting.pilots_panel`).

The result is plain JSON (kept in `Bulletin.figures` when the files are built): the same range and data give the
same figures. Percentages are rounded to one decimal place once, here."""

from datetime import date, timedelta
from decimal import Decimal

from django.db.models import Case, Count, F, IntegerField, Q, Sum, Value, When
from django.db.models.functions import Coalesce
from django.utils import timezone

from enterprises.models import Region
from measures.choices import DONE_STATUSES, TRACKED_ADDRESSEES
from measures.models import Measure, PolicyDocument, ProgressEvent
from reform_portal.access import scope_reader
from reporting.models import RollupSnapshot
from reporting.pilots_panel import funds_by_prefecture, pilot_completion
from reporting.selectors import FIGURE_FIELDS, DashboardScope, breakdown
from reporting.supervision.lights import overdue_q
from reporting.supervision.models import SupervisionOrder

MOVERS_SHOWN = 10
ORDERS_SHOWN = 20


def _pct(rate) -> float | None:
    return None if rate is None else round(rate * 100, 1)


def document_of(province) -> PolicyDocument | None:
    """The policy document a province's bulletin reports on (the province's first; each has one today)."""
    return PolicyDocument.objects.filter(province=province).order_by("pk").first()


def snapshot_day(*, document, on: date) -> date | None:
    """The newest day with figures for `document` on or before `on`."""
    qs = RollupSnapshot.objects.filter(document=document, measure__isnull=True, prefecture__isnull=True, day__lte=on)
    return qs.order_by("-day").values_list("day", flat=True).first()


def _rows(document, day) -> list[dict]:
    return list(RollupSnapshot.objects.filter(document=document, day=day).values(*FIGURE_FIELDS))


def _where(prefecture) -> dict:
    return {
        "prefecture_id": prefecture.pk if prefecture else None,
        "ownership": None,
        "industry": None,
        "county_id": None,
    }


def _figures(f: dict | None) -> dict:
    if f is None:
        return {"enterprises": 0, "records": 0, "done": 0, "completion": None, "lagging": 0}
    return {
        "enterprises": f["applicable"],
        "records": f["records"],
        "done": f["done"] + f["ongoing"],  # measures.choices.DONE_STATUSES
        "completion": _pct(f["completion_rate"]),
        "lagging": f["lagging"],
    }


def _ranked(items: list[dict]) -> list[dict]:
    """Rank by completion (highest first, none last), then code; equal rates share a rank."""
    items.sort(key=lambda i: (i["completion"] is None, -(i["completion"] or 0), i["code"]))
    rank, previous = 0, object()
    for position, item in enumerate(items, 1):
        if item["completion"] != previous:
            rank, previous = position, item["completion"]
        item["rank"] = rank
    return items


def _areas(rows, *, province, prefecture) -> dict[int, dict]:
    """{area id: figures} of the scope's areas: a province's prefectures, a prefecture's counties."""
    if prefecture is None:
        found = breakdown(rows, by=("prefecture_id",), filters={}, prefecture_ids=None) or {}
        return {key[0]: f for key, f in found.items()}
    found = breakdown(rows, by=("county_id",), filters={"prefecture_id": prefecture.pk}, prefecture_ids=None) or {}
    return {key[0]: f for key, f in found.items()}


def _enterprise_place_q(province, prefecture, prefix: str) -> Q:
    if prefecture is not None:
        return Q(**{f"{prefix}region_id": prefecture.pk})
    return Q(**{f"{prefix}region__parent_id": province.pk})


def _local_bounds(date_from: date, date_to: date):
    tz = timezone.get_current_timezone()
    start = timezone.make_aware(timezone.datetime.combine(date_from, timezone.datetime.min.time()), tz)
    end = timezone.make_aware(timezone.datetime.combine(date_to + timedelta(days=1), timezone.datetime.min.time()), tz)
    return start, end


def enterprise_moves(*, province, prefecture, document, date_from, date_to, limit=MOVERS_SHOWN) -> list[dict]:
    """The enterprises of the scope whose progress on the document's measures moved most in the range (the
    database's progress history): measures that reached a done status, then percentage points gained."""
    start, end = _local_bounds(date_from, date_to)
    events = ProgressEvent.objects.filter(
        _enterprise_place_q(province, prefecture, "pgh_obj__enterprise__"),
        pgh_created_at__gte=start,
        pgh_created_at__lt=end,
        pgh_obj__measure__document=document,
    )
    reached = Q(status__in=DONE_STATUSES) & (Q(old_status__isnull=True) | ~Q(old_status__in=DONE_STATUSES))
    rows = (
        events.values("pgh_obj__enterprise_id", "pgh_obj__enterprise__name", "pgh_obj__enterprise__region__name")
        .annotate(
            completed=Count("pk", filter=reached),
            gained=Sum(
                Case(
                    When(percent__isnull=False, then=F("percent") - Coalesce(F("old_percent"), Value(0))),
                    default=Value(0),
                    output_field=IntegerField(),
                )
            ),
        )
        .filter(Q(completed__gt=0) | Q(gained__gt=0))
        .order_by("-completed", "-gained", "pgh_obj__enterprise__name", "pgh_obj__enterprise_id")[:limit]
    )
    return [
        {
            "name": r["pgh_obj__enterprise__name"],
            "area": r["pgh_obj__enterprise__region__name"],
            "completed": r["completed"],
            "gained": r["gained"] or 0,
        }
        for r in rows
    ]


def overdue_orders(*, province, prefecture, on: date, limit=ORDERS_SHOWN) -> dict:
    """Supervision orders of the scope's enterprises open past their due date on `on` (lights.overdue_q)."""
    qs = SupervisionOrder.objects.filter(
        overdue_q(on), _enterprise_place_q(province, prefecture, "enterprise__"), created_at__date__lte=on
    )
    rows = qs.select_related("enterprise__region").order_by("due_date", "number")[:limit]
    return {
        "count": qs.count(),
        "rows": [
            {
                "number": o.number,
                "enterprise": o.enterprise.name,
                "area": o.enterprise.region.name,
                "due_date": o.due_date.isoformat(),
                "days_overdue": (on - o.due_date).days,
            }
            for o in rows
        ],
    }


def pilots(*, province, prefecture, document) -> dict:
    """The pilots' completion vs the others and their funds (reporting.pilots_panel), over the scope."""
    # the pilots panel's selectors narrow by a user's reach; a bulletin's figures are its scope's whoever builds it
    user = scope_reader()
    scope = DashboardScope(
        province=province, prefecture_ids=None if prefecture is None else frozenset({prefecture.pk}), cache_part=""
    )
    completion = pilot_completion(user=user, scope=scope, document=document) or {}
    funds = funds_by_prefecture(user=user, scope=scope)
    out = {
        key: {"enterprises": c.enterprises, "records": c.records, "done": c.done, "completion": c.percent}
        for key, c in completion.items()
    }
    out["active"] = sum(r.pilots for r in funds)
    out["granted"] = str(sum((r.granted for r in funds), Decimal(0)))
    out["paid"] = str(sum((r.paid for r in funds), Decimal(0)))
    return out


def bulletin_figures(*, province, prefecture, date_from: date, date_to: date) -> dict:
    """Everything a bulletin prints (see the module's docstring): the same for whoever asks."""
    document = document_of(province)
    out: dict = {
        "scope": {
            "province": {"code": province.code, "name": province.name},
            "prefecture": {"code": prefecture.code, "name": prefecture.name} if prefecture else None,
            "name": (prefecture or province).name,
        },
        "range": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "document": None,
        "as_of": None,
        "headline": _figures(None),
        "measures": [],
        "areas": [],
        "area_kind": "county" if prefecture else "prefecture",
        "area_moves": [],
        "enterprise_moves": [],
        "trend": [],
        "overdue_orders": {"count": 0, "rows": []},
        "pilots": {},
    }
    if document is None:
        return out
    out["document"] = {"number": document.number, "title": document.title}
    day = snapshot_day(document=document, on=date_to)
    if day is not None:
        rows = _rows(document, day)
        where = _where(prefecture)
        out["as_of"] = day.isoformat()
        out["headline"] = _figures((breakdown(rows, by=(), filters=where, prefecture_ids=None) or {}).get(()))
        by_measure = breakdown(rows, by=("measure_id",), filters=where, prefecture_ids=None) or {}
        measures = Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES).order_by("position")
        out["measures"] = _ranked(
            [
                {"code": m.code, "name": m.label} | _figures(by_measure[(m.pk,)])
                for m in measures
                if (m.pk,) in by_measure
            ]
        )
        areas = _areas(rows, province=province, prefecture=prefecture)
        regions = {r.pk: r for r in Region.objects.filter(pk__in=sorted(areas))}
        out["areas"] = _ranked(
            [{"code": regions[pk].code, "name": regions[pk].name} | _figures(f) for pk, f in areas.items()]
        )
        start_day = snapshot_day(document=document, on=date_from)
        if start_day is not None and start_day < day:
            before = _areas(_rows(document, start_day), province=province, prefecture=prefecture)
            moves = []
            for pk, f in areas.items():
                then, now = _pct((before.get(pk) or {}).get("completion_rate")), _pct(f["completion_rate"])
                if then is None or now is None:
                    continue
                moves.append(
                    {
                        "code": regions[pk].code,
                        "name": regions[pk].name,
                        "from": then,
                        "to": now,
                        "change": round(now - then, 1),
                    }
                )
            moves.sort(key=lambda m: (-m["change"], m["code"]))
            out["area_moves"] = moves[:MOVERS_SHOWN]
            out["start_day"] = start_day.isoformat()
        trend_rows = RollupSnapshot.objects.filter(
            document=document,
            day__gte=date_from,
            day__lte=date_to,
            measure__isnull=True,
            ownership__isnull=True,
            industry__isnull=True,
            county__isnull=True,
        )
        by_day: dict = {}
        for row in trend_rows.order_by("day").values(*FIGURE_FIELDS):
            by_day.setdefault(row["day"], []).append(row)
        for d, group in by_day.items():
            f = (breakdown(group, by=(), filters=where, prefecture_ids=None) or {}).get(())
            if f is not None:
                out["trend"].append({"day": d.isoformat(), "completion": _pct(f["completion_rate"])})
    out["enterprise_moves"] = enterprise_moves(
        province=province, prefecture=prefecture, document=document, date_from=date_from, date_to=date_to
    )
    out["overdue_orders"] = overdue_orders(province=province, prefecture=prefecture, on=date_to)
    out["pilots"] = pilots(province=province, prefecture=prefecture, document=document)
    return out
