"""Reads for the home pages and the SASAC dashboard.

The dashboard reads snapshots only (plus one page of lagging enterprises), a fixed number of queries whatever the
number of enterprises, and caches what it read under a key that changes with every rollup.
"""

from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import lru_cache

from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.db.models import Avg, BooleanField, Count, ExpressionWrapper, F, Q
from django.utils.translation import gettext as _

from enterprises.choices import Industry, Ownership, RegionLevel
from enterprises.models import Enterprise, Region
from enterprises.reference import echarts_names
from enterprises.selectors import enterprises_in_charge
from measures.applicability import enterprises_for_document
from measures.choices import DONE_STATUSES, TRACKED_ADDRESSEES, Status
from measures.lagging import SUMMARY_INPUTS, lagging_enterprises, lagging_q
from measures.models import Measure, PolicyDocument, Progress
from reform_portal.access import EnterprisePolicy, RollupPolicy, access_for

from .models import RollupRun, RollupSnapshot
from .rollup import GROUPINGS, generation

DASHBOARD_CACHE_SECONDS = 60 * 60
TREND_DAYS = 90
LAGGING_TABLE_ROWS = 20
MAP_FILES = {"530000": "yunnan.json", "610000": "shaanxi.json"}
COUNTS = ("applicable", "records", "not_started", "in_progress", "done", "ongoing", "indicator_met")
COUNTS += ("indicator_targets", "lagging")
FIGURE_FIELDS = (
    "day",
    "prefecture_id",
    "measure_id",
    "ownership",
    "industry",
    *COUNTS,
    "submitted",
    "mean_percent",
    "computed_at",
)


def summary_by_document(*, user) -> list[dict]:
    """Per document: enterprises, measure records per status, completion rate and mean percent (home pages)."""
    progress = EnterprisePolicy.visible(user, Progress.objects.all(), prefix="enterprise__")
    rows = (
        progress.values("measure__document")
        .annotate(
            enterprises=Count("enterprise", distinct=True),
            records=Count("pk"),
            done=Count("pk", filter=Q(status__in=DONE_STATUSES)),
            not_started=Count("pk", filter=Q(status=Status.NOT_STARTED)),
            in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
            mean_percent=Avg("percent"),
        )
        .order_by("measure__document")
    )
    documents = PolicyDocument.objects.in_bulk([r["measure__document"] for r in rows])
    result = []
    for r in rows:
        r["document"] = documents[r["measure__document"]]
        r["completion_rate"] = r["done"] / r["records"] if r["records"] else 0
        result.append(r)
    return result


# Who sees what ------------------------------------------------------------------------------------------------


@dataclass
class DashboardScope:
    """The province shown and, for an officer in charge of prefectures, which of its prefectures."""

    province: Region
    prefecture_ids: frozenset[int] | None  # None: the whole province
    cache_part: str

    @property
    def named_only(self) -> bool:
        """An officer with no charge region in the province (only enterprises named to them): no figures."""
        return self.prefecture_ids is not None and not self.prefecture_ids


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
        # users who see the same rows share the cached figures
        cache_part=f"{province.pk if province else '-'}:{access_for(user).scope_key}",
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


def _dims_of(row) -> frozenset[str]:
    return frozenset(d for d in ("prefecture_id", "measure_id", "ownership", "industry") if row[d] is not None)


GROUPING_SETS = {frozenset(g) for g in GROUPINGS}


def breakdown(rows, *, by: tuple[str, ...], filters: dict, prefecture_ids) -> dict | None:
    """Figures of the scope `filters` broken down by `by`: {key tuple: figures}, or None when no stored grouping
    answers that combination. Rows restricted to `prefecture_ids` are added up per key."""
    wanted = set(by) | {k for k, v in filters.items() if v is not None}
    if prefecture_ids is not None:
        wanted.add("prefecture_id")
    wanted = frozenset(wanted)
    if wanted not in GROUPING_SETS:
        return None
    groups: dict[tuple, list] = {}
    for row in rows:
        if _dims_of(row) != wanted:
            continue
        if any(v is not None and row[k] != v for k, v in filters.items()):
            continue
        if prefecture_ids is not None and row["prefecture_id"] not in prefecture_ids:
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
    ownership: str | None = None
    industry: str | None = None
    extra: dict = field(default_factory=dict)

    def as_scope(self) -> dict:
        return {
            "prefecture_id": self.prefecture.pk if self.prefecture else None,
            "ownership": self.ownership or None,
            "industry": self.industry or None,
        }

    def cache_part(self) -> str:
        doc = self.document.pk if self.document else "-"
        pref = self.prefecture.pk if self.prefecture else "-"
        return f"{doc}:{pref}:{self.ownership or '-'}:{self.industry or '-'}"


def _pct(value):
    return None if value is None else round(value * 100, 1)


def dashboard_data(*, user, scope: DashboardScope, filters: Filters) -> dict:
    """Everything the dashboard shows, from the snapshots of the newest day; cached until the next rollup."""
    key = f"reporting:dashboard:{generation()}:{scope.cache_part}:{filters.cache_part()}"
    data = cache.get(key)
    if data is None:
        data = _dashboard_data(user=user, scope=scope, filters=filters)
        cache.set(key, data, DASHBOARD_CACHE_SECONDS)
    return data


def _dashboard_data(*, user, scope: DashboardScope, filters: Filters) -> dict:
    document = filters.document
    data: dict = {"day": None, "headline": None}
    if document is None:
        return data
    day = latest_day(document=document)
    data["day"] = day
    prefectures = {
        r.pk: r
        for r in Region.objects.filter(parent=scope.province).order_by("code")
        if scope.prefecture_ids is None or r.pk in scope.prefecture_ids
    }
    measures = {
        m.pk: m
        for m in Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES).order_by("position")
    }
    data["lagging_enterprises"] = _lagging_rows(user=user, scope=scope, filters=filters, limit=LAGGING_TABLE_ROWS)
    if day is None:
        return data
    rows = list(RollupSnapshot.objects.filter(document=document, day=day).values(*FIGURE_FIELDS))
    where = filters.as_scope()
    restrict = scope.prefecture_ids if where["prefecture_id"] is None else None
    if where["prefecture_id"] is not None and scope.prefecture_ids is not None:
        if where["prefecture_id"] not in scope.prefecture_ids:
            raise PermissionDenied(_("该州（市）不在您的负责范围内。"))
    headline = breakdown(rows, by=(), filters=where, prefecture_ids=restrict)
    data["headline"] = (headline or {}).get(())
    data["unsupported"] = headline is None

    by_measure = breakdown(rows, by=("measure_id",), filters=where, prefecture_ids=restrict)
    if by_measure is None:  # e.g. prefecture and ownership together: show the prefecture's measures
        by_measure = breakdown(
            rows, by=("measure_id",), filters={"prefecture_id": where["prefecture_id"]}, prefecture_ids=restrict
        )
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
    names = _echarts_names()
    map_groups: dict[str, list] = {}
    for item in data["prefectures"]:
        map_groups.setdefault(names.get(item["prefecture"].code, item["prefecture"].name), []).append(item)
    data["map"] = [
        {
            "name": name,
            "value": _pct(combine([i["figures"] for i in items])["completion_rate"]),
            "codes": [i["prefecture"].code for i in items],
            "ids": [i["prefecture"].pk for i in items],
        }
        for name, items in map_groups.items()
    ]
    data["map_file"] = MAP_FILES.get(scope.province.code)

    heat = breakdown(rows, by=("prefecture_id", "measure_id"), filters={}, prefecture_ids=None) or {}
    data["heat"] = {
        "prefectures": [p.name for p in prefectures.values()],
        "prefecture_ids": list(prefectures),
        "measures": [f"{m.number} {m.title}" for m in measures.values()],
        "measure_ids": list(measures),
        "cells": [
            [x, y, _pct(heat[(p, m)]["completion_rate"])]
            for x, p in enumerate(prefectures)
            for y, m in enumerate(measures)
            if (p, m) in heat
        ],
    }
    data["trend"] = _trend(document=document, scope=scope, where=where, restrict=restrict, day=day)
    return data


def _trend(*, document, scope, where, restrict, day) -> list[dict]:
    since = day - timedelta(days=TREND_DAYS)
    qs = RollupSnapshot.objects.filter(document=document, day__gte=since, day__lte=day, measure__isnull=True)
    wanted = {k for k, v in where.items() if v is not None} | ({"prefecture_id"} if restrict is not None else set())
    for dim, lookup in (("prefecture_id", "prefecture"), ("ownership", "ownership"), ("industry", "industry")):
        qs = qs.filter(**{f"{lookup}__isnull": dim not in wanted})
    if where["prefecture_id"] is not None:
        qs = qs.filter(prefecture_id=where["prefecture_id"])
    if restrict is not None:
        qs = qs.filter(prefecture_id__in=restrict)
    if where["ownership"]:
        qs = qs.filter(ownership=where["ownership"])
    if where["industry"]:
        qs = qs.filter(industry=where["industry"])
    by_day: dict[date, list] = {}
    for row in qs.order_by("day").values(*FIGURE_FIELDS):
        by_day.setdefault(row["day"], []).append(row)
    trend = []
    for d, group in by_day.items():
        f = combine(group)
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


def scope_enterprises(*, user, scope: DashboardScope, document, prefecture=None, ownership=None, industry=None):
    """The applicable enterprises of a dashboard scope that the user may see (for drill-downs and the lagging table)."""
    qs = EnterprisePolicy.visible(user, enterprises_for_document(document))
    if scope.prefecture_ids is not None:
        # the prefectures in the officer's charge, and the enterprises named to them (reform_portal.access)
        qs = qs.filter(Q(region_id__in=scope.prefecture_ids) | Q(pk__in=sorted(access_for(user).enterprise_ids)))
    if prefecture is not None:
        qs = qs.filter(region=prefecture)
    if ownership:
        qs = qs.filter(ownership=ownership)
    if industry:
        qs = qs.filter(industry=industry)
    return qs


def _lagging_rows(*, user, scope, filters: Filters, limit: int) -> list[dict]:
    qs = lagging_queryset(user=user, scope=scope, filters=filters)
    return [
        {
            "pk": e.pk,
            "name": e.name,
            "region": e.region.name,
            "ownership": e.get_ownership_display(),
            "last_update": e.last_progress_update,
            "has_not_started": e.has_not_started,
        }
        for e in qs[:limit]
    ]


def lagging_queryset(*, user, scope, filters: Filters):
    """The scope's lagging enterprises (measures.lagging's rule over the progress summaries the database keeps,
    always current and indexed for a province of 100,000 enterprises), oldest update first."""
    base = scope_enterprises(
        user=user,
        scope=scope,
        document=filters.document,
        prefecture=filters.prefecture,
        ownership=filters.ownership,
        industry=filters.industry,
    )
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
    """The enterprises in the user's charge that lag (measures.lagging), slowest first: fewest measures done, lowest
    mean percent, oldest update (the home pages' 推进最慢的企业)."""
    return lagging_enterprises(enterprises_in_charge(user=user)).order_by(
        "done_count", F("mean_percent").asc(nulls_first=True), F("last_update").asc(nulls_first=True), "name"
    )


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
