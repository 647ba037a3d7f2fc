"""The home pages' figures for SASAC staff and administrators, at a cost that follows the page, not the province.

- **The documents' figures and the lagging count** of a reach that is whole provinces (an administrator: every
  province; SASAC staff: theirs) are read from the rollup's province-wide snapshot of each document (one row per
  document, by its unique key), not summed over the province's progress summaries; a reach of whole prefectures (an
  officer charged with prefectures or a province, no county and no enterprise named) adds up the rollup's rows of
  those prefectures, of the same day. They are the figures of the
  rollup's moment, `as_of` (its `computed_at`: the 15-minute refresh keeps it recent), equal to the live ones at that
  moment: the same applicable records, statuses and percent sum (the rollup adds up the tallies the same triggers
  keep), and the lagging the same rule counts (`measures.lagging`). A province with several documents (whose
  enterprises the lagging count would take once per document), a document without a snapshot yet, or a narrower
  reach (an officer's charge) is counted live, as `reporting.selectors.summary_by_document` and
  `lagging_in_charge_count` do, and `as_of` is None.
- **The slowest lagging enterprises** (fewest measures done, lowest mean percent, oldest update, name) are read live:
  those with a summary by walking the summaries' index in that order (`progress_summary_slowest`) until the page is
  full, those without one (nothing applicable recorded yet: they come first) by an anti-join, then the shown rows
  by id (`enterprises.selectors.rows_shown`). The anti-join reads every enterprise of the reach (O(province)), so it
  is skipped where the counts the database keeps show that no enterprise of the reach's places can be without a
  summary (`every_place_summarised`: each place's enterprises all have applicable progress on one document); only
  the enterprises named to an officer outside their places are then looked at.
"""

import dataclasses
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from django.db.models import F, Sum

from enterprises.choices import RegionLevel
from enterprises.list_counts import ANY
from enterprises.models import Enterprise, ListedCount, Region
from enterprises.selectors import rows_shown
from measures.lagging import SUMMARY_INPUTS, lagging_q
from measures.models import PolicyDocument
from reform_portal.access import EnterprisePolicy, access_for

from .assessments.counts import PlaceCount
from .assessments.selectors import named_elsewhere
from .models import RollupSnapshot
from .rollup import scope_key
from .selectors import lagging_in_charge_count, summary_by_document

SLOWEST_ORDER = (
    F("progress_summary__done").asc(),
    F("progress_summary__mean_percent").asc(nulls_first=True),
    F("progress_summary__last_update").asc(nulls_first=True),
    "name",
)


@dataclass
class HomeFigures:
    summary: list[dict]  # per document, as `summary_by_document`'s rows
    lagging_count: int
    as_of: datetime | None  # the rollup's moment the figures are of; None: live


def whole_provinces(user) -> list[int] | None:
    """The provinces whose every enterprise the user sees, when that is the user's whole reach (administrators,
    SASAC staff), else None."""
    access = access_for(user)
    if access.region_ids is None:
        return list(Region.objects.filter(level=RegionLevel.PROVINCE).order_by("pk").values_list("pk", flat=True))
    if access.province_id:  # SASAC staff: their province's every enterprise
        return [access.province_id]
    return None


def _snapshots(documents: list[PolicyDocument]) -> dict[int, RollupSnapshot] | None:
    """Each document's province-wide snapshot of the latest day it has one (two index look-ups per document), or
    None when one has none."""
    rows = {}
    for document in documents:
        day = (
            RollupSnapshot.objects.filter(document=document, measure__isnull=True, prefecture__isnull=True)
            .order_by("-day")
            .values_list("day", flat=True)
            .first()
        )
        key = scope_key(province_id=document.province_id, document_id=document.pk)
        row = RollupSnapshot.objects.filter(day=day, scope_key=key).first() if day else None
        if row is None:
            return None
        rows[document.pk] = row
    return rows


def whole_prefectures(user) -> dict[int, list[int]] | None:
    """{province: its prefectures in the reach} when the user's whole reach is whole prefectures (an officer charged
    with prefectures or provinces, no county and no enterprise named to them), else None."""
    access = access_for(user)
    if access.region_ids is None or access.province_id or access.county_ids or access.enterprise_ids:
        return None
    found: dict[int, list[int]] = {}
    prefectures = Region.objects.filter(pk__in=sorted(access.region_ids), level=RegionLevel.PREFECTURE)
    for pk, province in prefectures.order_by("pk").values_list("pk", "parent_id"):
        found.setdefault(province, []).append(pk)
    return found or None


@dataclass
class PrefecturesTotal:
    """A document's snapshot rows of several prefectures added up (the faces `_from_snapshot` reads)."""

    computed_at: datetime
    applicable: int = 0
    records: int = 0
    not_started: int = 0
    in_progress: int = 0
    done: int = 0
    ongoing: int = 0
    lagging: int = 0
    percent_total: float = 0.0  # the prefectures' mean percent × records

    @property
    def mean_percent(self) -> float | None:
        return self.percent_total / self.records if self.records else None

    def add(self, row: RollupSnapshot) -> None:
        for field in _ADDED:
            setattr(self, field, getattr(self, field) + getattr(row, field))
        self.percent_total += (row.mean_percent or 0) * row.records


# the counts added as they are (the snapshot's fields of the same names); the mean percent is weighted by the records
_ADDED = tuple(f.name for f in dataclasses.fields(PrefecturesTotal) if f.name not in ("computed_at", "percent_total"))


def _of_prefectures(rows: dict[int, RollupSnapshot], prefectures: dict[int, list[int]]) -> dict[int, PrefecturesTotal]:
    """Per document, its snapshot rows of the prefectures in `prefectures` added up, of the day of the document's
    province-wide row in `rows` (one query; a prefecture without a row had nothing applicable then)."""
    keys = {
        scope_key(province_id=s.province_id, document_id=doc, prefecture_id=p): doc
        for doc, s in rows.items()
        for p in prefectures.get(s.province_id, [])
    }
    totals = {doc: PrefecturesTotal(computed_at=s.computed_at) for doc, s in rows.items()}
    days = sorted({s.day for s in rows.values()})
    for row in RollupSnapshot.objects.filter(day__in=days, scope_key__in=sorted(keys)):
        doc = keys[row.scope_key]
        if row.day == rows[doc].day:
            totals[doc].add(row)
    return totals


def _from_snapshot(document: PolicyDocument, s: RollupSnapshot) -> dict:
    done = s.done + s.ongoing  # measures.choices.DONE_STATUSES
    return {
        "document": document,
        "measure__document": document.pk,
        "enterprises": s.applicable,
        "records": s.records,
        "done": done,
        "not_started": s.not_started,
        "in_progress": s.in_progress,
        "mean_percent": s.mean_percent,
        "completion_rate": done / s.records if s.records else 0,
    }


def home_figures(*, user) -> HomeFigures:
    provinces = whole_provinces(user)
    prefectures = None if provinces else whole_prefectures(user)
    if provinces or prefectures:
        documents = list(PolicyDocument.objects.filter(province_id__in=provinces or sorted(prefectures)).order_by("pk"))
        per_province = [d.province_id for d in documents]
        single = len(per_province) == len(set(per_province))  # the lagging count takes each enterprise once
        rows = _snapshots(documents) if documents and single else None
        if rows is not None and prefectures:
            rows = _of_prefectures(rows, prefectures)
        if rows is not None:
            return HomeFigures(
                summary=[_from_snapshot(d, rows[d.pk]) for d in documents],
                lagging_count=sum(s.lagging for s in rows.values()),
                as_of=min(s.computed_at for s in rows.values()),
            )
    return HomeFigures(
        summary=summary_by_document(user=user), lagging_count=lagging_in_charge_count(user=user), as_of=None
    )


def every_place_summarised(access) -> bool:
    """Whether every enterprise of the places in the reach of `access` has applicable progress, so a summary row:
    per place, its enterprises (PlaceCount) are, for one document, all counted among those with applicable progress
    on it (ListedCount, status ANY). Both kept by the database: a few hundred rows a province, never its
    enterprises."""
    place = access.place_q()
    places, listed = PlaceCount.objects.all(), ListedCount.objects.filter(status=ANY, document__isnull=False)
    if place is not None:
        places, listed = places.filter(place), listed.filter(place)
    covered: dict[tuple, int] = defaultdict(int)
    per_document = listed.values_list("region_id", "county_id", "document_id").annotate(n=Sum("enterprises"))
    for region, county, _document, n in per_document.order_by():
        covered[region, county] = max(covered[region, county], n)
    rows = places.filter(enterprises__gt=0).values_list("region_id", "county_id", "enterprises")
    return all(n <= covered[region, county] for region, county, n in rows)


def slowest_lagging(*, user, limit: int) -> list[Enterprise]:
    """The `limit` lagging enterprises in the user's reach that progress the slowest (fewest measures done, lowest
    mean percent, oldest update, then name), with the figures a list row shows. Those without a summary (done 0,
    no percent, no update) come first; the others are read along the summaries' index in that order."""
    lagging = EnterprisePolicy.visible(user, Enterprise.objects.all()).filter(lagging_q(inputs=SUMMARY_INPUTS))
    without = lagging.filter(progress_summary__isnull=True)
    access = access_for(user)
    if every_place_summarised(access):
        # only an enterprise named to the user outside their places may be without one
        without = without.filter(pk__in=named_elsewhere(access, None))
    ids = list(without.order_by("name").values_list("pk", flat=True)[:limit])
    if len(ids) < limit:
        with_summary = lagging.filter(progress_summary__isnull=False).order_by(*SLOWEST_ORDER)
        ids += list(with_summary.values_list("pk", flat=True)[: limit - len(ids)])
    return rows_shown(ids)
