"""What "lagging" means, written once, and its faces.

An enterprise lags when
- at least one tracked measure applies to it (`measures.applicability`): one with nothing to do never lags;
- it is not in its grace period: registered (`Enterprise.created_at`) more than `settings.LAGGING_GRACE_DAYS` days
  ago (30 by default), so that a new enterprise has time to start;
- and its progress is not up to date: up to date means none of its measures still 未启动 and a progress update
  within the last `LAGGING_DAYS` (90) days. An enterprise without any progress row yet is not up to date. Only
  progress on measures that apply to it counts (a kept row of a measure that no longer applies does not).

The last two are data, `EXEMPTIONS`, and every face is generated from them:
- `is_lagging(enterprise)`: one object, in Python;
- `lagging_q()` (with `annotate_lagging`, or `inputs=SUMMARY_INPUTS`) and `lagging_enterprises(qs)`: querysets;
- `exempt_enterprises_sql(columns)`: SQL for set-based code (the rollup subtracts, per cell, the enterprises it
  selects from the applicable ones), compiled by the ORM from the same Q;
- `lagging_from()` / `lagging_from_sql()`: the exemptions over the progress inputs with ages written in the code (up
  to date) folded into one moment, from which the enterprise lags if nothing changes; reporting's ProgressSummary
  keeps it per enterprise (its triggers use `lagging_from_sql`), so that over the summaries lagging at `now` is the
  index range `lagging_from <= now`, plus the unfolded exemptions (the grace period, a setting) and "applicable"
  tested on the row. tests/measures/test_lagging_from.py proves it equivalent to `lags()`.
Each face takes `now` (default: the current time; over the summaries, the database's clock, so that the SQL is the
same on every request) so that a rollup can judge a past day.
"""

import operator
from datetime import UTC, datetime, timedelta
from functools import reduce

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Now
from django.utils import timezone

from enterprises.models import Enterprise

from .applicability import applicable_measures, has_applicable_measures_q
from .choices import Status
from .models import Progress

LAGGING_DAYS = 90

# An applicable enterprise lags unless one of these holds. Each is a list of (input, lookup, bound) conditions that
# must all hold; a bound is a key of `BOUND_DAYS` (a moment that many days before `now`) or a constant. Inputs:
# `created_at` (when it was registered), `last_update` (its latest progress change) and `not_started` (how many of
# its progress rows are 未启动); both NULL for an enterprise without progress rows. A condition on a NULL input does
# not hold. A condition on a moment is `gt` or `gte` (the input is recent enough).
EXEMPTIONS = {
    "in_grace": [("created_at", "gt", "registered_after")],
    "up_to_date": [("not_started", "exact", 0), ("last_update", "gte", "updated_since")],
}
# How many days before `now` each bound lies: a number, or the name of the setting that holds it.
BOUND_DAYS = {"registered_after": "LAGGING_GRACE_DAYS", "updated_since": LAGGING_DAYS}
_PYTHON = {"gt": operator.gt, "gte": operator.ge, "exact": operator.eq}
_SQL = {"gt": ">", "gte": ">=", "exact": "="}

# Where a queryset of enterprises finds the inputs: annotations of `annotate_lagging` (live, from the progress
# rows), or reporting's ProgressSummary (kept by the database, indexed: for lists over a whole province).
LIVE_INPUTS = {"created_at": "created_at", "last_update": "lagging_last_update", "not_started": "lagging_not_started"}
SUMMARY_INPUTS = {
    "created_at": "created_at",
    "last_update": "progress_summary__last_update",
    "not_started": "progress_summary__not_started",
    # How many of its progress rows are of measures that apply to it: more than none proves "applicable" without
    # judging every measure's scope against the enterprise (the summary counts only rows whose measure applies).
    "applicable_rows": "progress_summary__applicable",
    # The folded exemptions as one moment (`lagging_from`, below), kept by the database with the other inputs.
    "lagging_from": "progress_summary__lagging_from",
}


def _days(bound: str) -> int:
    days = BOUND_DAYS[bound]
    return getattr(settings, days) if isinstance(days, str) else days


def bounds(now=None) -> dict:
    """Each bound at `now`: a datetime, or an expression when `now` is one (`Now()`: the database's clock)."""
    now = now or timezone.now()
    return {bound: now - timedelta(days=_days(bound)) for bound in BOUND_DAYS}


def _bound(bound, now_bounds: dict):
    return now_bounds[bound] if isinstance(bound, str) else bound


# The exemptions as one moment ---------------------------------------------------------------------------------------
# An exemption whose moments are `input > now - age` (or `>=`) holds while `now < input + age` (`<=`: one tick of the
# clock longer): until the earliest of those ends, provided its other conditions hold (else it never holds). The
# enterprise is exempt while one of them holds, so it lags from the latest end on: `lagging_from`, and lagging at
# `now` is `lagging_from <= now`, one range of a btree index instead of a test of every row.
# Folded so are the exemptions over the progress inputs whose ages are written in the code (up to date): the
# database keeps that moment per enterprise in reporting's ProgressSummary, from the same inputs. An exemption over
# the enterprise's own columns or with an age from the settings (the grace period) stays a condition evaluated at
# `now`: a settings change then needs no recomputation, and tests may change the setting freely.
PROGRESS_INPUTS = ("last_update", "not_started")
TICK = timedelta(microseconds=1)  # the resolution of Python's and PostgreSQL's timestamps
_LONGER = {"gt": timedelta(0), "gte": TICK}
# lagging_from when no folded exemption can hold (no progress yet): lagging as soon as nothing else exempts.
ALWAYS = datetime(1970, 1, 1, tzinfo=UTC)


def _foldable(conditions) -> bool:
    moments = [(name, lookup, bound) for name, lookup, bound in conditions if isinstance(bound, str)]
    return (
        bool(moments)
        and all(name in PROGRESS_INPUTS for name, _lookup, _bound in conditions)
        and all(lookup in _LONGER and isinstance(BOUND_DAYS[bound], int) for _n, lookup, bound in moments)
    )


FOLDED = tuple(name for name, conditions in EXEMPTIONS.items() if _foldable(conditions))
UNFOLDED = tuple(name for name in EXEMPTIONS if name not in FOLDED)


def _ends(conditions) -> list[tuple[str, timedelta]]:
    """(input, how long after it) of each moment condition of a folded exemption: it holds while now < input + that."""
    return [
        (name, timedelta(days=_days(bound)) + _LONGER[lookup])
        for name, lookup, bound in conditions
        if isinstance(bound, str)
    ]


def lagging_from(*, last_update, not_started) -> datetime:
    """From when an applicable enterprise with these progress inputs lags, once no unfolded exemption holds."""
    values = {"last_update": last_update, "not_started": not_started}
    untils = []
    for name in FOLDED:
        conditions = EXEMPTIONS[name]
        if all(
            values[n] is not None and (isinstance(b, str) or _PYTHON[lookup](values[n], b))
            for n, lookup, b in conditions
        ):
            untils.append(min(values[n] + after for n, after in _ends(conditions)))
    return max(untils, default=ALWAYS)


def _interval(delta: timedelta) -> str:
    """An exact interval (seconds, not days: a day of PostgreSQL's intervals follows the session's DST)."""
    return f"interval '{delta.days * 86400 + delta.seconds}.{delta.microseconds:06d} seconds'"


def lagging_from_sql(columns: dict[str, str]) -> str:
    """SQL of `lagging_from` over SQL expressions of the progress inputs (`columns`: input name -> SQL)."""
    arms = []
    for name in FOLDED:
        conditions = EXEMPTIONS[name]
        holds = [f"{columns[n]} IS NOT NULL" for n in dict.fromkeys(n for n, _l, _b in conditions)]
        holds += [f"{columns[n]} {_SQL[lookup]} {int(b)}" for n, lookup, b in conditions if not isinstance(b, str)]
        ends = ", ".join(f"{columns[n]} + {_interval(after)}" for n, after in _ends(conditions))
        arms.append(f"CASE WHEN {' AND '.join(holds)} THEN LEAST({ends}) END")
    return f"COALESCE(GREATEST({', '.join(arms)}), TIMESTAMPTZ '{ALWAYS.isoformat()}')"


# One object -------------------------------------------------------------------------------------------------------


def lags(*, applicable: bool, created_at, last_update, not_started, now: datetime | None = None) -> bool:
    """The rule over its inputs (see the module docstring)."""
    values = {"created_at": created_at, "last_update": last_update, "not_started": not_started}
    now_bounds = bounds(now)

    def holds(conditions) -> bool:
        return all(
            values[name] is not None and _PYTHON[lookup](values[name], _bound(bound, now_bounds))
            for name, lookup, bound in conditions
        )

    return applicable and not any(holds(conditions) for conditions in EXEMPTIONS.values())


def is_lagging(enterprise: Enterprise, now: datetime | None = None) -> bool:
    progress = (
        Progress.objects.filter(enterprise=enterprise)
        .applicable()
        .aggregate(last_update=Max("updated_at"), not_started=Count("pk", filter=Q(status=Status.NOT_STARTED)))
    )
    return lags(
        applicable=applicable_measures(enterprise).exists(),
        created_at=enterprise.created_at,
        last_update=progress["last_update"],
        not_started=progress["not_started"] if progress["last_update"] is not None else None,
        now=now,
    )


# Querysets --------------------------------------------------------------------------------------------------------


def annotate_lagging(enterprises: QuerySet) -> QuerySet:
    """Annotate the rule's progress inputs (`LIVE_INPUTS`) from the enterprises' progress rows: the latest update
    and the number of 未启动 rows, both NULL without progress rows. Subqueries, so that the queryset's own
    aggregates (such as `enterprises.selectors.with_progress_summary`) are not multiplied."""
    rows = Progress.objects.filter(enterprise=OuterRef("pk")).applicable().order_by().values("enterprise")
    return enterprises.annotate(
        lagging_last_update=Subquery(rows.annotate(latest=Max("updated_at")).values("latest")),
        lagging_not_started=Subquery(rows.annotate(n=Count("pk", filter=Q(status=Status.NOT_STARTED))).values("n")),
    )


def exemption_q(name: str, *, now: datetime | None = None, inputs: dict = LIVE_INPUTS) -> Q:
    """Q for the enterprises the exemption `name` of `EXEMPTIONS` applies to, over the fields `inputs` names.
    Each condition says its input is not NULL, so that the negation in `lagging_q` keeps two-valued logic."""
    now_bounds = bounds(now)
    return reduce(
        operator.and_,
        (
            Q(**{f"{inputs[name]}__isnull": False, f"{inputs[name]}__{lookup}": _bound(bound, now_bounds)})
            for name, lookup, bound in EXEMPTIONS[name]
        ),
    )


def exempt_q(*, now: datetime | None = None, inputs: dict = LIVE_INPUTS, names=tuple(EXEMPTIONS)) -> Q:
    """Q for the enterprises one of the exemptions `names` applies to (none: no enterprise)."""
    arms = [exemption_q(name, now=now, inputs=inputs) for name in names]
    return reduce(operator.or_, arms) if arms else Q(pk__in=[])


def lagging_q(*, now: datetime | None = None, inputs: dict = LIVE_INPUTS) -> Q:
    """Q for the lagging enterprises of an Enterprise queryset: annotated by `annotate_lagging` with the default
    `inputs`, or as is with `inputs=SUMMARY_INPUTS`.

    Over the summaries, the folded exemptions are the one range `lagging_from <= now` (the summary's index) and
    only the others are tested per row; without `now`, `now` is the database's clock (`Now()`), so that the SQL of a
    list's lagging count is the same on every request (reform_portal.paging caches a province's count by its SQL)."""
    applicable = has_applicable_measures_q()
    if "applicable_rows" in inputs:
        # The cheap proof first: PostgreSQL evaluates an OR's arms in order and stops at the first that holds.
        # (NULL without a summary row: said not NULL, so that the negation in `?lagging=false` stays two-valued)
        rows = inputs["applicable_rows"]
        applicable = Q(**{f"{rows}__isnull": False, f"{rows}__gt": 0}) | applicable
    if "lagging_from" not in inputs:
        return applicable & ~exempt_q(now=now, inputs=inputs)
    now = now or Now()
    # NULL: no summary row (no applicable progress), so no folded exemption holds
    past = Q(**{f"{inputs['lagging_from']}__lte": now}) | Q(**{f"{inputs['lagging_from']}__isnull": True})
    return past & ~exempt_q(now=now, inputs=inputs, names=UNFOLDED) & applicable


def lagging_enterprises(enterprises: QuerySet, now: datetime | None = None) -> QuerySet:
    return annotate_lagging(enterprises).filter(lagging_q(now=now))


# SQL --------------------------------------------------------------------------------------------------------------


def exempt_enterprises_sql(columns: tuple[str, ...], now: datetime | None = None) -> tuple[str, list]:
    """SELECT id, *columns of every enterprise an exemption applies to, whether applicable or not (the caller
    restricts to the applicable ones, e.g. by joining the cells they fill): a UNION with one arm per exemption, so
    that each uses its own index (the up-to-date summaries have a partial index)."""
    arms = [
        Enterprise.objects.filter(exemption_q(name, now=now, inputs=SUMMARY_INPUTS))
        .order_by()
        .values_list("id", *columns)
        for name in EXEMPTIONS
    ]
    sql, params = arms[0].union(*arms[1:]).query.sql_with_params()
    return sql, list(params)
