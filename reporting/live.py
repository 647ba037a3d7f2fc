"""Dashboard figures computed live, for the filter combinations the stored rollup does not keep.

The snapshots (reporting/rollup.py) keep a document's figures by prefecture, county, measure, ownership and industry
one at a time (RollupSnapshot's groupings). A dashboard filtered by an enterprise's attributes together (ownership and
industry, supervision level, "all state-owned", size class, a county with an ownership…) is answered here instead,
from the very enterprises its drill-downs list (`selectors.scope_enterprises`: the access policy, the document's
applicability, every filter), with the one rules: what applies (`measures.applicability.enterprises_q`,
`Progress.objects.applicable`, `IndicatorValue.objects.applicable`), meeting a target (`measures.targets.met_q`),
lagging (`measures.lagging.lagging_q` over the summaries the database keeps, as the lagging drill-down) and submitted
(`reporting.assessments.choices.SUBMITTED_STATUSES`).

Three grouped queries, whatever the number of enterprises: the enterprises (how many, lagging, submitted, and per
measure and per indicator with a target how many it applies to), the progress rows and this year's values meeting
their target, each grouped by (prefecture, county[, measure]). Their cost follows the enterprises matching the filters
(they read those enterprises' progress rows by the enterprise index); `LIVE_TIMEOUT_MS` bounds it, and a dashboard
that times out says so rather than waiting. The result is cached with the page's figures (selectors.dashboard_data).

The rows returned have the snapshots' shape (COUNTS, mean_percent, submitted, computed_at), so `selectors.combine`
adds them up as it adds up snapshots."""

from dataclasses import dataclass

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.utils import OperationalError
from django.utils import timezone

from measures.applicability import enterprises_q
from measures.choices import Comparison, Status
from measures.lagging import SUMMARY_INPUTS, lagging_q
from measures.models import Indicator, IndicatorValue, Progress
from measures.targets import met_q
from reporting.assessments.choices import SUBMITTED_STATUSES

LIVE_TIMEOUT_MS = 15_000
PLACE = ("region_id", "county_id")
# A combination of more enterprises than this is computed by a worker (`tasks.rollup_live_figures`), not in the
# request: the page says 正在计算 and polls until the figures are cached (docs/performance/dashboard.md).
LIVE_JOB_THRESHOLD = 5_000


def live_is_large(base) -> bool:
    """Whether the enterprises `base` are more than LIVE_JOB_THRESHOLD: a COUNT over a LIMIT, the same cost at any
    size (the rule of `reform_portal.jobs.services.export_is_large`)."""
    return base.order_by()[: LIVE_JOB_THRESHOLD + 1].count() > LIVE_JOB_THRESHOLD


class LiveTooSlow(Exception):
    """The live figures took longer than LIVE_TIMEOUT_MS."""


@dataclass
class LiveRows:
    """Per (prefecture id, county id or None): the enterprises' figures summed over the measures (`places`), and per
    (prefecture id, county id, measure id) the measure's (`measures`)."""

    places: dict[tuple, dict]
    measures: dict[tuple, dict]


def _submitted_q(year: int):
    from .rollup import _assessment_tables  # the self-assessment tables may not exist yet (one look-up by name)

    tables = _assessment_tables()
    if not tables:
        return None
    assessment = tables[0].objects.filter(enterprise=OuterRef("pk"), period__year=year, status__in=SUBMITTED_STATUSES)
    return Q(Exists(assessment))


def _row(*, applicable, records, in_progress, done, ongoing, percent_sum, met, targets, lagging, submitted, at):
    return {
        "applicable": applicable,
        "records": records,
        "not_started": records - in_progress - done - ongoing,
        "in_progress": in_progress,
        "done": done,
        "ongoing": ongoing,
        "mean_percent": percent_sum / records if records else None,
        "indicator_met": met,
        "indicator_targets": targets,
        "lagging": lagging,
        "submitted": submitted,
        "computed_at": at,
    }


def live_rows(*, base, measures, year: int | None = None) -> LiveRows:
    """The figures of the enterprises `base` (a queryset of the dashboard's applicable enterprises, already narrowed
    by the access policy and every filter) on `measures` (the document's tracked measures, with their scope)."""
    at = timezone.now()
    year = year or timezone.localdate(at).year
    measures = list(measures)
    measure_ids = [m.pk for m in measures]
    indicators = list(
        Indicator.objects.filter(measure_id__in=measure_ids)
        .exclude(comparison=Comparison.INFO)
        .select_related("scope")
        .order_by("pk")
    )
    ids = base.order_by().values("pk")
    submitted_q = _submitted_q(year)
    aggregates = {
        "n": Count("pk"),
        "lagging": Count("pk", filter=lagging_q(inputs=SUMMARY_INPUTS)),
        **{f"m{m.pk}": Count("pk", filter=enterprises_q(m.scope)) for m in measures},
        **{f"i{i.pk}": Count("pk", filter=enterprises_q(i.scope)) for i in indicators},
    }
    if submitted_q is not None:
        aggregates["submitted"] = Count("pk", filter=submitted_q)
    try:
        outer = connection.in_atomic_block
        with transaction.atomic(), connection.cursor() as cursor:
            # one snapshot for the three queries (unless a caller's transaction already decides), and a bound on how
            # long they may take
            if not outer:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            cursor.execute(f"SET LOCAL statement_timeout = {int(LIVE_TIMEOUT_MS)}")
            enterprises = list(base.order_by().values(*PLACE).annotate(**aggregates))
            progress = list(
                Progress.objects.applicable()
                .filter(enterprise_id__in=ids, measure_id__in=measure_ids)
                .order_by()
                .values("enterprise__region_id", "enterprise__county_id", "measure_id")
                .annotate(
                    in_progress=Count("pk", filter=Q(status=Status.IN_PROGRESS)),
                    done=Count("pk", filter=Q(status=Status.DONE)),
                    ongoing=Count("pk", filter=Q(status=Status.ONGOING)),
                    percent_sum=Sum("percent"),
                )
            )
            met = list(
                IndicatorValue.objects.applicable()
                .filter(enterprise_id__in=ids, indicator__in=[i.pk for i in indicators], year=year)
                .filter(met_q())
                .order_by()
                .values("enterprise__region_id", "enterprise__county_id", "indicator__measure_id")
                .annotate(met=Count("pk"))
            )
    except OperationalError as exc:  # statement_timeout: QueryCanceled
        if "statement timeout" in str(exc) or "canceling statement" in str(exc):
            raise LiveTooSlow from exc
        raise
    by_measure_progress = {
        (r["enterprise__region_id"], r["enterprise__county_id"], r["measure_id"]): r for r in progress
    }
    by_measure_met = {
        (r["enterprise__region_id"], r["enterprise__county_id"], r["indicator__measure_id"]): r["met"] for r in met
    }
    indicators_of: dict[int, list] = {}
    for i in indicators:
        indicators_of.setdefault(i.measure_id, []).append(i)
    places, per_measure = {}, {}
    for e in enterprises:
        place = (e["region_id"], e["county_id"])
        submitted = e.get("submitted")
        totals = dict.fromkeys(("records", "in_progress", "done", "ongoing", "percent_sum", "met", "targets"), 0)
        for m in measures:
            p = by_measure_progress.get((*place, m.pk), {})
            counts = {
                "records": e[f"m{m.pk}"],
                "in_progress": p.get("in_progress", 0),
                "done": p.get("done", 0),
                "ongoing": p.get("ongoing", 0),
                "percent_sum": p.get("percent_sum") or 0,
                "met": by_measure_met.get((*place, m.pk), 0),
                "targets": sum(e[f"i{i.pk}"] for i in indicators_of.get(m.pk, ())),
            }
            for k, v in counts.items():
                totals[k] += v
            per_measure[(*place, m.pk)] = _row(
                applicable=e["n"], lagging=e["lagging"], submitted=submitted, at=at, **counts
            )
        places[place] = _row(applicable=e["n"], lagging=e["lagging"], submitted=submitted, at=at, **totals)
    return LiveRows(places=places, measures=per_measure)
