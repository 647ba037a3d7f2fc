"""Reads for the home pages and the SASAC dashboard.

The dashboard reads snapshots only (plus one page of lagging enterprises, and the provincial groups' figures for
those who see them), a fixed number of queries whatever the number of enterprises, and caches what it read from
the snapshots under a key that changes with every rollup.
"""

import hashlib
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Q, Sum, Window
from django.utils.translation import gettext as _

from enterprises.choices import STATE_OWNERSHIPS, Industry, Ownership, RegionLevel
from enterprises.models import Enterprise, Region
from enterprises.reference import echarts_names
from enterprises.selectors import enterprises_in_charge
from measures.applicability import enterprises_for_document
from measures.choices import DONE_STATUSES, TRACKED_ADDRESSEES, Status
from measures.lagging import SUMMARY_INPUTS, lagging_q
from measures.models import Measure, PolicyDocument, Progress
from reform_portal.access import EnterprisePolicy, RollupPolicy, access_for

from .choices import STATE_OWNED
from .groups import group_figures, provincial_groups
from .live import LIVE_TIMEOUT_MS, LiveTooSlow, live_is_large, live_rows
from .models import ProgressSummary, RollupRun, RollupSnapshot
from .rollup import GROUPINGS, generation, stored_dims

DASHBOARD_CACHE_SECONDS = 60 * 60
TREND_DAYS = 90
LAGGING_TABLE_ROWS = 20
MAP_FILES = {"530000": "yunnan.json", "610000": "shaanxi.json"}
COUNTS = ("applicable", "records", "not_started", "in_progress", "done", "ongoing", "indicator_met")
COUNTS += ("indicator_targets", "lagging")
DIMS = ("prefecture_id", "measure_id", "ownership", "industry", "county_id")
FIGURE_FIELDS = (
    "day",
    *DIMS,
    *COUNTS,
    "submitted",
    "mean_percent",
    "computed_at",
)


def summary_by_document(*, user) -> list[dict]:
    """Per document: enterprises, measure records per status, completion rate and mean percent (home pages), over
    the progress on measures that apply to each enterprise.

    Read from the progress summaries the database keeps (one row per enterprise: its applicable records, done,
    未启动, 推进中, percent sum), never from the progress rows. A summary adds up every document of the enterprise's
    province, so a province with one document (each today) is answered by its summaries; one with several is
    counted from its progress rows, grouped per document."""
    documents = {d.pk: d for d in PolicyDocument.objects.order_by("pk")}
    per_province: dict[int, list[int]] = {}
    for d in documents.values():
        per_province.setdefault(d.province_id, []).append(d.pk)
    single = {province: ids[0] for province, ids in per_province.items() if len(ids) == 1}
    rows = []
    summaries = EnterprisePolicy.visible(
        user,
        ProgressSummary.objects.filter(applicable__gt=0, enterprise__region__parent_id__in=sorted(single)),
        prefix="enterprise__",
    )
    for r in (
        summaries.values("enterprise__region__parent_id")
        .annotate(
            enterprises=Count("pk"),
            records=Sum("applicable"),
            done=Sum("done"),
            not_started=Sum("not_started"),
            in_progress=Sum("in_progress"),
            percent_sum=Sum("percent_sum"),
        )
        .order_by()
    ):
        r["measure__document"] = single[r.pop("enterprise__region__parent_id")]
        r["mean_percent"] = r.pop("percent_sum") / r["records"] if r["records"] else None
        rows.append(r)
    several = [province for province, ids in per_province.items() if len(ids) > 1]
    if several:
        progress = Progress.objects.applicable().filter(measure__document__province_id__in=several)
        progress = EnterprisePolicy.visible(user, progress, prefix="enterprise__")
        rows += progress.values("measure__document").annotate(
            enterprises=Count("enterprise", distinct=True),
            records=Count("pk"),
            done=Count("pk", filter=Q(status__in=DONE_STATUSES)),
            not_started=Count("pk", filter=Q(status=Status.NOT_STARTED)),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
            mean_percent=Avg("percent"),
        )
    result = []
    for r in sorted(rows, key=lambda r: r["measure__document"]):
        r["document"] = documents[r["measure__document"]]
        r["completion_rate"] = r["done"] / r["records"] if r["records"] else 0
        result.append(r)
    return result


# Who sees what ------------------------------------------------------------------------------------------------


@dataclass
class DashboardScope:
    """The province shown and, for an officer in charge of prefectures or counties, which of its rows they read:
    those of the prefectures in `prefecture_ids` and of the counties in `county_ids` (RollupPolicy)."""

    province: Region
    prefecture_ids: frozenset[int] | None  # None: the whole province
    cache_part: str
    county_ids: frozenset[int] | None = None  # None: every county of the province

    @property
    def named_only(self) -> bool:
        """An officer with no charge region in the province (only enterprises named to them): no figures."""
        return self.prefecture_ids is not None and not self.prefecture_ids and not self.county_ids

    def sees_prefecture(self, prefecture_id) -> bool:
        return self.prefecture_ids is None or prefecture_id in self.prefecture_ids

    def sees_county(self, county_id, prefecture_id) -> bool:
        """A county's rows: those of a prefecture the user reads, or of a county in their charge."""
        return self.sees_prefecture(prefecture_id) or (self.county_ids is not None and county_id in self.county_ids)


def reach_key(access) -> str:
    """A short key for everything the dashboard's figures depend on in the user's charge: the role, the province,
    the regions, counties and enterprises reached (named, own, granted). Users with the same reach share cached
    figures; a user whose charge changes gets another key at once (never the figures of their former charge)."""
    reach = (
        access.role,
        access.province_id,
        None if access.region_ids is None else sorted(access.region_ids),
        sorted(access.county_ids),
        sorted(access.enterprise_ids),
        sorted(access.granted_ids),
        sorted(access.province_ids),
        sorted(access.charge),
        sorted(access.charge_counties),
    )
    return hashlib.blake2b(repr(reach).encode(), digest_size=12).hexdigest()


def dashboard_scope(*, user, province_code: str | None = None) -> DashboardScope:
    """The province `province_code` (or the user's first) and the rows of it the user sees (RollupPolicy)."""
    if not RollupPolicy.can(user, RollupPolicy.VIEW):
        raise PermissionDenied(_("统计看板仅向国资委工作人员、工会干部和管理员开放。"))
    ids = RollupPolicy.province_ids(user)
    if ids is None:  # any province: those with a policy document
        provinces = Region.objects.filter(level=RegionLevel.PROVINCE, documents__isnull=False).distinct()
    elif ids:
        provinces = Region.objects.filter(pk__in=sorted(ids))
    else:
        raise PermissionDenied(_("您的账号没有所属省份或负责区域。"))
    provinces = provinces.order_by("code")
    province = (provinces.filter(code=province_code).first() if province_code else None) or provinces.first()
    return DashboardScope(
        province=province,
        prefecture_ids=RollupPolicy.prefecture_ids(user, province),
        county_ids=RollupPolicy.county_ids(user, province),
        # users who see the same rows share the cached figures; a change of charge changes the key at once
        cache_part=f"{province.pk if province else '-'}:{reach_key(access_for(user))}",
    )


# Figures ------------------------------------------------------------------------------------------------------


def combine(rows: list[dict]) -> dict | None:
    """Add up the counts of several snapshot rows and recompute their rates (exact: rates are ratios of counts)."""
    if not rows:
        return None
    out = {k: sum(r[k] for r in rows) for k in COUNTS}
    records = out["records"]
    out["completion_rate"] = (out["done"] + out["ongoing"]) / records if records else None
    percent_total = sum((r["mean_percent"] or 0) * r["records"] for r in rows)
    out["mean_percent"] = percent_total / records if records else None
    out["attainment_rate"] = out["indicator_met"] / out["indicator_targets"] if out["indicator_targets"] else None
    submitted = [r["submitted"] for r in rows]
    out["submitted"] = None if any(s is None for s in submitted) else sum(submitted)
    out["submission_rate"] = (
        out["submitted"] / out["applicable"] if out["submitted"] is not None and out["applicable"] else None
    )
    out["computed_at"] = min(r["computed_at"] for r in rows)
    return out


def remainder(total: dict | None, parts: list[dict]) -> dict | None:
    """`total` less the sum of `parts` (e.g. a prefecture less its counties: its enterprises without a county),
    rates recomputed; None when nothing is left."""
    if total is None:
        return None
    out = {k: total[k] - sum(p[k] for p in parts) for k in COUNTS}
    if out["applicable"] <= 0:
        return None
    records = out["records"]
    out["completion_rate"] = (out["done"] + out["ongoing"]) / records if records else None
    percent = (total["mean_percent"] or 0) * total["records"] - sum(
        (p["mean_percent"] or 0) * p["records"] for p in parts
    )
    out["mean_percent"] = percent / records if records else None
    out["attainment_rate"] = out["indicator_met"] / out["indicator_targets"] if out["indicator_targets"] else None
    submitted = [total["submitted"], *(p["submitted"] for p in parts)]
    out["submitted"] = None if None in submitted else submitted[0] - sum(submitted[1:])
    out["submission_rate"] = out["submitted"] / out["applicable"] if out["submitted"] is not None else None
    out["computed_at"] = total["computed_at"]
    return out


def _dims_of(row) -> frozenset[str]:
    return frozenset(d for d in DIMS if row.get(d) is not None)


# The key columns each stored grouping fills (a county's rows name its prefecture too).
GROUPING_SETS = {stored_dims(g) for g in GROUPINGS}


def breakdown(rows, *, by: tuple[str, ...], filters: dict, prefecture_ids, county_ids=None) -> dict | None:
    """Figures of the scope `filters` broken down by `by`: {key tuple: figures}, or None when no stored grouping
    answers that combination. Restricted to `prefecture_ids` (None: unrestricted), the rows of those prefectures
    are added up per key, and with `county_ids` the rows of those counties outside them (an officer in charge of a
    county reads its rows, and no prefecture's)."""
    wanted = set(by) | {k for k, v in filters.items() if v is not None}
    if "county_id" in wanted:
        wanted.add("prefecture_id")
    parts = []  # (the grouping's key columns, which of its rows)
    if prefecture_ids is None:
        parts.append((frozenset(wanted), lambda row: True))
    else:
        parts.append((frozenset(wanted | {"prefecture_id"}), lambda row: row["prefecture_id"] in prefecture_ids))
        extra = {
            row["county_id"]
            for row in rows
            if row.get("county_id") in (county_ids or ()) and row["prefecture_id"] not in prefecture_ids
        }
        if extra:
            counties = frozenset(wanted | {"county_id", "prefecture_id"})
            parts.append((counties, lambda row: row["county_id"] in extra))
    if any(dims not in GROUPING_SETS for dims, _keep in parts):
        return None
    groups: dict[tuple, list] = {}
    for dims, keep in parts:
        for row in rows:
            if _dims_of(row) != dims or not keep(row):
                continue
            if any(v is not None and row[k] != v for k, v in filters.items()):
                continue
            groups.setdefault(tuple(row[d] for d in by), []).append(row)
    return {key: combine(group) for key, group in groups.items()}


def latest_day(*, document: PolicyDocument) -> date | None:
    """The newest day with figures for `document`: a failed run leaves the previous day's figures served."""
    return (
        RollupSnapshot.objects.filter(document=document, measure__isnull=True, prefecture__isnull=True)
        .order_by("-day")
        .values_list("day", flat=True)
        .first()
    )


@lru_cache(maxsize=1)
def _echarts_names() -> dict[str, str]:
    return echarts_names()


@dataclass
class Filters:
    document: PolicyDocument | None = None
    prefecture: Region | None = None
    ownership: str | None = None  # an Ownership value, or STATE_OWNED
    industry: str | None = None
    extra: dict = field(default_factory=dict)
    county: Region | None = None  # its prefecture is `prefecture`
    supervision_level: str | None = None
    size_class: str | None = None

    def as_scope(self) -> dict:
        return {
            "prefecture_id": self.prefecture.pk if self.prefecture else None,
            "ownership": self.ownership or None,
            "industry": self.industry or None,
            "county_id": self.county.pk if self.county else None,
        }

    @property
    def attributes(self) -> dict:
        """The filters on the enterprise's own attributes that are chosen (the place aside)."""
        chosen = {
            "ownership": self.ownership,
            "industry": self.industry,
            "supervision_level": self.supervision_level,
            "size_class": self.size_class,
        }
        return {k: v for k, v in chosen.items() if v}

    @property
    def live(self) -> bool:
        """Whether the figures are computed live (reporting.live): any filter on the enterprises' attributes. The
        snapshots keep ownership and industry one at a time and by prefecture only, not by county, supervision level
        or size, and not for the heat map or the region table: live, every panel honours every filter."""
        return bool(self.attributes)

    def enterprise_q(self) -> Q:
        """Q over enterprises for the attribute filters."""
        q = Q()
        if self.ownership == STATE_OWNED:
            q &= Q(ownership__in=list(STATE_OWNERSHIPS))
        elif self.ownership:
            q &= Q(ownership=self.ownership)
        if self.industry:
            q &= Q(industry=self.industry)
        if self.supervision_level:
            q &= Q(supervision_level=self.supervision_level)
        if self.size_class:
            q &= Q(size_class=self.size_class)
        return q

    def cache_part(self) -> str:
        doc = self.document.pk if self.document else "-"
        pref = self.prefecture.pk if self.prefecture else "-"
        county = self.county.pk if self.county else "-"
        more = f"{self.supervision_level or '-'}:{self.size_class or '-'}"
        return f"{doc}:{pref}:{self.ownership or '-'}:{self.industry or '-'}:{county}:{more}"


def _pct(value):
    return None if value is None else round(value * 100, 1)


def dashboard_data(*, user, scope: DashboardScope, filters: Filters, defer=None) -> dict:
    """Everything the dashboard shows, from the snapshots of the newest day (or, for filters on the enterprises'
    attributes, computed live: reporting.live), and the lagging panel (`lagging_panel`: its rows and their count
    from one statement); cached until the next rollup, so a warm page reads no table that grows.

    `defer`: a callable that hands the computation to a worker (the page's; the worker's own call passes none). A
    live combination of more than `live.LIVE_JOB_THRESHOLD` enterprises is then not computed here, its lagging panel
    neither: `defer()` is called once per figures' key while pending, and the data says `computing` (not cached).
    With the cache away it is computed here, as before."""
    key = f"reporting:dashboard:{generation()}:{scope.cache_part}:{filters.cache_part()}"
    data = cache.get(key)
    if data is None:

        def defer_once() -> bool:
            """Whether a worker computes the figures: asked now, or already pending. False when the cache cannot
            say (Redis away: nothing would hold the worker's result), and the request computes them itself."""
            if cache.add(f"{key}:pending", 1, LIVE_TIMEOUT_MS // 1000 + 60):
                defer()
                return True
            return cache.get(f"{key}:pending") is not None

        data = _dashboard_data(user=user, scope=scope, filters=filters, defer=defer_once if defer else None)
        if not data.get("computing"):
            cache.set(key, data, DASHBOARD_CACHE_SECONDS)
    return data


def _restriction(scope: DashboardScope, where: dict) -> tuple[frozenset | None, frozenset | None]:
    """(prefecture ids, county ids) the figures of `where` are restricted to: none when `where` names a prefecture
    or county (which the user then sees whole), else the user's reach."""
    if where["prefecture_id"] is not None or where["county_id"] is not None:
        return None, None
    return scope.prefecture_ids, scope.county_ids if scope.prefecture_ids is not None else None


def _check_reach(scope: DashboardScope, where: dict, counties: dict) -> None:
    if where["county_id"] is not None:
        county = counties.get(where["county_id"])
        if county is None or not scope.sees_county(county.pk, county.parent_id):
            raise PermissionDenied(_("该县（市、区）不在您的负责范围内。"))
    elif where["prefecture_id"] is not None and not scope.sees_prefecture(where["prefecture_id"]):
        raise PermissionDenied(_("该州（市）不在您的负责范围内。"))


def _dashboard_data(*, user, scope: DashboardScope, filters: Filters, defer=None) -> dict:
    document = filters.document
    data: dict = {"day": None, "headline": None}
    if document is None:
        return data
    day = latest_day(document=document)
    data["day"] = day
    all_prefectures = {r.pk: r for r in Region.objects.filter(parent=scope.province).order_by("code")}
    prefectures = {pk: r for pk, r in all_prefectures.items() if scope.sees_prefecture(pk)}
    measures = {
        m.pk: m
        for m in Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES)
        .select_related("scope")
        .order_by("position")
    }
    counties = {
        r.pk: r for r in Region.objects.filter(level=RegionLevel.COUNTY, parent__parent=scope.province).order_by("code")
    }
    where = filters.as_scope()
    _check_reach(scope, where, counties)
    if filters.live:  # the lagging panel with the figures (or by the worker that computes them)
        return _live_data(
            data,
            user=user,
            scope=scope,
            filters=filters,
            measures=measures,
            prefectures=prefectures,
            all_prefectures=all_prefectures,
            counties=counties,
            defer=defer,
        )
    data |= lagging_panel(user=user, scope=scope, filters=filters)
    if day is None:
        return data
    rows = list(RollupSnapshot.objects.filter(document=document, day=day).values(*FIGURE_FIELDS))
    restrict, restrict_counties = _restriction(scope, where)
    reach = {"prefecture_ids": restrict, "county_ids": restrict_counties}
    headline = breakdown(rows, by=(), filters=where, **reach)
    data["headline"] = (headline or {}).get(())
    data["unsupported"] = headline is None

    by_measure = breakdown(rows, by=("measure_id",), filters=where, **reach)
    if by_measure is None:  # e.g. prefecture and ownership together: show the prefecture's measures
        place = {"prefecture_id": where["prefecture_id"], "county_id": where["county_id"]}
        by_measure = breakdown(rows, by=("measure_id",), filters=place, **reach)
        data["measure_note"] = _("按措施的数字未按所有制或行业筛选（未存储该组合）。")
    data["measures"] = [
        {"measure": m, "figures": by_measure.get((pk,))} for pk, m in measures.items() if (pk,) in (by_measure or {})
    ]

    map_filters = {"ownership": where["ownership"], "industry": where["industry"]}
    by_prefecture = breakdown(rows, by=("prefecture_id",), filters=map_filters, prefecture_ids=None) or {}
    data["prefectures"] = [
        {"prefecture": p, "figures": by_prefecture.get((pk,))}
        for pk, p in prefectures.items()
        if (pk,) in by_prefecture
    ]
    data["map"] = _map_items(data["prefectures"])
    data["map_file"] = MAP_FILES.get(scope.province.code)
    data["regions"] = _region_table(rows, scope=scope, prefectures=all_prefectures, counties=counties)

    heat = breakdown(rows, by=("prefecture_id", "measure_id"), filters={}, prefecture_ids=None) or {}
    data["heat"] = _heat(prefectures, measures, heat)
    data["trend"] = _trend(document=document, where=where, day=day, **reach)
    return data


def _live_data(data, *, user, scope, filters, measures, prefectures, all_prefectures, counties, defer=None) -> dict:
    """The dashboard's panels computed live (reporting.live) from the enterprises matching every filter: the
    headline, the measures, the map and prefectures, the heat map, the region table and the lagging panel all
    honour every filter; the trend (past days) can only come from the snapshots: by place, and said so. A large
    combination handed to a worker (`defer`) computes nothing here, the lagging panel included: the worker computes
    every panel and caches them together under the page's key."""
    data["live"] = True
    base = scope_enterprises(user=user, scope=scope, document=filters.document, filters=filters)
    if defer is not None and live_is_large(base) and defer():
        # a worker computes and caches the figures; the page polls (docs/performance/dashboard.md)
        data["unsupported"] = data["computing"] = True
        data |= {"lagging_enterprises": [], "lagging_count": None}
        return data
    data |= lagging_panel(user=user, scope=scope, filters=filters)
    try:
        live = live_rows(base=base, measures=measures.values())
    except LiveTooSlow:
        data["unsupported"] = True
        data["too_slow"] = True
        return data
    places = live.places
    data["headline"] = combine(list(places.values()))
    data["unsupported"] = False
    data["measures"] = []
    for pk, m in measures.items():
        figures = combine([r for key, r in live.measures.items() if key[2] == pk])
        if figures is not None:
            data["measures"].append({"measure": m, "figures": figures})

    def by_prefecture(pk):
        return combine([r for (prefecture_id, _county), r in places.items() if prefecture_id == pk])

    data["prefectures"] = [
        {"prefecture": p, "figures": f} for pk, p in prefectures.items() if (f := by_prefecture(pk)) is not None
    ]
    data["map"] = _map_items(data["prefectures"])
    data["map_file"] = MAP_FILES.get(scope.province.code)
    heat = {}
    for (prefecture_id, _county, measure_id), r in live.measures.items():
        heat.setdefault((prefecture_id, measure_id), []).append(r)
    data["heat"] = _heat(prefectures, measures, {k: combine(v) for k, v in heat.items()})
    # the region table: per prefecture the user sees whole, its figures, its counties' and the rest
    regions = []
    for pk, prefecture in all_prefectures.items():
        county_rows = sorted(
            ((counties[c], r) for (p, c), r in places.items() if p == pk and c is not None), key=lambda cr: cr[0].code
        )
        county_rows = [(c, r) for c, r in county_rows if scope.sees_county(c.pk, pk)]
        whole = scope.sees_prefecture(pk)
        figures = by_prefecture(pk) if whole else None
        if figures is None and not county_rows:
            continue
        regions.append(
            {
                "prefecture": prefecture,
                "figures": figures,
                "counties": [{"county": c, "figures": combine([r])} for c, r in county_rows],
                "without_county": combine([places[(pk, None)]]) if whole and (pk, None) in places else None,
            }
        )
    data["regions"] = regions
    # the trend: the snapshots of the place chosen (not by the enterprises' attributes)
    day = data.get("day")
    place = {"prefecture_id": None, "ownership": None, "industry": None, "county_id": None}
    place |= {k: v for k, v in filters.as_scope().items() if k in ("prefecture_id", "county_id")}
    if day is not None:
        restrict, restrict_counties = _restriction(scope, place)
        data["trend"] = _trend(
            document=filters.document, where=place, day=day, prefecture_ids=restrict, county_ids=restrict_counties
        )
    else:
        data["trend"] = []
    data["trend_note"] = _("趋势按历史汇总绘制，只按地区筛选，未按所有制、监管层级、行业和规模筛选。")
    return data


def _map_items(prefecture_items) -> list[dict]:
    names = _echarts_names()
    map_groups: dict[str, list] = {}
    for item in prefecture_items:
        map_groups.setdefault(names.get(item["prefecture"].code, item["prefecture"].name), []).append(item)
    return [
        {
            "name": name,
            "value": _pct(combine([i["figures"] for i in items])["completion_rate"]),
            "codes": [i["prefecture"].code for i in items],
            "ids": [i["prefecture"].pk for i in items],
        }
        for name, items in map_groups.items()
    ]


def _heat(prefectures: dict, measures: dict, cells: dict) -> dict:
    return {
        "prefectures": [p.name for p in prefectures.values()],
        "prefecture_ids": list(prefectures),
        "measures": [m.label for m in measures.values()],
        "measure_ids": list(measures),
        "cells": [
            [x, y, _pct(cells[(p, m)]["completion_rate"])]
            for x, p in enumerate(prefectures)
            for y, m in enumerate(measures)
            if cells.get((p, m)) is not None
        ],
    }


def _region_table(rows, *, scope: DashboardScope, prefectures: dict, counties: dict) -> list[dict]:
    """The prefecture → county drill-down: per prefecture the user reads, its figures, its counties' (from the
    county snapshots) and what is left for its enterprises without a county; for an officer in charge of counties
    outside those prefectures, those counties under their prefecture's name (without its figures). By document
    only: counties are not stored by ownership or industry. `prefectures`, `counties`: all of the province."""
    by_prefecture = breakdown(rows, by=("prefecture_id",), filters={}, prefecture_ids=None) or {}
    by_county = breakdown(rows, by=("prefecture_id", "county_id"), filters={}, prefecture_ids=None) or {}
    table: dict[int, dict] = {}
    for (prefecture_id, county_id), figures in sorted(by_county.items(), key=lambda kv: counties[kv[0][1]].code):
        if not scope.sees_county(county_id, prefecture_id):
            continue
        entry = table.setdefault(prefecture_id, {"counties": []})
        entry["counties"].append({"county": counties[county_id], "figures": figures})
    regions = []
    for prefecture in prefectures.values():
        entry = table.get(prefecture.pk, {"counties": []})
        whole = scope.sees_prefecture(prefecture.pk)
        if not whole and not entry["counties"]:
            continue
        figures = by_prefecture.get((prefecture.pk,)) if whole else None
        if whole and figures is None and not entry["counties"]:
            continue
        regions.append(
            {
                "prefecture": prefecture,
                "figures": figures,
                "counties": entry["counties"],
                "without_county": remainder(figures, [c["figures"] for c in entry["counties"]]) if whole else None,
            }
        )
    return regions


_DIM_FIELDS = {"prefecture_id": "prefecture", "measure_id": "measure", "ownership": "ownership"}
_DIM_FIELDS |= {"industry": "industry", "county_id": "county"}


def _grouping_q(dims) -> Q:
    """The snapshots of the grouping whose key columns are `dims`."""
    return Q(**{f"{field}__isnull": dim not in dims for dim, field in _DIM_FIELDS.items()})


def _trend(*, document, where, day, prefecture_ids, county_ids) -> list[dict]:
    """The figures of the scope of each of the last TREND_DAYS days (the rows of its groupings only)."""
    since = day - timedelta(days=TREND_DAYS)
    wanted = {k for k, v in where.items() if v is not None} | (set() if prefecture_ids is None else {"prefecture_id"})
    groupings = _grouping_q(stored_dims(tuple(wanted)))
    if county_ids:
        groupings |= _grouping_q(stored_dims((*wanted, "county_id")))
    qs = RollupSnapshot.objects.filter(groupings, document=document, day__gte=since, day__lte=day)
    for dim, value in where.items():
        if value is not None:
            qs = qs.filter(**{dim: value})
    by_day: dict[date, list] = {}
    for row in qs.order_by("day").values(*FIGURE_FIELDS):
        by_day.setdefault(row["day"], []).append(row)
    trend = []
    for d, group in by_day.items():
        f = breakdown(group, by=(), filters=where, prefecture_ids=prefecture_ids, county_ids=county_ids)
        f = (f or {}).get(())
        if f is None:
            continue
        trend.append(
            {
                "day": d.isoformat(),
                "completion": _pct(f["completion_rate"]),
                "mean_percent": None if f["mean_percent"] is None else round(f["mean_percent"], 1),
                "lagging": f["lagging"],
                "attainment": _pct(f["attainment_rate"]),
            }
        )
    return trend


def sees_group_figures(*, user, province) -> bool:
    """The provincial groups' figures are for SASAC staff of the province and administrators: the users who may ask
    for the province's figures now (RollupPolicy.REFRESH; reform_portal.access has no action of its own for them
    yet). They are province-wide aggregates, like the province's headline."""
    return RollupPolicy.can(user, RollupPolicy.REFRESH, province)


def group_rows(*, user, scope: DashboardScope, document) -> list | None:
    """The provincial groups of the province shown, with their figures (reporting.groups, live), or None for a user
    who does not see them."""
    if document is None or not sees_group_figures(user=user, province=scope.province):
        return None
    heads = EnterprisePolicy.visible(user, provincial_groups(scope.province))
    return group_figures(document=document, heads=heads)


def scope_enterprises(
    *, user, scope: DashboardScope, document, prefecture=None, ownership=None, industry=None, county=None, filters=None
):
    """The applicable enterprises of a dashboard scope that the user may see (for drill-downs, the lagging table and
    the live figures). `filters` (a Filters) stands for all of its filters at once."""
    if filters is not None:
        document, prefecture, county = filters.document, filters.prefecture, filters.county
    qs = EnterprisePolicy.visible(user, enterprises_for_document(document))
    if scope.prefecture_ids is not None:
        # the prefectures and counties in the officer's charge, and the enterprises named to them (reform_portal.access)
        reach = Q(region_id__in=sorted(scope.prefecture_ids)) | Q(pk__in=sorted(access_for(user).enterprise_ids))
        if scope.county_ids:
            reach |= Q(county_id__in=sorted(scope.county_ids))
        qs = qs.filter(reach)
    if prefecture is not None:
        qs = qs.filter(region=prefecture)
    if county is not None:
        qs = qs.filter(county=county)
    if filters is not None:
        qs = qs.filter(filters.enterprise_q())
    else:
        if ownership:
            qs = qs.filter(ownership=ownership)
        if industry:
            qs = qs.filter(industry=industry)
    return qs


def lagging_panel(*, user, scope, filters: Filters, limit: int = LAGGING_TABLE_ROWS) -> dict:
    """The lagging panel: its first `limit` rows and how many there are, read by one statement (a window count over
    the same rows), so that the header's count and the rows are of the same moment (cached with them)."""
    if filters.document is None:
        return {"lagging_enterprises": [], "lagging_count": 0}
    qs = lagging_queryset(user=user, scope=scope, filters=filters).annotate(
        lagging_total=Window(Count("pk", distinct=False))
    )
    rows = list(qs[:limit])
    return {
        "lagging_enterprises": [
            {
                "pk": e.pk,
                "name": e.name,
                "region": e.region.name,
                "ownership": e.get_ownership_display(),
                "last_update": e.last_progress_update,
                "has_not_started": e.has_not_started,
            }
            for e in rows
        ],
        "lagging_count": rows[0].lagging_total if rows else 0,
    }


def lagging_queryset(*, user, scope, filters: Filters):
    """The scope's lagging enterprises (measures.lagging's rule over the progress summaries the database keeps,
    always current and indexed for a province of 100,000 enterprises), oldest update first."""
    base = scope_enterprises(user=user, scope=scope, document=filters.document, filters=filters)
    return (
        base.filter(lagging_q(inputs=SUMMARY_INPUTS))
        .annotate(
            last_progress_update=F("progress_summary__last_update"),
            has_not_started=ExpressionWrapper(Q(progress_summary__not_started__gt=0), output_field=BooleanField()),
        )
        .select_related("region")
        .order_by(F("last_progress_update").asc(nulls_first=True), "name")
        .only("pk", "name", "region__name", "ownership")
    )


def lagging_in_charge(*, user):
    """The enterprises in the user's charge that lag (measures.lagging's rule over the progress summaries the
    database keeps, never recomputed from the progress rows), slowest first: fewest measures done, lowest mean
    percent, oldest update (the home pages' 推进最慢的企业)."""
    return (
        enterprises_in_charge(user=user)
        .filter(lagging_q(inputs=SUMMARY_INPUTS))
        .order_by("done_count", F("mean_percent").asc(nulls_first=True), F("last_update").asc(nulls_first=True), "name")
    )


def lagging_in_charge_count(*, user) -> int:
    """How many enterprises `lagging_in_charge` holds: one COUNT over the enterprises and their summaries, without
    the figures it sorts by."""
    return EnterprisePolicy.visible(user, Enterprise.objects.all()).filter(lagging_q(inputs=SUMMARY_INPUTS)).count()


def named_enterprises(*, user, province: Region) -> list[Enterprise]:
    """The enterprises of `province` named to an officer (the dashboard's way in for an officer with no region)."""
    qs = Enterprise.objects.filter(pk__in=sorted(access_for(user).enterprise_ids), region__parent=province)
    return list(EnterprisePolicy.visible(user, qs).select_related("region").order_by("name"))


def latest_runs(*, province: Region, limit: int = 3) -> list[RollupRun]:
    return list(
        RollupRun.objects.filter(Q(province=province) | Q(province__isnull=True))
        .select_related("requested_by")
        .order_by("-started_at", "-id")[:limit]
    )


OWNERSHIP_CHOICES = Ownership.choices
INDUSTRY_CHOICES = Industry.choices
