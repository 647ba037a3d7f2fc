"""The tallies counted again in Python, row by row, with the ORM: the oracle the tally tests compare the database's
tallies with. Nothing here calls the SQL under test (reporting.tallies) or the rules it uses (measures.targets,
measures.applicability): the target comparison and what applies are written out below, so a wrong comparison or
a wrong applicability in the triggers' SQL makes the tests fail."""

from collections import defaultdict
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db.models import Sum

from enterprises.models import Enterprise
from measures.choices import Comparison, Status
from measures.lagging import LAGGING_DAYS
from measures.models import IndicatorValue, Progress, Scope
from reporting.models import IndicatorTally, ProgressSummary, ProgressTally, ScopeTally

CELL = ("region_id", "ownership", "industry", "supervision_level")


def meets(comparison: str, target: Decimal | None, value: Decimal | None) -> bool:
    """≥ / ≤ / = the indicator's target; 是 (yes/no): a value of 1 or more; 仅统计 never; no value or no target: no."""
    if value is None:
        return False
    if comparison == Comparison.TRUE:
        return value >= 1
    if target is None:
        return False
    if comparison == Comparison.GTE:
        return value >= target
    if comparison == Comparison.LTE:
        return value <= target
    if comparison == Comparison.EQ:
        return value == target
    return False


def applies(scope, e) -> bool:
    """The scope applies to enterprise `e`: same province, and each condition the scope sets holds."""
    lists = {"ownership": e.ownership, "supervision_level": e.supervision_level, "supervisor": e.supervisor}
    lists["size_class"] = e.size_class
    if scope.province_id != e.region.parent_id:
        return False
    if any(getattr(scope, key) is not None and fact not in getattr(scope, key) for key, fact in lists.items()):
        return False
    if scope.min_employees is not None and e.employees < scope.min_employees:
        return False
    return all(getattr(scope, flag) is None or getattr(e, flag) for flag in ("above_scale", "leading", "has_board"))


def _cell(enterprise) -> tuple:
    return tuple(getattr(enterprise, field) for field in CELL)


def _nonzero(figures: dict) -> dict:
    """Leave out the keys that count nothing (a tally key whose rows net to zero is as good as absent)."""
    return {key: f for key, f in figures.items() if (any(f) if isinstance(f, tuple) else f)}


def counted_from_rows() -> dict[str, dict]:
    """Per tally, {key: figures} counted from the source rows, keys that count nothing left out."""
    progress = defaultdict(lambda: [0, 0, 0, 0])
    summaries = {}
    for row in Progress.objects.select_related("enterprise__region", "measure__scope").order_by():
        if not applies(row.measure.scope, row.enterprise):
            continue
        figures = progress[(row.measure_id, *_cell(row.enterprise))]
        figures[0] += row.status == Status.IN_PROGRESS
        figures[1] += row.status == Status.DONE
        figures[2] += row.status == Status.ONGOING
        figures[3] += row.percent
        last, not_started, applicable, done, percent_sum, in_progress, ongoing = summaries.get(
            row.enterprise_id, (None, 0, 0, 0, 0, 0, 0)
        )[:7]
        summaries[row.enterprise_id] = (
            row.updated_at if last is None else max(last, row.updated_at),
            not_started + (row.status == Status.NOT_STARTED),
            applicable + 1,
            done + (row.status in (Status.DONE, Status.ONGOING)),
            percent_sum + row.percent,
            in_progress + (row.status == Status.IN_PROGRESS),
            ongoing + (row.status == Status.ONGOING),
            *_cell(row.enterprise),
        )
    met = defaultdict(int)
    for v in IndicatorValue.objects.select_related("indicator__scope", "enterprise__region").order_by():
        if applies(v.indicator.scope, v.enterprise) and meets(v.indicator.comparison, v.indicator.target, v.value):
            met[(v.indicator_id, v.year, *_cell(v.enterprise))] += 1
    enterprises = defaultdict(int)
    scopes = list(Scope.objects.all())
    for e in Enterprise.objects.select_related("region").order_by():
        for scope in scopes:
            if applies(scope, e):
                enterprises[(scope.pk, *_cell(e))] += 1
    # the moment it lags from: up to date (none 未启动, updated within LAGGING_DAYS days, that day included) until
    # then, else from the start of time
    for pk, (last, not_started, *rest) in summaries.items():
        up_to_date_until = last + timedelta(days=LAGGING_DAYS, microseconds=1) if last and not not_started else None
        lagging_from = up_to_date_until or datetime(1970, 1, 1, tzinfo=UTC)
        summaries[pk] = (last, not_started, *rest[:5], lagging_from, *rest[5:])
    return {
        "progress": _nonzero({key: tuple(f) for key, f in progress.items()}),
        "indicators": _nonzero(dict(met)),
        "enterprises": _nonzero(dict(enterprises)),
        "summaries": summaries,
    }


def held_by_the_database() -> dict[str, dict]:
    """Per tally, {key: figures} as the database holds them (the sum of a key's rows), zero keys left out."""
    sums = {c: Sum(c) for c in ("in_progress", "done", "ongoing", "percent_sum")}
    progress = (
        ProgressTally.objects.order_by().values("measure_id", *CELL).annotate(**{f"s_{c}": s for c, s in sums.items()})
    )
    met = IndicatorTally.objects.order_by().values("indicator_id", "year", *CELL).annotate(n=Sum("met"))
    enterprises = ScopeTally.objects.order_by().values("scope_id", *CELL).annotate(n=Sum("enterprises"))
    summaries = ProgressSummary.objects.order_by().values_list(
        "enterprise_id",
        "last_update",
        "not_started",
        "applicable",
        "done",
        "percent_sum",
        "in_progress",
        "ongoing",
        "lagging_from",
        *CELL,
    )
    return {
        "progress": _nonzero(
            {(r["measure_id"], *(r[c] for c in CELL)): tuple(r[f"s_{c}"] for c in sums) for r in progress}
        ),
        "indicators": _nonzero({(r["indicator_id"], r["year"], *(r[c] for c in CELL)): r["n"] for r in met}),
        "enterprises": _nonzero({(r["scope_id"], *(r[c] for c in CELL)): r["n"] for r in enterprises}),
        "summaries": {row[0]: tuple(row[1:]) for row in summaries},
    }


def assert_tallies_match_rows():
    """The tallies the database keeps equal a count of the source rows made in Python."""
    held, counted = held_by_the_database(), counted_from_rows()
    for table in counted:
        wrong = {
            key: (held[table].get(key), counted[table].get(key))
            for key in held[table].keys() | counted[table].keys()
            if held[table].get(key) != counted[table].get(key)
        }
        assert not wrong, (
            f"{table}: {len(wrong)} keys (held, counted) differ, e.g. {sorted(wrong.items(), key=str)[:3]}"
        )
