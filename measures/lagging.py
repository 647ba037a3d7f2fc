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
  selects from the applicable ones), compiled by the ORM from the same Q.
Each face takes `now` (default: the current time) so that a rollup can judge a past day.
"""

import operator
from datetime import datetime, timedelta
from functools import reduce

from django.conf import settings
from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone

from enterprises.models import Enterprise

from .applicability import applicable_measures, has_applicable_measures_q
from .choices import Status
from .models import Progress

LAGGING_DAYS = 90

# An applicable enterprise lags unless one of these holds. Each is a list of (input, lookup, bound) conditions that
# must all hold; a bound is a key of `bounds(now)` or a constant. Inputs: `created_at` (when it was registered),
# `last_update` (its latest progress change) and `not_started` (how many of its progress rows are 未启动); both
# NULL for an enterprise without progress rows. A condition on a NULL input does not hold.
EXEMPTIONS = {
    "in_grace": [("created_at", "gt", "registered_after")],
    "up_to_date": [("not_started", "exact", 0), ("last_update", "gte", "updated_since")],
}
_PYTHON = {"gt": operator.gt, "gte": operator.ge, "exact": operator.eq}

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
}


def bounds(now: datetime | None = None) -> dict[str, datetime]:
    now = now or timezone.now()
    return {
        "registered_after": now - timedelta(days=settings.LAGGING_GRACE_DAYS),
        "updated_since": now - timedelta(days=LAGGING_DAYS),
    }


def _bound(bound, now_bounds: dict):
    return now_bounds[bound] if isinstance(bound, str) else bound


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


def exempt_q(*, now: datetime | None = None, inputs: dict = LIVE_INPUTS) -> Q:
    return reduce(operator.or_, (exemption_q(name, now=now, inputs=inputs) for name in EXEMPTIONS))


def lagging_q(*, now: datetime | None = None, inputs: dict = LIVE_INPUTS) -> Q:
    """Q for the lagging enterprises of an Enterprise queryset: annotated by `annotate_lagging` with the default
    `inputs`, or as is with `inputs=SUMMARY_INPUTS`."""
    applicable = has_applicable_measures_q()
    if "applicable_rows" in inputs:
        # The cheap proof first: PostgreSQL evaluates an OR's arms in order and stops at the first that holds.
        applicable = Q(**{f"{inputs['applicable_rows']}__gt": 0}) | applicable
    return applicable & ~exempt_q(now=now, inputs=inputs)


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
