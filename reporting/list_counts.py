"""The enterprise list's `?status=` / `?document=` counts per place, kept by the database (docs/performance/lists.md,
"Counts kept per place").

Two tables, written only by statement-level triggers (transition tables: a bulk write is one set-based step):

- `DocumentSummary` (reporting/models.py): per (enterprise, document) with applicable progress of the document's
  measures, the rows and the rows in each status. Progress written: the statement's signed differences are added
  (INSERT … ON CONFLICT, keys in order; a key left with no applicable row is deleted). An enterprise whose place or
  facts change, or a measure pointed at another scope or document: their enterprises' rows are recounted from their
  progress (what applies may have changed: `measures.applicability.applies_sql`, the one rule).
- `enterprises.ListedCount`: per place (prefecture, county), document (null: every document, from
  `ProgressSummary`) and status, how many enterprises are in it (`enterprises.list_counts`: the rule, once, with
  the list's filter). A trigger on each summary table adds the memberships a statement's rows gain and lose (an
  enterprise enters or leaves a status when a count crosses 0), at the enterprise's place, as new rows (a key's
  count is the sum of its rows; `fold` merges them, per document, when the rollup runs); an enterprise moving
  place moves its memberships (before the tallies' enterprise trigger refreshes its summaries: the triggers of a
  table fire in the order of their names, `tally_documents_…` before `tally_enterprise_…`).

`rebuild` recomputes both (`rollup --rebuild-tallies` and `generate_load` run it after `tallies.rebuild`);
`drift` compares DocumentSummary with a recount from progress and ListedCount with a recount from the summaries
(`rollup --check-tallies`; `tallies.drift` checks ProgressSummary against progress).
"""

from django.db import connection, transaction

from enterprises.list_counts import ANY, status_in_document_sql, status_in_summary_sql
from enterprises.models import Enterprise, ListedCount
from measures.applicability import FACTS
from measures.choices import Status
from measures.models import Measure, Progress
from reform_portal.statement_triggers import ENTERPRISES_MOVED, NEW_ROWS, OLD_ROWS, gives_a_row

from .models import DocumentSummary, ProgressSummary
from .tallies import _SIGNED, _fold, _lines, applies_join

PROGRESS = Progress._meta.db_table
ENTERPRISE = Enterprise._meta.db_table
MEASURE = Measure._meta.db_table
SUMMARY = ProgressSummary._meta.db_table
DOCUMENTS = DocumentSummary._meta.db_table
LISTED = ListedCount._meta.db_table

STATUS_COUNTS = tuple(str(s) for s in Status)  # DocumentSummary's columns, one per status
DOCUMENT_COLUMNS = ("enterprise_id", "document_id", "applicable", *STATUS_COUNTS)
LISTED_KEY = "document_id, status, region_id, county_id"


def _tests(documents: bool) -> list[tuple[str, str]]:
    """(status, SQL over a row "{a}") for each membership a row of DocumentSummary (`documents`) or ProgressSummary
    gives its enterprise: the rule of enterprises/list_counts.py."""
    if documents:
        return [(s, status_in_document_sql(s, "{a}")) for s in (*STATUS_COUNTS, ANY)]
    return [(s, status_in_summary_sql(s, "{a}")) for s in STATUS_COUNTS]


def _memberships(source: str, alias: str, *, documents: bool, sign: str = "1") -> str:
    """SELECT sign, enterprise_id, document_id, status: one row per status a row of `source` (alias `alias`) of
    ProgressSummary (`documents` false) or DocumentSummary puts its enterprise in."""
    tests = [(s, test.format(a=alias)) for s, test in _tests(documents)]
    document = f"{alias}.document_id" if documents else "CAST(NULL AS bigint)"
    values = ", ".join(f"('{s}', {test})" for s, test in tests)
    return (
        f"SELECT {sign} AS sign, {alias}.enterprise_id, {document} AS document_id, m.status FROM {source} "
        f"CROSS JOIN LATERAL (VALUES {values}) AS m(status, member) WHERE m.member"
    )


def _add_listed(signed: str) -> str:
    """Add `signed` (rows of sign, document_id, status, region_id, county_id) to ListedCount: a row per key that
    changes (rows only added, as the tallies', so that two writers in one place never wait for each other)."""
    return f"""
        INSERT INTO {LISTED} ({LISTED_KEY}, enterprises)
        SELECT {LISTED_KEY}, SUM(sign) FROM ({signed}) s GROUP BY {LISTED_KEY} HAVING SUM(sign) <> 0;
    """


def membership_trigger(op: str, *, documents: bool) -> str:
    """A summary table's rows inserted, updated or deleted (`op`): the memberships they gain and lose (those an
    update leaves alone cancel out), added at their enterprises' places."""
    table, new, old = "x", f"{NEW_ROWS} x", f"{OLD_ROWS} x"
    if op == "UPDATE":  # only the rows whose memberships changed (most updates move a count without crossing 0)
        key = "o.enterprise_id = n.enterprise_id" + (" AND o.document_id = n.document_id" if documents else "")
        tests = [test for _s, test in _tests(documents)]
        o, n = (", ".join(t.format(a=a) for t in tests) for a in "on")
        differ = f"({o}) IS DISTINCT FROM ({n})"
        new = f"(SELECT n.* FROM {NEW_ROWS} n JOIN {OLD_ROWS} o ON {key} WHERE {differ}) x"
        old = f"(SELECT o.* FROM {NEW_ROWS} n JOIN {OLD_ROWS} o ON {key} WHERE {differ}) x"
    parts = []
    if op in ("INSERT", "UPDATE"):
        parts.append(_memberships(new, table, documents=documents))
    if op in ("DELETE", "UPDATE"):
        parts.append(_memberships(old, table, documents=documents, sign="-1"))
    changed = (
        f"SELECT enterprise_id, document_id, status, SUM(sign) AS sign FROM ({' UNION ALL '.join(parts)}) c "
        f"GROUP BY enterprise_id, document_id, status HAVING SUM(sign) <> 0"
    )
    signed = (
        f"SELECT d.sign, d.document_id, d.status, e.region_id, e.county_id FROM ({changed}) d "
        f"JOIN {ENTERPRISE} e ON e.id = d.enterprise_id"
    )
    return _lines(_add_listed(signed) + " RETURN NULL;")


def _document_sql(where: str) -> str:
    """SELECT the DocumentSummary rows (DOCUMENT_COLUMNS) of the progress `p` matching `where`, applicable rows only."""
    joins, applies = applies_join(scope="am.scope_id", enterprise="e")
    counts = ", ".join(f"SUM(CASE WHEN p.status = '{s}' THEN 1 ELSE 0 END)" for s in STATUS_COUNTS)
    return f"""
        SELECT p.enterprise_id, am.document_id, COUNT(*), {counts}
        FROM {PROGRESS} p JOIN {ENTERPRISE} e ON e.id = p.enterprise_id
             JOIN {MEASURE} am ON am.id = p.measure_id{joins}
        WHERE ({where}) AND {applies} GROUP BY p.enterprise_id, am.document_id
    """


def _recount_sql(ids: str) -> str:
    """Recount the DocumentSummary rows of the enterprises in the array `ids` from their progress."""
    listed = f"(SELECT unnest({ids}))"
    return f"""
        IF {ids} IS NOT NULL THEN
            DELETE FROM {DOCUMENTS} WHERE enterprise_id IN {listed};
            INSERT INTO {DOCUMENTS} ({", ".join(DOCUMENT_COLUMNS)})
                SELECT * FROM ({_document_sql(f"p.enterprise_id IN {listed}")}) r ORDER BY 1, 2;
        END IF;
    """


PROGRESS_DECLARE = [("gone_e", "bigint[]"), ("gone_d", "bigint[]")]


def progress_trigger(op: str) -> str:
    """Progress rows inserted, updated or deleted: their signed differences per (enterprise, document) added."""
    rows = _SIGNED[op].format(cols="enterprise_id, measure_id, status")
    joins, applies = applies_join(scope="am.scope_id", enterprise="e")
    counts = ", ".join(f"SUM(CASE WHEN r.status = '{s}' THEN r.sign ELSE 0 END) AS {s}" for s in STATUS_COUNTS)
    summed = ", ".join(f"SUM(g.{s}) AS {s}" for s in STATUS_COUNTS)
    moving = " OR ".join(f"g.{c} <> 0" for c in DOCUMENT_COLUMNS[2:])
    nonzero = " OR ".join(f"d.{c} <> 0" for c in DOCUMENT_COLUMNS[2:])
    added = ", ".join(f"{c} = {DOCUMENTS}.{c} + EXCLUDED.{c}" for c in DOCUMENT_COLUMNS[2:])
    # first per (enterprise, measure), from the statement's rows alone: a row whose status did not change (a
    # percent, a note) nets to nothing and a changed one to one row, before any join judges applicability
    return _lines(f"""
        WITH g AS (
            SELECT r.enterprise_id, r.measure_id, SUM(r.sign) AS applicable, {counts}
            FROM ({rows}) r GROUP BY r.enterprise_id, r.measure_id
        ), d AS (
            SELECT g.enterprise_id, am.document_id, SUM(g.applicable) AS applicable, {summed}
            FROM g JOIN {ENTERPRISE} e ON e.id = g.enterprise_id
                 JOIN {MEASURE} am ON am.id = g.measure_id{joins}
            WHERE ({moving}) AND {applies} GROUP BY g.enterprise_id, am.document_id
        ), up AS (
            INSERT INTO {DOCUMENTS} ({", ".join(DOCUMENT_COLUMNS)})
            SELECT d.* FROM d WHERE {nonzero} ORDER BY d.enterprise_id, d.document_id
            ON CONFLICT (enterprise_id, document_id) DO UPDATE SET {added}
            RETURNING enterprise_id, document_id, applicable
        )
        SELECT array_agg(enterprise_id), array_agg(document_id) INTO gone_e, gone_d FROM up WHERE applicable <= 0;
        IF gone_e IS NOT NULL THEN
            DELETE FROM {DOCUMENTS} WHERE (enterprise_id, document_id) IN (SELECT * FROM unnest(gone_e, gone_d));
        END IF;
        RETURN NULL;
    """)


ENTERPRISE_DECLARE = [("ids", "bigint[]")]
_JUDGED = ("region_id", *FACTS)  # the prefecture (so the province) and the facts applicability reads


def enterprise_update_trigger() -> str:
    """Enterprises updated: those that moved place take their memberships along (as their summaries are before the
    tallies' trigger refreshes them), then those whose province or facts changed have their rows recounted."""

    def of_moved(table):
        return f"(SELECT * FROM {table} WHERE enterprise_id IN (SELECT id FROM mv)) s"

    members = (
        _memberships(of_moved(SUMMARY), "s", documents=False)
        + " UNION ALL "
        + _memberships(of_moved(DOCUMENTS), "s", documents=True)
    )
    signed = f"""
        SELECT 1 AS sign, x.document_id, x.status, m.region_id, m.county_id FROM mv m
            JOIN ({members}) x ON x.enterprise_id = m.id
        UNION ALL
        SELECT -1, x.document_id, x.status, m.old_region, m.old_county FROM mv m
            JOIN ({members}) x ON x.enterprise_id = m.id
    """
    judged = lambda a: ", ".join(f"{a}.{c}" for c in _JUDGED)  # noqa: E731
    return _lines(f"""
        IF {gives_a_row(ENTERPRISES_MOVED)} THEN
            WITH mv AS MATERIALIZED ({ENTERPRISES_MOVED}) {_add_listed(signed)}
        END IF;
        SELECT array_agg(n.id ORDER BY n.id) INTO ids FROM {NEW_ROWS} n JOIN {OLD_ROWS} o ON o.id = n.id
            WHERE ({judged("o")}) IS DISTINCT FROM ({judged("n")});
        {_recount_sql("ids")}
        RETURN NULL;
    """)


MEASURE_DECLARE = [("ids", "bigint[]")]


def measure_update_trigger() -> str:
    """Measures pointed at another scope or document: their enterprises' rows recounted."""
    return _lines(f"""
        SELECT array_agg(DISTINCT p.enterprise_id ORDER BY p.enterprise_id) INTO ids FROM {PROGRESS} p
            WHERE p.measure_id IN (SELECT n.id FROM {NEW_ROWS} n JOIN {OLD_ROWS} o ON o.id = n.id
                WHERE (o.scope_id, o.document_id) IS DISTINCT FROM (n.scope_id, n.document_id));
        {_recount_sql("ids")}
        RETURN NULL;
    """)


# Recomputing and checking ----------------------------------------------------------------------------------------

_LISTED_SQL = f"""
    SELECT x.document_id, x.status, e.region_id, e.county_id, COUNT(*) FROM (
        {_memberships(f"{SUMMARY} s", "s", documents=False)}
        UNION ALL {_memberships(f"{DOCUMENTS} s", "s", documents=True)}
    ) x JOIN {ENTERPRISE} e ON e.id = x.enterprise_id
    GROUP BY x.document_id, x.status, e.region_id, e.county_id
"""


def rebuild(cursor=None):
    """Recompute DocumentSummary from progress and ListedCount from the summaries (after `tallies.rebuild` when both
    are rebuilt: `rollup --rebuild-tallies`, `generate_load`); writers wait meanwhile."""
    with transaction.atomic():
        _rebuild(cursor or connection.cursor())


def _rebuild(cursor):
    cursor.execute(f"LOCK TABLE {PROGRESS}, {MEASURE}, {ENTERPRISE}, {SUMMARY} IN SHARE MODE")
    cursor.execute(f"TRUNCATE {DOCUMENTS}")
    cursor.execute(f"INSERT INTO {DOCUMENTS} ({', '.join(DOCUMENT_COLUMNS)}) {_document_sql('1 = 1')}")
    # what the summaries' triggers added meanwhile is replaced by one recount (TRUNCATE fires no counting trigger)
    cursor.execute(f"TRUNCATE {LISTED}")
    cursor.execute(f"INSERT INTO {LISTED} ({LISTED_KEY}, enterprises) {_LISTED_SQL}")


def fold(cursor, document_id: int | None = None):
    """Merge the rows of each key of ListedCount of one document (None: those of every document together, document
    null) when they exceed the keys by `FOLD_SLACK` (`tallies._fold`: safe beside writers and another fold); the
    rollup runs it with each document part."""
    where = "document_id IS NULL" if document_id is None else f"document_id = {int(document_id)}"
    cursor.execute(f"SELECT COUNT(*), COUNT(DISTINCT ({LISTED_KEY})) FROM {LISTED} WHERE {where}")
    rows, keys = cursor.fetchone()
    if rows > keys + FOLD_SLACK:  # more than FOLD_SLACK rows to merge
        _fold(cursor, LISTED, tuple(LISTED_KEY.split(", ")), ("enterprises",), where)


FOLD_SLACK = 100


def drift() -> dict[str, dict]:
    """{key: (kept, recounted)} per table ("documents", "listed") where they differ; empty when right."""
    found = {}
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {', '.join(DOCUMENT_COLUMNS)} FROM {DOCUMENTS}")
        kept = {tuple(r[:2]): tuple(r[2:]) for r in cursor.fetchall()}
        cursor.execute(_document_sql("1 = 1"))
        fresh = {tuple(r[:2]): tuple(r[2:]) for r in cursor.fetchall()}
        found["documents"] = {
            k: (kept.get(k), fresh.get(k)) for k in kept.keys() | fresh.keys() if kept.get(k) != fresh.get(k)
        }
        cursor.execute(f"SELECT {LISTED_KEY}, SUM(enterprises) FROM {LISTED} GROUP BY {LISTED_KEY}")
        kept = {tuple(r[:4]): r[4] for r in cursor.fetchall() if r[4]}
        cursor.execute(_LISTED_SQL)
        fresh = {tuple(r[:4]): r[4] for r in cursor.fetchall()}
        found["listed"] = {
            k: (kept.get(k, 0), fresh.get(k, 0)) for k in kept.keys() | fresh.keys() if kept.get(k) != fresh.get(k)
        }
    return found
