"""Province-level rollups: set-based SQL from progress, indicator values and assessments into dated snapshots.

One *part* = one (province, document): a document belongs to one province, so the part is keyed by the document.
A part runs in one transaction:

1. take a lock on the part (PostgreSQL advisory lock; SQLite has one writer at a time anyway), so a second run of
   the same part waits and then replaces the figures instead of adding to them;
2. build a temporary table of the document's applicable enterprises, each with its lagging flag, from the ORM
   querysets of `measures.applicability` and `measures.lagging` (their definitions, not copies);
3. aggregate progress and indicator values over those enterprises into *cells* of prefecture × ownership ×
   industry × measure (a few thousand rows at most, whatever the number of enterprises);
4. delete that day's snapshots of the part and insert one row per scope of every grouping in GROUPINGS, each
   an `INSERT … SELECT … GROUP BY` over the cells.

A failure anywhere rolls the whole part back: the previous figures stay served. The SQL is portable (PostgreSQL for
production and tests, SQLite for `make run`).
"""

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.apps import apps
from django.core.cache import cache
from django.db import connection, transaction
from django.utils import timezone

from enterprises.models import Enterprise, Region
from measures.applicability import enterprises_for_document
from measures.choices import TRACKED_ADDRESSEES, Comparison, Status
from measures.lagging import lagging_flags_sql
from measures.models import Indicator, IndicatorValue, Measure, PolicyDocument, Progress

from .choices import RunKind, RunStatus
from .models import LaggingEnterprise, RollupRun, RollupSnapshot

log = logging.getLogger(__name__)

GENERATION_KEY = "reporting:rollup-generation"
WORK_MEM = "64MB"
LOCK_NAMESPACE = 5005  # first key of the advisory lock; the second is the document id

# The scopes stored per document, as the dimensions each grouping keeps (besides province and document).
GROUPINGS: tuple[tuple[str, ...], ...] = (
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
KEY_ORDER = ("prefecture_id", "measure_id", "ownership", "industry")


def scope_key(*, province_id, document_id, prefecture_id=None, measure_id=None, ownership=None, industry=None) -> str:
    """The text form of a scope; the SQL in `_key_sql` builds the same string."""
    parts = [province_id, document_id, prefecture_id, measure_id, ownership, industry]
    return "|".join("" if p is None else str(p) for p in parts)


def _key_sql(dims: tuple[str, ...], province_id: int, document_id: int) -> str:
    pieces = [f"'{int(province_id)}|{int(document_id)}'"]
    for dim in KEY_ORDER:
        pieces.append("'|'")
        if dim in dims:
            pieces.append(f"CAST(c.{dim} AS TEXT)")
    return " || ".join(pieces)


@dataclass
class PartResult:
    document_id: int
    rows: int
    seconds: float


def _current_generation_bump():
    cache.set(GENERATION_KEY, uuid.uuid4().hex, None)


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
    tables = set(connection.introspection.table_names())
    if assessment._meta.db_table not in tables or period._meta.db_table not in tables:
        return None
    return assessment, period


def _applicable_sql(document: PolicyDocument, *fields: str) -> tuple[str, list]:
    """SELECT `fields` of the document's applicable enterprises (measures.applicability's definition, as SQL)."""
    sql, params = enterprises_for_document(document).order_by().values_list(*fields).query.sql_with_params()
    return sql, list(params)


def _submitted_sql(year: int) -> tuple[str, list] | None:
    """SELECT enterprise_id of the enterprises whose `year` self-assessment is submitted or accepted, or None."""
    tables = _assessment_tables()
    if not tables:
        return None
    assessment, _period = tables
    qs = assessment.objects.filter(period__year=year, status__in=["submitted", "accepted"]).order_by()
    sql, params = qs.values_list("enterprise_id").distinct().query.sql_with_params()
    return sql, list(params)


def _build_enterprises(cursor, document: PolicyDocument, now: datetime):
    """rollup_ent: one row per applicable enterprise with its cell keys, lagging flag (one GROUP BY enterprise over
    progress, the SQL twin of measures.lagging) and whether its assessment of the year is submitted."""
    ids_sql, ids_params = _applicable_sql(document, "id")
    cols_sql, cols_params = _applicable_sql(document, "id", "region_id", "ownership", "industry")
    flags_sql, flags_params = lagging_flags_sql(ids_sql, ids_params, now)
    submitted = _submitted_sql(timezone.localdate(now).year)
    if submitted:
        submitted_col = "CASE WHEN s.enterprise_id IS NULL THEN 0 ELSE 1 END"
        submitted_join = f"LEFT JOIN ({submitted[0]}) s ON s.enterprise_id = a.id"
        submitted_params = submitted[1]
    else:
        submitted_col, submitted_join, submitted_params = "NULL", "", []
    cursor.execute("DROP TABLE IF EXISTS rollup_ent")
    cursor.execute(
        "CREATE TEMP TABLE rollup_ent (enterprise_id bigint, prefecture_id bigint, ownership varchar(20),"
        " industry varchar(1), lagging integer, last_update timestamp with time zone, has_not_started integer,"
        " submitted integer)"
        if connection.vendor == "postgresql"
        else "CREATE TEMP TABLE rollup_ent (enterprise_id bigint, prefecture_id bigint, ownership varchar(20),"
        " industry varchar(1), lagging integer, last_update datetime, has_not_started integer, submitted integer)"
    )
    cursor.execute(
        f"""
        INSERT INTO rollup_ent
        SELECT a.id, a.region_id, a.ownership, a.industry, f.lagging, f.last_progress_update, f.has_not_started,
               {submitted_col}
        FROM ({cols_sql}) a
        JOIN ({flags_sql}) f ON f.enterprise_id = a.id
        {submitted_join}
        """,
        [*cols_params, *flags_params, *submitted_params],
    )
    if connection.vendor == "postgresql":
        cursor.execute("ANALYZE rollup_ent")


def _met_sql() -> str:
    # The SQL twin of Indicator.is_met: a value meets its indicator's target.
    return (
        f"((i.comparison = '{Comparison.GTE}' AND v.value >= i.target)"
        f" OR (i.comparison = '{Comparison.LTE}' AND v.value <= i.target)"
        f" OR (i.comparison = '{Comparison.EQ}' AND v.value = i.target)"
        f" OR (i.comparison = '{Comparison.TRUE}' AND v.value >= 1))"
    )


def _build_cells(cursor, document: PolicyDocument, measure_ids: list[int], now: datetime):
    progress = Progress._meta.db_table
    indicator = Indicator._meta.db_table
    value = IndicatorValue._meta.db_table
    measure = Measure._meta.db_table
    cursor.execute("DROP TABLE IF EXISTS rollup_cell")
    _build_enterprises(cursor, document, now)
    in_measures = ", ".join(str(int(pk)) for pk in measure_ids) or "NULL"
    year = timezone.localdate(now).year
    cursor.execute(
        f"""
        CREATE TEMP TABLE rollup_cell AS
        SELECT ec.prefecture_id, ec.ownership, ec.industry, m.id AS measure_id,
               ec.applicable, ec.lagging, ec.submitted,
               COALESCE(pc.in_progress, 0) AS in_progress, COALESCE(pc.done, 0) AS done,
               COALESCE(pc.ongoing, 0) AS ongoing, COALESCE(pc.sum_percent, 0) AS sum_percent,
               COALESCE(ac.met, 0) AS met, ec.applicable * COALESCE(ic.targets, 0) AS targets
        FROM (SELECT prefecture_id, ownership, industry, COUNT(*) AS applicable, SUM(lagging) AS lagging,
                     SUM(submitted) AS submitted
              FROM rollup_ent GROUP BY prefecture_id, ownership, industry) ec
        CROSS JOIN (SELECT id FROM {measure} WHERE id IN ({in_measures})) m
        LEFT JOIN (SELECT measure_id, COUNT(*) AS targets FROM {indicator}
                   WHERE comparison <> %s AND measure_id IN ({in_measures}) GROUP BY measure_id) ic
               ON ic.measure_id = m.id
        LEFT JOIN (SELECT e.prefecture_id, e.ownership, e.industry, p.measure_id,
                          SUM(CASE WHEN p.status = %s THEN 1 ELSE 0 END) AS in_progress,
                          SUM(CASE WHEN p.status = %s THEN 1 ELSE 0 END) AS done,
                          SUM(CASE WHEN p.status = %s THEN 1 ELSE 0 END) AS ongoing,
                          SUM(p.percent) AS sum_percent
                   FROM {progress} p
                   JOIN rollup_ent e ON e.enterprise_id = p.enterprise_id
                   WHERE p.measure_id IN ({in_measures})
                   GROUP BY e.prefecture_id, e.ownership, e.industry, p.measure_id) pc
               ON pc.prefecture_id = ec.prefecture_id AND pc.ownership = ec.ownership
              AND pc.industry = ec.industry AND pc.measure_id = m.id
        LEFT JOIN (SELECT e.prefecture_id, e.ownership, e.industry, i.measure_id, COUNT(*) AS met
                   FROM {value} v JOIN {indicator} i ON i.id = v.indicator_id
                   JOIN rollup_ent e ON e.enterprise_id = v.enterprise_id
                   WHERE v.year = %s AND i.comparison <> %s AND i.measure_id IN ({in_measures}) AND {_met_sql()}
                   GROUP BY e.prefecture_id, e.ownership, e.industry, i.measure_id) ac
               ON ac.prefecture_id = ec.prefecture_id AND ac.ownership = ec.ownership
              AND ac.industry = ec.industry AND ac.measure_id = m.id
        """,
        [
            Comparison.INFO,
            Status.IN_PROGRESS,
            Status.DONE,
            Status.ONGOING,
            year,
            Comparison.INFO,
        ],
    )


def _store_lagging(cursor, *, document: PolicyDocument, day: date):
    """Replace the document's list of lagging enterprises by today's (read by the dashboard's lagging table)."""
    LaggingEnterprise.objects.filter(document=document).delete()
    cursor.execute(
        f"INSERT INTO {LaggingEnterprise._meta.db_table}"
        " (document_id, enterprise_id, day, last_update, has_not_started)"
        " SELECT %s, enterprise_id, %s, last_update, has_not_started = 1 FROM rollup_ent WHERE lagging = 1",
        [document.pk, connection.ops.adapt_datefield_value(day)],
    )


def _insert_grouping(cursor, dims, *, day, document, first_measure_id, computed_at, run_id) -> int:
    """INSERT … SELECT … GROUP BY over the cells: one row per scope of the grouping `dims`."""
    table = RollupSnapshot._meta.db_table
    ops = connection.ops
    by_measure = "measure_id" in dims
    # Applicable enterprises, lagging and submitted repeat on every measure of a cell: count them once.
    once = "SUM({col})" if by_measure else f"SUM(CASE WHEN c.measure_id = {int(first_measure_id)} THEN {{col}} END)"
    applicable = f"COALESCE({once.format(col='c.applicable')}, 0)"
    records = "COALESCE(SUM(c.applicable), 0)"
    started = "COALESCE(SUM(c.in_progress) + SUM(c.done) + SUM(c.ongoing), 0)"
    done = "COALESCE(SUM(c.done) + SUM(c.ongoing), 0)"
    submitted = once.format(col="c.submitted")
    select_dims = [f"c.{d}" if d in dims else "NULL" for d in KEY_ORDER]
    group_by = f"GROUP BY {', '.join('c.' + d for d in dims)}" if dims else ""
    sql = f"""
        INSERT INTO {table} (day, scope_key, province_id, document_id, prefecture_id, measure_id, ownership, industry,
            applicable, records, not_started, in_progress, done, ongoing, completion_rate, mean_percent,
            indicator_met, indicator_targets, attainment_rate, lagging, submitted, submission_rate,
            computed_at, run_id)
        SELECT %s, {_key_sql(dims, document.province_id, document.pk)}, %s, %s, {", ".join(select_dims)},
            {applicable}, {records}, {records} - {started},
            COALESCE(SUM(c.in_progress), 0), COALESCE(SUM(c.done), 0), COALESCE(SUM(c.ongoing), 0),
            CASE WHEN {records} > 0 THEN {done} * 1.0 / {records} END,
            CASE WHEN {records} > 0 THEN COALESCE(SUM(c.sum_percent), 0) * 1.0 / {records} END,
            COALESCE(SUM(c.met), 0), COALESCE(SUM(c.targets), 0),
            CASE WHEN SUM(c.targets) > 0 THEN SUM(c.met) * 1.0 / SUM(c.targets) END,
            COALESCE({once.format(col="c.lagging")}, 0),
            {submitted},
            CASE WHEN {applicable} > 0 THEN {submitted} * 1.0 / {applicable} END,
            %s, %s
        FROM rollup_cell c
        {group_by}
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
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [LOCK_NAMESPACE, document.pk])
            # The hash aggregates of the one pass over progress fit in memory (for this transaction only).
            cursor.execute(f"SET LOCAL work_mem = '{WORK_MEM}'")
        RollupSnapshot.objects.filter(day=day, document=document).delete()
        rows = 0
        if measure_ids:
            _build_cells(cursor, document, measure_ids, now)
            if day >= timezone.localdate():
                _store_lagging(cursor, document=document, day=day)
            computed_at = timezone.now()
            for dims in GROUPINGS:
                rows += _insert_grouping(
                    cursor,
                    dims,
                    day=day,
                    document=document,
                    first_measure_id=measure_ids[0],
                    computed_at=computed_at,
                    run_id=run.pk if run else None,
                )
            cursor.execute("DROP TABLE IF EXISTS rollup_cell")
            cursor.execute("DROP TABLE IF EXISTS rollup_ent")
        transaction.on_commit(_current_generation_bump)
    seconds = time.monotonic() - started
    log.info("rollup %s %s: %d rows in %.2fs", document.number, day, rows, seconds)
    return PartResult(document_id=document.pk, rows=rows, seconds=seconds)


# Runs ---------------------------------------------------------------------------------------------------------


def rollup_run_start(*, kind: str, day: date, documents, requested_by=None, province=None) -> RollupRun:
    return RollupRun.objects.create(
        kind=kind,
        day=day,
        province=province,
        parts_total=len(documents),
        requested_by=requested_by,
        status=RunStatus.RUNNING if documents else RunStatus.SUCCEEDED,
        finished_at=None if documents else timezone.now(),
    )


def rollup_run_part_finished(*, run_id: int, error: str = "") -> RollupRun:
    """Count one finished part; the last one closes the run (failed if any part failed)."""
    with transaction.atomic():
        run = RollupRun.objects.select_for_update().get(pk=run_id)
        run.parts_done += 1
        if error:
            run.parts_failed += 1
            run.error = (run.error + "\n" + error).strip()[-4000:]
        if run.parts_done >= run.parts_total:
            run.status = RunStatus.FAILED if run.parts_failed else RunStatus.SUCCEEDED
            run.finished_at = timezone.now()
        run.save()
    return run


def rollup_part_run(*, run_id: int | None, document_id: int, day: date) -> PartResult | None:
    """Run one part of a run and account for it, whether it succeeds or fails."""
    document = PolicyDocument.objects.get(pk=document_id)
    run = RollupRun.objects.filter(pk=run_id).first() if run_id else None
    try:
        result = rollup_document(document=document, day=day, run=run)
    except Exception as exc:
        if run_id:
            rollup_run_part_finished(run_id=run_id, error=f"{document.number}: {exc!r}")
        raise
    if run_id:
        rollup_run_part_finished(run_id=run_id)
    return result


def documents_to_roll(*, province=None):
    qs = PolicyDocument.objects.order_by("pk")
    if province is not None:
        qs = qs.filter(province=province)
    return list(qs)


def rollup_full_now(*, day: date | None = None, requested_by=None) -> tuple[RollupRun, list[PartResult]]:
    """The full rollup in this process, part after part (the `rollup` command; the worker fans out instead)."""
    day = day or timezone.localdate()
    documents = documents_to_roll()
    run = rollup_run_start(kind=RunKind.FULL, day=day, documents=documents, requested_by=requested_by)
    results = []
    for document in documents:
        results.append(rollup_part_run(run_id=run.pk, document_id=document.pk, day=day))
    run.refresh_from_db()
    return run, results


def changed_documents(*, since: datetime | None) -> list[PolicyDocument]:
    """Documents whose figures may have moved since `since`: progress, indicator values, enterprises or
    self-assessments changed, or no snapshot for today yet. Each check is one indexed query."""
    documents = documents_to_roll()
    if since is None:
        return documents
    today = timezone.localdate()
    changed: set[int] = set(
        Progress.objects.filter(updated_at__gte=since).values_list("measure__document_id", flat=True).distinct()
    )
    changed |= set(
        IndicatorValue.objects.filter(updated_at__gte=since)
        .values_list("indicator__measure__document_id", flat=True)
        .distinct()
    )
    provinces = set(
        Enterprise.objects.filter(updated_at__gte=since).values_list("region__parent_id", flat=True).distinct()
    )
    tables = _assessment_tables()
    if tables:
        # A self-assessment moves the submission rate of its province's documents.
        assessment, _period = tables
        provinces |= set(
            assessment.objects.filter(updated_at__gte=since)
            .values_list("enterprise__region__parent_id", flat=True)
            .distinct()
        )
    have_today = set(RollupSnapshot.objects.filter(day=today).values_list("document_id", flat=True).distinct())
    return [d for d in documents if d.pk in changed or d.province_id in provinces or d.pk not in have_today]


def last_successful_start() -> datetime | None:
    run = RollupRun.objects.filter(status=RunStatus.SUCCEEDED).order_by("-started_at").first()
    return run.started_at if run else None


def latest_run(*, province: Region | None = None) -> RollupRun | None:
    qs = RollupRun.objects.all()
    if province is not None:
        qs = qs.filter(province__in=[province]) | qs.filter(province__isnull=True)
    return qs.order_by("-started_at", "-id").first()


def rollup_refresh_request(*, province: Region, by) -> RollupRun:
    """SASAC staff ask for today's figures of their province now: record the run, enqueue it after commit."""
    from .tasks import rollup_refresh_province

    documents = documents_to_roll(province=province)
    with transaction.atomic():
        run = rollup_run_start(
            kind=RunKind.REFRESH, day=timezone.localdate(), documents=documents, requested_by=by, province=province
        )
        if documents:
            transaction.on_commit(lambda: rollup_refresh_province.delay(run.pk))
    return run
