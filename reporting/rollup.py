"""Province-level rollups: set-based SQL from the tallies into dated snapshots.

One *part* = one (province, document): a document belongs to one province, so the part is keyed by the document.
A part runs in one transaction:

1. take a lock on the part (a PostgreSQL advisory lock), so a second run of the same part waits and then replaces
   the figures instead of adding to them;
2. count the document's applicable enterprises (`measures.applicability`'s queryset) per cell: how many, how many
   lagging (`measures.lagging`'s rule over the summary the database keeps per enterprise), how many submitted
   their self-assessment of the year;
3. join those cells to the tallies (reporting/tallies.py: the progress and indicator counts the database keeps
   per measure and cell, so a rollup does not re-read a million progress rows) into *cells* of prefecture ×
   ownership × industry × supervision level × measure;
4. delete that day's snapshots of the part and insert one row per scope of every grouping in GROUPINGS, each
   an `INSERT … SELECT … GROUP BY` over the cells;
5. the county figures (COUNTY_GROUPINGS): the county is not in the cell (it would multiply the tallies' keys
   about eightfold, to as many as the rows they count), so one `INSERT … SELECT` reads them from the source rows
   of the enterprises of the part's counties, with the same rules (`_insert_counties`).

A failure anywhere rolls the whole part back: the previous figures stay served. The portal runs on PostgreSQL
everywhere (`make run` too, on its embedded server), so the SQL is PostgreSQL's.
"""

import logging
import time
import uuid
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.conf import settings
from django.core.cache import cache
from django.db import connection, connections, transaction
from django.db.models import Count, Max, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Enterprise, Region
from measures.applicability import FACTS, applies_sql
from measures.choices import TRACKED_ADDRESSEES, Comparison, Status
from measures.lagging import exempt_enterprises_sql
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress, Scope
from measures.targets import met_sql
from reform_portal import replica
from reform_portal.locks import lock_one
from reform_portal.outbox.services import enqueue as outbox_enqueue
from reporting.assessments.choices import SUBMITTED_STATUSES

from . import list_counts, tallies
from .choices import RunKind, RunStatus
from .models import RollupRun, RollupSnapshot, ScopeTally

log = logging.getLogger(__name__)

GENERATION_KEY = "reporting:rollup-generation"
GENERATION_BUMP_TASK = "reporting.tasks.rollup_generation_bump"  # by name: services never import tasks
WORK_MEM = "64MB"
LOCK_NAMESPACE = 5005  # first key of the advisory lock; the second is the document id
FOLD_SLACK = 1000  # tally rows a part may carry beyond twice its cells before the rollup folds them
# A write's updated_at is taken when it is made, not when it commits: the refresh looks back this much further than
# the start of the run behind the figures, so a change committed just after the run read the rows is not missed.
WATERMARK_SLACK = timedelta(minutes=2)

# The scopes stored per document, as the dimensions each grouping keeps (besides province and document): those
# added up from the tallies' cells, and those counted per county from the source rows (`_insert_counties`).
CELL_GROUPINGS: tuple[tuple[str, ...], ...] = (
    (),
    ("measure_id",),
    ("prefecture_id",),
    ("prefecture_id", "measure_id"),
    ("ownership",),
    ("industry",),
    ("ownership", "measure_id"),
    ("industry", "measure_id"),
    ("prefecture_id", "ownership"),
    ("prefecture_id", "industry"),
)
COUNTY_GROUPINGS: tuple[tuple[str, ...], ...] = (("county_id",), ("county_id", "measure_id"))
GROUPINGS = CELL_GROUPINGS + COUNTY_GROUPINGS
KEY_ORDER = ("prefecture_id", "measure_id", "ownership", "industry", "county_id")
# A county's rows also name its prefecture (which the county determines).
IMPLIED = {"county_id": "prefecture_id"}


def stored_dims(dims: tuple[str, ...]) -> frozenset[str]:
    """The key columns that the rows of the grouping `dims` fill: its dimensions and those they imply."""
    return frozenset(dims) | {IMPLIED[d] for d in dims if d in IMPLIED}


def scope_key(
    *, province_id, document_id, prefecture_id=None, measure_id=None, ownership=None, industry=None, county_id=None
) -> str:
    """The text form of a scope; the SQL in `_key_sql` builds the same string."""
    parts = [province_id, document_id, prefecture_id, measure_id, ownership, industry, county_id]
    return "|".join("" if p is None else str(p) for p in parts)


def _key_sql(dims, province_id: int, document_id: int) -> str:
    pieces = [f"'{int(province_id)}|{int(document_id)}'"]
    for dim in KEY_ORDER:
        pieces.append("'|'")
        if dim in dims:
            pieces.append(f"COALESCE(CAST(c.{dim} AS TEXT), '')")
    return " || ".join(pieces)


@dataclass
class PartResult:
    document_id: int
    rows: int
    seconds: float


def _current_generation_bump():
    replica.wait_for_replica()  # the dashboard read on the replica must see the figures of the new generation
    generation_bump()


def generation_bump() -> bool:
    """A new generation: the dashboard's cached figures are read afresh. When the cache cannot take it (Redis away),
    the bump waits in the outbox for the broker (the same Redis) to return, so figures cached before the outage are
    not served after it. False when it could not be made now."""
    value = uuid.uuid4().hex
    cache.set(GENERATION_KEY, value, None)
    if cache.get(GENERATION_KEY) == value:
        return True
    log.warning("rollup: the cache did not take the new generation; the bump waits in the outbox")
    outbox_enqueue(GENERATION_BUMP_TASK)
    return False


def generation() -> str:
    """Changes whenever a rollup part commits: the dashboard's cache keys include it."""
    value = cache.get(GENERATION_KEY)
    if value is None:
        value = uuid.uuid4().hex
        cache.add(GENERATION_KEY, value, None)
        value = cache.get(GENERATION_KEY) or value
    return value


def _now_for(day: date) -> datetime:
    """The moment lagging is judged at: now for today, the end of the day for a past day."""
    now = timezone.now()
    if day >= timezone.localdate(now):
        return now
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), datetime.min.time())) - timedelta(
        microseconds=1
    )


def _assessment_tables():
    """(Assessment, ReportingPeriod) when the self-assessment models exist and are migrated, else None."""
    if not apps.is_installed("reporting.assessments"):
        return None
    try:
        assessment = apps.get_model("assessments", "Assessment")
        period = apps.get_model("assessments", "ReportingPeriod")
    except LookupError:
        return None
    # Two look-ups by name, not the catalogue's whole table list (introspection: ~10 ms, twice per rollup part).
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT to_regclass(%s) IS NOT NULL AND to_regclass(%s) IS NOT NULL",
            [assessment._meta.db_table, period._meta.db_table],
        )
        exists = cursor.fetchone()[0]
    return (assessment, period) if exists else None


def _submitted_sql(year: int) -> tuple[str, list] | None:
    """SELECT enterprise_id of the enterprises whose `year` self-assessment is submitted or accepted, or None."""
    tables = _assessment_tables()
    if not tables:
        return None
    assessment, _period = tables
    qs = assessment.objects.filter(period__year=year, status__in=SUBMITTED_STATUSES).order_by()
    sql, params = qs.values_list("enterprise_id").distinct().query.sql_with_params()
    return sql, list(params)


def _enterprise_cells_sql(document: PolicyDocument, now: datetime) -> tuple[str, list]:
    """SELECT per cell of the enterprises the document addresses (its scope's tally, `measures.applicability`):
    how many, how many lagging (`measures.lagging`'s rule: all but those it exempts, which it selects from the
    enterprises and the summaries the database keeps), how many have submitted their self-assessment of the year.

    The exempt and the submitted are counted in one pass over the addressed enterprises (each set joined by its id):
    the enterprises are the largest table a part reads, and a join per set read them twice."""
    cells_sql, cells_params = (
        ScopeTally.objects.filter(scope_id=document.scope_id)
        .values(*tallies.CELL)
        .annotate(applicable=Sum("enterprises"), tally_rows=Count("pk"))
        .filter(applicable__gt=0)
        .order_by()
        .query.sql_with_params()
    )
    exempt_sql, exempt_params = exempt_enterprises_sql((), now)
    e_cell = ", ".join("e." + c for c in tallies.CELL)
    same_cell = " AND ".join(f"f.{c} = a.{c}" for c in tallies.CELL)
    addressed_joins, addressed = tallies.applies_join(scope=str(int(document.scope_id)), enterprise="e")
    enterprise = Enterprise._meta.db_table
    submitted = _submitted_sql(timezone.localdate(now).year)
    if submitted:
        submitted_join = f"LEFT JOIN ({submitted[0]}) sub ON sub.enterprise_id = e.id"
        submitted_count, submitted_col = "COUNT(sub.enterprise_id)", "COALESCE(f.submitted, 0)"
        submitted_params = submitted[1]
        either = "(x.id IS NOT NULL OR sub.enterprise_id IS NOT NULL)"
    else:
        submitted_join, submitted_count, submitted_col, submitted_params = "", "0", "NULL", []
        either = "x.id IS NOT NULL"
    sql = f"""
        SELECT {", ".join("a." + c for c in tallies.CELL)}, a.applicable, a.tally_rows,
               a.applicable - COALESCE(f.exempt, 0) AS lagging, {submitted_col} AS submitted
        FROM ({cells_sql}) a
        LEFT JOIN (SELECT {e_cell}, COUNT(x.id) AS exempt, {submitted_count} AS submitted
                   FROM {enterprise} e
                   LEFT JOIN ({exempt_sql}) x ON x.id = e.id
                   {submitted_join}{addressed_joins}
                   WHERE {either} AND {addressed} GROUP BY {e_cell}) f
               ON {same_cell}
    """
    return sql, [*cells_params, *exempt_params, *submitted_params]


def _indicator_ids(measure_ids) -> list[int]:
    return list(
        Indicator.objects.filter(measure_id__in=measure_ids)
        .exclude(comparison=Comparison.INFO)
        .values_list("pk", flat=True)
    )


def _int(expression: str) -> str:
    # Integer cells: the groupings' SUMs then add in 64-bit integers instead of PostgreSQL's slower numerics.
    return f"CAST(COALESCE({expression}, 0) AS integer)"


def _build_cells(cursor, document: PolicyDocument, measure_ids: list[int], indicator_ids: list[int], now: datetime):
    """rollup_cell: per cell of the enterprises the document addresses and per measure, the enterprises' counts
    (applicable: addressed by the document; records: asked the measure; lagging; submitted), the progress and
    indicator tallies, and targets: how many (enterprise, indicator with a target) pairs of the measure apply. A
    tally of a cell the document does not address joins nothing and so counts for nothing."""
    in_measures, in_indicators = tallies.sql_id_list(measure_ids), tallies.sql_id_list(indicator_ids)
    cell = ", ".join(tallies.CELL)
    t_cell = ", ".join("t." + c for c in tallies.CELL)
    same_cell = " AND ".join(f"{{t}}.{c} = ec.{c}" for c in tallies.CELL)
    enterprise_cells, enterprise_params = _enterprise_cells_sql(document, now)
    cursor.execute("DROP TABLE IF EXISTS rollup_cell")
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_cell AS
        SELECT ec.region_id AS prefecture_id, ec.ownership, ec.industry, ec.supervision_level, m.id AS measure_id,
               {_int("ec.applicable")} AS applicable, {_int("mr.records")} AS records,
               {_int("ec.lagging")} AS lagging, CAST(ec.submitted AS integer) AS submitted,
               {_int("pc.in_progress")} AS in_progress, {_int("pc.done")} AS done, {_int("pc.ongoing")} AS ongoing,
               {_int("pc.sum_percent")} AS sum_percent, {_int("ac.met")} AS met,
               {_int("it.targets")} AS targets,
               -- how many tally rows fed the cell, against how many keys at most: when to fold them
               {_int("pc.tally_rows")} AS progress_rows, {_int("ac.tally_rows")} AS indicator_rows,
               CASE WHEN ac.tally_rows IS NULL THEN 0 ELSE {_int("ic.targets")} END AS indicator_keys,
               {_int("ec.tally_rows")} AS enterprise_rows
        FROM ({enterprise_cells}) ec
        CROSS JOIN (SELECT id FROM {Measure._meta.db_table} WHERE id IN ({in_measures})) m
        LEFT JOIN (SELECT measure_id, COUNT(*) AS targets FROM {Indicator._meta.db_table}
                   WHERE id IN ({in_indicators}) GROUP BY measure_id) ic
               ON ic.measure_id = m.id
        LEFT JOIN (SELECT m.id AS measure_id, {t_cell}, SUM(t.enterprises) AS records
                   FROM {Measure._meta.db_table} m JOIN {tallies.SCOPE_TALLY} t ON t.scope_id = m.scope_id
                   WHERE m.id IN ({in_measures}) GROUP BY m.id, {t_cell}) mr
               ON mr.measure_id = m.id AND {same_cell.format(t="mr")}
        LEFT JOIN (SELECT i.measure_id, {t_cell}, SUM(t.enterprises) AS targets
                   FROM {Indicator._meta.db_table} i JOIN {tallies.SCOPE_TALLY} t ON t.scope_id = i.scope_id
                   WHERE i.id IN ({in_indicators}) GROUP BY i.measure_id, {t_cell}) it
               ON it.measure_id = m.id AND {same_cell.format(t="it")}
        LEFT JOIN (SELECT measure_id, {cell}, SUM(in_progress) AS in_progress, SUM(done) AS done,
                          SUM(ongoing) AS ongoing, SUM(percent_sum) AS sum_percent, COUNT(*) AS tally_rows
                   FROM {tallies.PROGRESS_TALLY} WHERE measure_id IN ({in_measures})
                   GROUP BY measure_id, {cell}) pc
               ON pc.measure_id = m.id AND {same_cell.format(t="pc")}
        LEFT JOIN (SELECT i.measure_id, {", ".join("t." + c for c in tallies.CELL)}, SUM(t.met) AS met,
                          COUNT(*) AS tally_rows
                   FROM {tallies.INDICATOR_TALLY} t JOIN {Indicator._meta.db_table} i ON i.id = t.indicator_id
                   WHERE t.year = %s AND t.indicator_id IN ({in_indicators})
                   GROUP BY i.measure_id, {", ".join("t." + c for c in tallies.CELL)}) ac
               ON ac.measure_id = m.id AND {same_cell.format(t="ac")}
        """,
        [*enterprise_params, timezone.localdate(now).year],
    )


def _fold_if_worth_it(cursor, document, measure_ids, indicator_ids):
    """Fold a tally when the rows that fed this part's cells have grown to over twice its keys."""
    cursor.execute(
        "SELECT SUM(progress_rows), SUM(CASE WHEN progress_rows > 0 THEN 1 ELSE 0 END),"
        " SUM(indicator_rows), SUM(indicator_keys) FROM rollup_cell"
    )
    progress_rows, progress_keys, indicator_rows, indicator_keys = (n or 0 for n in cursor.fetchone())
    cursor.execute("SELECT SUM(enterprise_rows), COUNT(*) FROM rollup_ecell")
    enterprise_rows, enterprise_keys = (n or 0 for n in cursor.fetchone())
    if progress_rows > 2 * progress_keys + FOLD_SLACK:
        tallies.fold_progress(cursor, measure_ids)
    if indicator_rows > 2 * indicator_keys + FOLD_SLACK:
        tallies.fold_indicators(cursor, indicator_ids)
    if enterprise_rows > 2 * enterprise_keys + FOLD_SLACK:
        scope_ids = {document.scope_id}
        scope_ids |= set(Measure.objects.filter(document=document).values_list("scope_id", flat=True))
        scope_ids |= set(Indicator.objects.filter(measure__document=document).values_list("scope_id", flat=True))
        tallies.fold_scopes(cursor, sorted(scope_ids))
    list_counts.fold(cursor, document.pk)  # the enterprise list's counts per place, when their rows have grown
    list_counts.fold(cursor)


def _build_enterprise_cells(cursor):
    """rollup_ecell: rollup_cell summed over measures, for the groupings without a measure (a tenth of the rows).
    Applicable, lagging and submitted repeat on every measure of a cell: taken once; records add up."""
    cursor.execute("DROP TABLE IF EXISTS rollup_ecell")
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_ecell AS
        SELECT prefecture_id, ownership, industry, MAX(applicable) AS applicable,
               CAST(SUM(records) AS integer) AS records, MAX(lagging) AS lagging, MAX(submitted) AS submitted,
               CAST(SUM(in_progress) AS integer) AS in_progress, CAST(SUM(done) AS integer) AS done,
               CAST(SUM(ongoing) AS integer) AS ongoing, CAST(SUM(sum_percent) AS integer) AS sum_percent,
               CAST(SUM(met) AS integer) AS met, CAST(SUM(targets) AS integer) AS targets,
               MAX(enterprise_rows) AS enterprise_rows
        FROM rollup_cell GROUP BY prefecture_id, ownership, industry, {", ".join(tallies.CELL[3:])}
        """
    )


def _insert_groupings(cursor, groupings, *, day, document, computed_at, run_id) -> int:
    """One INSERT … SELECT … GROUP BY GROUPING SETS over the cells: one row per scope of each grouping of
    `groupings` (all with the measure, read from rollup_cell, or all without, from rollup_ecell). A cell's keys are
    never NULL, so a key column is NULL exactly in the rows of the groupings without it, and the scope key spells
    them as empty (`_key_sql`)."""
    table = RollupSnapshot._meta.db_table
    ops = connection.ops
    with_measure = {"measure_id" in dims for dims in groupings}
    assert len(with_measure) == 1, "groupings with and without the measure read different cells"
    source = "rollup_cell" if with_measure.pop() else "rollup_ecell"
    used = {d for dims in groupings for d in dims}
    applicable = "COALESCE(SUM(c.applicable), 0)"
    records = "COALESCE(SUM(c.records), 0)"
    started = "COALESCE(SUM(c.in_progress) + SUM(c.done) + SUM(c.ongoing), 0)"
    done = "COALESCE(SUM(c.done) + SUM(c.ongoing), 0)"
    select_dims = [f"c.{d}" if d in used else "NULL" for d in KEY_ORDER]
    sets = ", ".join("(" + ", ".join("c." + d for d in dims) + ")" for dims in groupings)
    sql = f"""
        INSERT INTO {table} (day, scope_key, province_id, document_id, {", ".join(KEY_ORDER)},
            applicable, records, not_started, in_progress, done, ongoing, completion_rate, mean_percent,
            indicator_met, indicator_targets, attainment_rate, lagging, submitted, submission_rate,
            computed_at, run_id)
        SELECT %s, {_key_sql(used, document.province_id, document.pk)}, %s, %s, {", ".join(select_dims)},
            {applicable}, {records}, {records} - {started},
            COALESCE(SUM(c.in_progress), 0), COALESCE(SUM(c.done), 0), COALESCE(SUM(c.ongoing), 0),
            CASE WHEN {records} > 0 THEN {done} * 1.0 / {records} END,
            CASE WHEN {records} > 0 THEN COALESCE(SUM(c.sum_percent), 0) * 1.0 / {records} END,
            COALESCE(SUM(c.met), 0), COALESCE(SUM(c.targets), 0),
            CASE WHEN SUM(c.targets) > 0 THEN SUM(c.met) * 1.0 / SUM(c.targets) END,
            COALESCE(SUM(c.lagging), 0),
            SUM(c.submitted),
            CASE WHEN {applicable} > 0 THEN SUM(c.submitted) * 1.0 / {applicable} END,
            %s, %s
        FROM {source} c
        GROUP BY GROUPING SETS ({sets})
    """
    params = [
        ops.adapt_datefield_value(day),
        document.province_id,
        document.pk,
        ops.adapt_datetimefield_value(computed_at),
        run_id,
    ]
    cursor.execute(sql, params)
    return cursor.rowcount


_STARTED = (Status.IN_PROGRESS, Status.DONE, Status.ONGOING)


def _counties_sql(document: PolicyDocument, measure_ids, indicator_ids, now: datetime) -> tuple[str, list]:
    """The CTEs of `_insert_counties`, ending in `county_cell`: per county of the part and measure, the figures of
    the enterprises registered in that county, counted from the source rows with the rules the tallies and the
    cells apply (`measures.applicability.applies_sql`: what applies; `measures.targets.met_sql`: meets the target;
    `measures.lagging.exempt_enterprises_sql`: not lagging; `_submitted_sql`: submitted)."""
    enterprise, scope = Enterprise._meta.db_table, Scope._meta.db_table
    in_measures, in_indicators = tallies.sql_id_list(measure_ids), tallies.sql_id_list(indicator_ids)
    facts = ", ".join(f"e.{f}" for f in dict.fromkeys(FACTS))
    exempt_sql, exempt_params = exempt_enterprises_sql((), now)
    submitted = _submitted_sql(timezone.localdate(now).year)
    if submitted:
        submitted_join = f"LEFT JOIN ({submitted[0]}) sub ON sub.enterprise_id = a.id"
        submitted_col, submitted_params = "COUNT(sub.enterprise_id)", submitted[1]
    else:
        submitted_join, submitted_col, submitted_params = "", "CAST(NULL AS integer)", []

    def applies(owner: str, alias: str) -> str:  # `owner`'s scope (joined as `alias`) applies to enterprise `a`
        return f"JOIN {scope} {alias} ON {alias}.id = {owner}.scope_id AND {applies_sql(alias, 'a', 'a.province_id')}"

    sql = f"""
        -- the enterprises of the part's counties that the document addresses
        addressed AS MATERIALIZED (
            SELECT e.id, e.county_id, e.region_id AS prefecture_id, rg.parent_id AS province_id, {facts}
            FROM {enterprise} e JOIN {tallies.REGION} rg ON rg.id = e.region_id
                 JOIN {scope} ds ON ds.id = %s AND {applies_sql("ds", "e", "rg.parent_id")}
            WHERE e.county_id IS NOT NULL AND rg.parent_id = %s
        ),
        county AS (
            SELECT a.county_id, MIN(a.prefecture_id) AS prefecture_id, COUNT(*) AS applicable,
                   COUNT(*) - COUNT(x.id) AS lagging, {submitted_col} AS submitted
            FROM addressed a LEFT JOIN ({exempt_sql}) x ON x.id = a.id {submitted_join}
            GROUP BY a.county_id
        ),
        -- per measure: the records (each enterprise asked the measure) and their progress rows
        asked AS (
            SELECT a.county_id, m.id AS measure_id, COUNT(*) AS records,
                   {", ".join(f"COUNT(*) FILTER (WHERE p.status = '{s}') AS {s}" for s in _STARTED)},
                   SUM(p.percent) AS sum_percent
            FROM addressed a JOIN {tallies.MEASURE} m ON m.id IN ({in_measures}) {applies("m", "ms")}
                 LEFT JOIN {tallies.PROGRESS} p ON p.enterprise_id = a.id AND p.measure_id = m.id
            GROUP BY a.county_id, m.id
        ),
        -- per measure: the (enterprise, indicator with a target) pairs asked, and this year's values meeting it
        targets AS (
            SELECT a.county_id, i.measure_id, COUNT(*) AS targets,
                   COUNT(*) FILTER (WHERE {met_sql("i", "v")}) AS met
            FROM addressed a JOIN {tallies.INDICATOR} i ON i.id IN ({in_indicators}) {applies("i", "isc")}
                 LEFT JOIN {tallies.VALUE} v ON v.enterprise_id = a.id AND v.indicator_id = i.id AND v.year = %s
            GROUP BY a.county_id, i.measure_id
        ),
        county_cell AS (
            SELECT c.county_id, c.prefecture_id, m.id AS measure_id, c.applicable, c.lagging, c.submitted,
                   {_int("r.records")} AS records, {_int("r.in_progress")} AS in_progress, {_int("r.done")} AS done,
                   {_int("r.ongoing")} AS ongoing, {_int("r.sum_percent")} AS sum_percent,
                   {_int("t.targets")} AS targets, {_int("t.met")} AS met
            FROM county c CROSS JOIN (SELECT id FROM {tallies.MEASURE} WHERE id IN ({in_measures})) m
            LEFT JOIN asked r ON r.county_id = c.county_id AND r.measure_id = m.id
            LEFT JOIN targets t ON t.county_id = c.county_id AND t.measure_id = m.id
        )
    """
    params = [document.scope_id, document.province_id, *exempt_params, *submitted_params, timezone.localdate(now).year]
    return sql, params


def _insert_counties(cursor, *, day, document, measure_ids, indicator_ids, now, computed_at, run_id) -> int:
    """The rows of COUNTY_GROUPINGS, per county and per (county, measure): one set-based INSERT … SELECT from the
    source rows (`_counties_sql`), both groupings at once (GROUPING SETS). Applicable, lagging and submitted repeat
    on every measure of a county: taken once for the county's row; the rest adds up. Enterprises without a county
    are in no county's row (they count in their prefecture's)."""
    table = RollupSnapshot._meta.db_table
    ops = connection.ops
    ctes, cte_params = _counties_sql(document, measure_ids, indicator_ids, now)
    records = "SUM(c.records)"
    done = "(SUM(c.done) + SUM(c.ongoing))"
    applicable = "MAX(c.applicable)"
    key = _key_sql(("prefecture_id", "measure_id", "county_id"), document.province_id, document.pk)
    sql = f"""
        WITH {ctes}
        INSERT INTO {table} (day, scope_key, province_id, document_id, {", ".join(KEY_ORDER)},
            applicable, records, not_started, in_progress, done, ongoing, completion_rate, mean_percent,
            indicator_met, indicator_targets, attainment_rate, lagging, submitted, submission_rate,
            computed_at, run_id)
        SELECT %s, {key}, %s, %s, c.prefecture_id, c.measure_id, NULL, NULL, c.county_id,
            {applicable}, {records}, {records} - SUM(c.in_progress) - {done},
            SUM(c.in_progress), SUM(c.done), SUM(c.ongoing),
            CASE WHEN {records} > 0 THEN {done} * 1.0 / {records} END,
            CASE WHEN {records} > 0 THEN SUM(c.sum_percent) * 1.0 / {records} END,
            SUM(c.met), SUM(c.targets),
            CASE WHEN SUM(c.targets) > 0 THEN SUM(c.met) * 1.0 / SUM(c.targets) END,
            MAX(c.lagging), MAX(c.submitted),
            CASE WHEN {applicable} > 0 THEN MAX(c.submitted) * 1.0 / {applicable} END,
            %s, %s
        FROM county_cell c
        GROUP BY GROUPING SETS ((c.prefecture_id, c.county_id), (c.prefecture_id, c.county_id, c.measure_id))
    """
    params = [
        *cte_params,
        ops.adapt_datefield_value(day),
        document.province_id,
        document.pk,
        ops.adapt_datetimefield_value(computed_at),
        run_id,
    ]
    cursor.execute(sql, params)
    return cursor.rowcount


def rollup_document(*, document: PolicyDocument, day: date, run: RollupRun | None = None) -> PartResult:
    """Recompute `day`'s snapshots of one (province, document) part, atomically and one run at a time."""
    started = time.monotonic()
    now = _now_for(day)
    measure_ids = list(
        Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, document.pk])
        # The hash aggregates over the enterprises and tallies fit in memory (for this transaction only).
        cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        # Snapshots can be recomputed at any time: their commit need not wait for the disk. After a crash that
        # loses it, the document has no snapshot for the day, which makes the next refresh recompute it.
        cursor.execute("SET LOCAL synchronous_commit = off")
        # Each statement's plan is cheap beside compiling it: at a million enterprises their estimated costs pass
        # jit_above_cost and the JIT compiles the applicability conditions for longer than they take to run.
        cursor.execute("SET LOCAL jit = off")
        RollupSnapshot.objects.filter(day=day, document=document).delete()
        rows = 0
        if measure_ids:
            indicator_ids = _indicator_ids(measure_ids)
            _build_cells(cursor, document, measure_ids, indicator_ids, now)
            _build_enterprise_cells(cursor)
            computed_at = timezone.now()
            # two statements, not one per grouping: the groupings with the measure, and those without
            for with_measure in (True, False):
                rows += _insert_groupings(
                    cursor,
                    [dims for dims in CELL_GROUPINGS if ("measure_id" in dims) == with_measure],
                    day=day,
                    document=document,
                    computed_at=computed_at,
                    run_id=run.pk if run else None,
                )
            rows += _insert_counties(
                cursor,
                day=day,
                document=document,
                measure_ids=measure_ids,
                indicator_ids=indicator_ids,
                now=now,
                computed_at=computed_at,
                run_id=run.pk if run else None,
            )
            _fold_if_worth_it(cursor, document, measure_ids, indicator_ids)
            cursor.execute("DROP TABLE IF EXISTS rollup_cell")
            cursor.execute("DROP TABLE IF EXISTS rollup_ecell")
        transaction.on_commit(_current_generation_bump)
    seconds = time.monotonic() - started
    log.info("rollup %s %s: %d rows in %.2fs", document.number, day, rows, seconds)
    return PartResult(document_id=document.pk, rows=rows, seconds=seconds)


# Runs ---------------------------------------------------------------------------------------------------------


def rollup_run_start(
    *, kind: str, day: date, documents, requested_by=None, province=None, queued: bool = False
) -> RollupRun:
    """Record a run of `documents`' parts: running (its parts are about to be sent), or queued (a task that claims it
    with `rollup_run_claim` sends them)."""
    now = timezone.now()
    return RollupRun.objects.create(
        kind=kind,
        day=day,
        province=province,
        parts_total=len(documents),
        requested_by=requested_by,
        status=(RunStatus.QUEUED if queued else RunStatus.RUNNING) if documents else RunStatus.SUCCEEDED,
        heartbeat_at=None if queued else now,
        finished_at=None if documents else now,
    )


def rollup_run_claim(*, run_id: int) -> RollupRun | None:
    """The task of a queued run starts it: queued → running, once (a second delivery of the task, or a run already
    expired as undelivered, gets None)."""
    claimed = RollupRun.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(
        status=RunStatus.RUNNING, heartbeat_at=timezone.now()
    )
    return RollupRun.objects.get(pk=run_id) if claimed else None


def rollup_run_part_finished(*, run_id: int, document_id: int | None = None, error: str = "") -> RollupRun:
    """Count one finished part, once per document; the last one closes the run (failed if any part failed). A run
    already closed (expired: its worker was thought dead) keeps its verdict."""
    with transaction.atomic():
        run = lock_one(RollupRun, run_id)
        if document_id is not None:
            if document_id in run.parts_seen:
                return run  # the same part delivered twice
            run.parts_seen = [*run.parts_seen, document_id]
        run.parts_done += 1
        run.heartbeat_at = timezone.now()
        if error:
            run.parts_failed += 1
            run.error = (run.error + "\n" + error).strip()[-4000:]
        if run.parts_done >= run.parts_total and run.finished_at is None:
            run.status = RunStatus.FAILED if run.parts_failed else RunStatus.SUCCEEDED
            run.finished_at = timezone.now()
        run.save()
    return run


def rollup_part_run(*, run_id: int | None, document_id: int, day: date) -> PartResult | None:
    """Run one part of a run and account for it, whether it succeeds or fails."""
    document = PolicyDocument.objects.get(pk=document_id)
    run = RollupRun.objects.filter(pk=run_id).first() if run_id else None
    if run_id:
        RollupRun.objects.filter(pk=run_id, finished_at__isnull=True).update(heartbeat_at=timezone.now())
    try:
        result = rollup_document(document=document, day=day, run=run)
    except Exception as exc:
        if run_id:
            rollup_run_part_finished(run_id=run_id, document_id=document_id, error=f"{document.number}: {exc!r}")
        raise
    if run_id:
        rollup_run_part_finished(run_id=run_id, document_id=document_id)
    return result


def run_time_limit() -> timedelta:
    """How long a part may take (Celery stops it then: `ROLLUP_TIME_LIMIT_SECONDS`)."""
    return timedelta(seconds=settings.ROLLUP_TIME_LIMIT_SECONDS)


# A part stopped at its time limit needs a moment to report; a run silent for longer than both has no live worker.
EXPIRY_GRACE = timedelta(minutes=1)


def rollup_runs_expire(*, now: datetime | None = None) -> list[RollupRun]:
    """Mark failed, with the reason, the runs still queued or running that showed no sign of life (a part starting
    or finishing) for longer than a part may take: their worker died, or their task never reached one. Their parts'
    figures of the day stay as they were, so the next refresh recomputes what they did not."""
    now = now or timezone.now()
    cutoff = now - run_time_limit() - EXPIRY_GRACE
    minutes = round(settings.ROLLUP_TIME_LIMIT_SECONDS / 60)
    reasons = {
        RunStatus.QUEUED: _("任务在 %(m)s 分钟内未被工作进程接收（消息队列或工作进程不可用），已放弃。"),
        RunStatus.RUNNING: _("超过 %(m)s 分钟没有进展，工作进程可能已中止；未完成的部分将由下次刷新重算。"),
    }
    expired = []
    stale = (
        RollupRun.objects.filter(status__in=list(reasons), finished_at__isnull=True)
        .annotate(alive_at=Coalesce("heartbeat_at", "started_at"))
        .filter(alive_at__lt=cutoff)
    )
    for run_id in stale.values_list("pk", flat=True):
        with transaction.atomic():
            run = lock_one(RollupRun, run_id)
            if run.finished_at is not None or (run.heartbeat_at or run.started_at) >= cutoff:
                continue  # it moved meanwhile
            reason = str(reasons[run.status] % {"m": minutes})
            run.status, run.finished_at = RunStatus.FAILED, now
            run.error = (run.error + "\n" + reason).strip()[-4000:]
            run.save()
        log.error("rollup run %s expired: %s", run.pk, reason)
        expired.append(run)
    return expired


def documents_to_roll(*, province=None):
    qs = PolicyDocument.objects.order_by("pk")
    if province is not None:
        qs = qs.filter(province=province)
    return list(qs)


def rollup_full_now(*, day: date | None = None, requested_by=None) -> tuple[RollupRun, list[PartResult]]:
    """The full rollup in this process (the `rollup` command; the worker fans out instead): the parts run side by
    side, one thread and connection each, as the workers' group would. Inside a transaction (a test's) they run one
    after the other on this connection, which alone sees its uncommitted rows."""
    day = day or timezone.localdate()
    documents = documents_to_roll()
    run = rollup_run_start(kind=RunKind.FULL, day=day, documents=documents, requested_by=requested_by)

    def part(document):
        return rollup_part_run(run_id=run.pk, document_id=document.pk, day=day)

    if not connection.in_atomic_block and len(documents) > 1:
        with ThreadPoolExecutor(max_workers=len(documents), thread_name_prefix="rollup-part") as pool:
            results = list(pool.map(_closing_connections(part), documents))
    else:
        results = [part(document) for document in documents]
    run.refresh_from_db()
    return run, results


def _closing_connections(fn):
    """`fn` for a worker thread: the thread's database connection is closed when it returns."""

    def wrapper(*args):
        try:
            return fn(*args)
        finally:
            connections.close_all()

    return wrapper


def changed_documents(*, since: datetime | Mapping[int, datetime] | None) -> list[PolicyDocument]:
    """Documents whose figures of today may have moved since `since`: one moment for every document, or a moment
    per document id (`refresh_watermarks`; a document without one counts as changed). Moved: its progress or
    indicator values, or its province's enterprises or self-assessments, changed at or after its moment, or it has
    no snapshot for today yet. Each check is one indexed query."""
    documents = documents_to_roll()
    marks = since if isinstance(since, Mapping) else {d.pk: since for d in documents}
    marks = {pk: mark for pk, mark in marks.items() if mark is not None}
    if not marks:
        return documents
    earliest = min(marks.values())
    # When each document's (and each province's) inputs last changed, among the changes since the earliest mark.
    by_document = [
        _last_change(Progress.objects.filter(updated_at__gte=earliest), "measure__document_id"),
        _last_change(IndicatorValue.objects.filter(updated_at__gte=earliest), "indicator__measure__document_id"),
    ]
    by_province = [_last_change(Enterprise.objects.filter(updated_at__gte=earliest), "region__parent_id")]
    tables = _assessment_tables()
    if tables:
        # A self-assessment moves the submission rate of its province's documents.
        assessment, _period = tables
        by_province.append(
            _last_change(assessment.objects.filter(updated_at__gte=earliest), "enterprise__region__parent_id")
        )
    have_today = set(
        RollupSnapshot.objects.filter(day=timezone.localdate()).values_list("document_id", flat=True).distinct()
    )

    def moved(document) -> bool:
        mark = marks.get(document.pk)
        if mark is None or document.pk not in have_today:
            return True
        changes = [c.get(document.pk) for c in by_document] + [c.get(document.province_id) for c in by_province]
        return any(change is not None and change >= mark for change in changes)

    return [d for d in documents if moved(d)]


def _last_change(queryset, key: str) -> dict[int, datetime]:
    """{key: the latest updated_at} over `queryset`."""
    return dict(queryset.order_by().values(key).annotate(last=Max("updated_at")).values_list(key, "last"))


def refresh_watermarks(*, day: date) -> dict[int, datetime]:
    """Per document id, the moment since which changes may be missing from its figures of `day`, for the refresh:
    when the run that computed those figures started (its part read the rows after that), less WATERMARK_SLACK.
    Each (province, document) has its own, so a province's "立即刷新" leaves the other provinces' changes due.
    A document whose figures of the day were computed outside a run, or not yet, has none."""
    started = RollupSnapshot.objects.filter(
        day=day,
        run__isnull=False,
        # the province-wide row: exactly one per part and day, written by the run that computed them all
        prefecture__isnull=True,
        measure__isnull=True,
        ownership__isnull=True,
        industry__isnull=True,
    ).values_list("document_id", "run__started_at")
    return {document_id: start - WATERMARK_SLACK for document_id, start in started}


def rollup_refresh_request(*, province: Region, by, enqueue: Callable[[int], object]) -> RollupRun:
    """SASAC staff ask for today's figures of their province now: record the run, queued, and hand its id to
    `enqueue` in the same transaction (the caller passes the outbox bound to `reporting.tasks.rollup_refresh_province`,
    which records the call with the run and sends it after commit: tasks import this module, never the reverse). The
    task claims the run when a worker takes it; until then the dashboard shows it 排队中, not 进行中."""
    documents = documents_to_roll(province=province)
    with transaction.atomic():
        run = rollup_run_start(
            kind=RunKind.REFRESH,
            day=timezone.localdate(),
            documents=documents,
            requested_by=by,
            province=province,
            queued=True,
        )
        if documents:
            enqueue(run.pk)
    return run
