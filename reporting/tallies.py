"""Tallies: the counts the rollups add up, kept current by the database itself.

A rollup needs, per cell: how many enterprises it holds (EnterpriseTally); per (measure, cell): how many progress
rows are 推进中 / 已完成 / 常态化推进 and their percent sum (ProgressTally); per (indicator, year, cell): how many
values meet the target (IndicatorTally); and per enterprise with progress: its cell, when its progress last changed
and how many of its rows are 未启动, the lagging rule's inputs (ProgressSummary). A *cell* is the enterprise fields
the rollup groups by and applicability depends on: prefecture (`region_id`), ownership, industry, supervision level.

Reading 1.25 million progress rows and 100,000 enterprises on every rollup costs seconds; these tallies hold a few
thousand rows. Statement-level PostgreSQL triggers (with transition tables, so a bulk write is one set-based step)
keep them current in the same transaction as every change, whatever makes it: the ORM, the admin, a bulk import,
raw SQL. This module writes the SQL of their bodies; `reporting/triggers.py` declares the triggers on the models
they watch (django-pgtrigger), so `makemigrations` writes every change of this SQL into a migration:

- progress inserted / updated / deleted: its signed difference is added to ProgressTally, and the enterprises'
  ProgressSummary rows are recomputed;
- indicator values inserted / updated / deleted, or an indicator's target changed: the difference in values
  meeting the target is added to IndicatorTally;
- an enterprise created, deleted or changing cell: EnterpriseTally counts it, and its progress and indicator counts
  move from the old cell to the new one.

Tally rows are only ever inserted (a difference each), so concurrent writers never wait on a shared counter row;
`fold` merges the rows of each key now and then. Each trigger first takes a share lock on the enterprises (and
indicators) it counts, in id order, so that an enterprise changing cell at the same moment is counted either before
or after, never half.

`rebuild` recomputes everything from the source rows; `drift` compares the tallies with that recomputation
(operators run `manage.py rollup --check-tallies`, which also checks the installed trigger bodies).
"""

from django.db import connection, transaction

from enterprises.models import Enterprise
from measures.choices import Status
from measures.models import Indicator, IndicatorValue, Progress
from measures.targets import met_sql  # the one definition of meeting a target (re-exported here)

from .models import EnterpriseTally, IndicatorTally, ProgressSummary, ProgressTally

PROGRESS = Progress._meta.db_table
VALUE = IndicatorValue._meta.db_table
INDICATOR = Indicator._meta.db_table
ENTERPRISE = Enterprise._meta.db_table
PROGRESS_TALLY = ProgressTally._meta.db_table
INDICATOR_TALLY = IndicatorTally._meta.db_table
ENTERPRISE_TALLY = EnterpriseTally._meta.db_table
SUMMARY = ProgressSummary._meta.db_table

CELL = ("region_id", "ownership", "industry", "supervision_level")
PROGRESS_COUNTS = ("in_progress", "done", "ongoing", "percent_sum")
PROGRESS_KEY = ("measure_id", *CELL)
INDICATOR_KEY = ("indicator_id", "year", *CELL)


def _cell(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in CELL)


def _progress_tally_sql(*, source: str, sign: str, p: str, cell: str) -> str:
    """INSERT the signed counts of `source` (a FROM clause where `p` has the progress columns, `cell` the
    enterprise's cell columns and `sign` is +1 or -1) into ProgressTally, leaving out keys that net to nothing."""

    def count(status):
        return f"SUM(CASE WHEN {p}.status = '{status}' THEN {sign} ELSE 0 END)"

    return f"""
        INSERT INTO {PROGRESS_TALLY} ({", ".join(PROGRESS_KEY + PROGRESS_COUNTS)})
        SELECT * FROM (
            SELECT {p}.measure_id, {_cell(cell)},
                   {count(Status.IN_PROGRESS)} AS in_progress, {count(Status.DONE)} AS done,
                   {count(Status.ONGOING)} AS ongoing, SUM({sign} * {p}.percent) AS percent_sum
            FROM {source}
            GROUP BY {p}.measure_id, {_cell(cell)}
        ) d
        WHERE d.in_progress <> 0 OR d.done <> 0 OR d.ongoing <> 0 OR d.percent_sum <> 0
    """


def _indicator_tally_sql(*, source: str, sign: str, i: str = "i", v: str = "v", cell: str = "e") -> str:
    """INSERT the signed count of values meeting their target in `source` into IndicatorTally."""
    return f"""
        INSERT INTO {INDICATOR_TALLY} ({", ".join(INDICATOR_KEY)}, met)
        SELECT * FROM (
            SELECT {v}.indicator_id, {v}.year, {_cell(cell)}, SUM({sign}) AS met
            FROM {source}
            WHERE {met_sql(i, v)}
            GROUP BY {v}.indicator_id, {v}.year, {_cell(cell)}
        ) d
        WHERE d.met <> 0
    """


SUMMARY_COLUMNS = ("enterprise_id", "last_update", "not_started", *CELL)


def _summary_sql(where: str) -> str:
    """SELECT the ProgressSummary rows (SUMMARY_COLUMNS) of the enterprises matching `where` (over progress `p`)."""
    return f"""
        SELECT p.enterprise_id, MAX(p.updated_at),
               SUM(CASE WHEN p.status = '{Status.NOT_STARTED}' THEN 1 ELSE 0 END), {_cell("e")}
        FROM {PROGRESS} p JOIN {ENTERPRISE} e ON e.id = p.enterprise_id
        WHERE {where} GROUP BY p.enterprise_id, {_cell("e")}
    """


def _enterprise_tally_sql(*, source: str, sign: str, cell: str) -> str:
    return f"""
        INSERT INTO {ENTERPRISE_TALLY} ({", ".join(CELL)}, enterprises)
        SELECT * FROM (SELECT {_cell(cell)}, SUM({sign}) AS enterprises FROM {source} GROUP BY {_cell(cell)}) d
        WHERE d.enterprises <> 0
    """


# Trigger bodies ---------------------------------------------------------------------------------------------------
# Each function returns the PL/pgSQL between BEGIN and END of one statement-level trigger that reporting/triggers.py
# declares; the triggers name their transition tables OLD_ROWS and NEW_ROWS.

OLD_ROWS, NEW_ROWS = "old_rows", "new_rows"

# The changed rows of a statement, signed: new rows count +1, old rows -1 (an update is both).
_SIGNED = {
    "INSERT": f"SELECT 1 AS sign, {{cols}} FROM {NEW_ROWS}",
    "UPDATE": f"SELECT 1 AS sign, {{cols}} FROM {NEW_ROWS} UNION ALL SELECT -1 AS sign, {{cols}} FROM {OLD_ROWS}",
    "DELETE": f"SELECT -1 AS sign, {{cols}} FROM {OLD_ROWS}",
}


def _lines(sql: str) -> str:
    """`sql` with each line stripped and blank lines dropped: the text the migrations and the database hold."""
    return "\n".join(line.strip() for line in sql.splitlines() if line.strip())


def _lock_sql(table: str, ids: str) -> str:
    return f"PERFORM 1 FROM {table} WHERE id IN ({ids}) ORDER BY id FOR SHARE;"


def _summary_refresh_sql(ids: str) -> str:
    """Recompute the summaries of the enterprises in the array `ids` after taking their rows' locks, so that two
    transactions writing progress of the same enterprise take turns and the later one recomputes with the earlier
    one's rows committed."""
    return f"""
        IF {ids} IS NOT NULL THEN
            INSERT INTO {SUMMARY} ({", ".join(SUMMARY_COLUMNS)})
                SELECT e.id, NULL, 0, {_cell("e")} FROM {ENTERPRISE} e WHERE e.id = ANY({ids}) ORDER BY e.id
                ON CONFLICT (enterprise_id) DO NOTHING;
            PERFORM 1 FROM {SUMMARY} WHERE enterprise_id = ANY({ids}) ORDER BY enterprise_id FOR UPDATE;
            UPDATE {SUMMARY} s SET last_update = a.last_update, not_started = a.not_started
                FROM ({_summary_sql(f"p.enterprise_id = ANY({ids})")}) AS a ({", ".join(SUMMARY_COLUMNS)})
                WHERE s.enterprise_id = a.enterprise_id;
            DELETE FROM {SUMMARY} s WHERE s.enterprise_id = ANY({ids})
                AND NOT EXISTS (SELECT 1 FROM {PROGRESS} p WHERE p.enterprise_id = s.enterprise_id);
        END IF;
    """


# The variables the progress triggers declare.
PROGRESS_DECLARE = [("ids", "bigint[]")]


def progress_trigger(op: str) -> str:
    """Progress rows inserted, updated or deleted (`op`): their signed counts, then their enterprises' summaries."""
    rows = _SIGNED[op].format(cols="enterprise_id, measure_id, status, percent")
    ids = f"SELECT r.enterprise_id FROM ({rows}) r"
    tally = _progress_tally_sql(
        source=f"({rows}) r JOIN {ENTERPRISE} e ON e.id = r.enterprise_id", sign="r.sign", p="r", cell="e"
    )
    return _lines(f"""
        {_lock_sql(ENTERPRISE, ids)}
        {tally};
        SELECT array_agg(DISTINCT enterprise_id ORDER BY enterprise_id) INTO ids FROM ({ids}) x;
        {_summary_refresh_sql("ids")}
        RETURN NULL;
    """)


def value_trigger(op: str) -> str:
    """Indicator values inserted, updated or deleted (`op`): the signed count of those meeting the target."""
    rows = _SIGNED[op].format(cols="enterprise_id, indicator_id, year, value")
    tally = _indicator_tally_sql(
        source=f"({rows}) v JOIN {INDICATOR} i ON i.id = v.indicator_id JOIN {ENTERPRISE} e ON e.id = v.enterprise_id",
        sign="v.sign",
    )
    return _lines(f"""
        {_lock_sql(ENTERPRISE, f"SELECT r.enterprise_id FROM ({rows}) r")}
        {_lock_sql(INDICATOR, f"SELECT r.indicator_id FROM ({rows}) r")}
        {tally};
        RETURN NULL;
    """)


# An enterprise that changes cell: its old cell loses what it counted and its new cell gains it.
_MOVED = f"""
    SELECT -1 AS sign, o.id, {_cell("o")} FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE ({_cell("o")}) IS DISTINCT FROM ({_cell("n")})
    UNION ALL
    SELECT 1 AS sign, n.id, {_cell("n")} FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE ({_cell("o")}) IS DISTINCT FROM ({_cell("n")})
"""


def enterprise_update_trigger() -> str:
    """Enterprises updated: those that changed cell move their enterprise, progress and indicator counts, and
    their summaries' cell."""
    enterprises = _enterprise_tally_sql(source=f"({_MOVED}) m", sign="m.sign", cell="m")
    progress = _progress_tally_sql(
        source=f"({_MOVED}) m JOIN {PROGRESS} p ON p.enterprise_id = m.id", sign="m.sign", p="p", cell="m"
    )
    values = _indicator_tally_sql(
        source=f"({_MOVED}) m JOIN {VALUE} v ON v.enterprise_id = m.id JOIN {INDICATOR} i ON i.id = v.indicator_id",
        sign="m.sign",
        cell="m",
    )
    return _lines(f"""
        {enterprises};
        {progress};
        {values};
        UPDATE {SUMMARY} s SET {", ".join(f"{c} = n.{c}" for c in CELL)}
            FROM {NEW_ROWS} n WHERE s.enterprise_id = n.id AND ({_cell("s")}) IS DISTINCT FROM ({_cell("n")});
        RETURN NULL;
    """)


def enterprise_insert_trigger() -> str:
    return _lines(f"{_enterprise_tally_sql(source=f'{NEW_ROWS} n', sign='1', cell='n')}; RETURN NULL;")


def enterprise_delete_trigger() -> str:
    return _lines(f"{_enterprise_tally_sql(source=f'{OLD_ROWS} o', sign='-1', cell='o')}; RETURN NULL;")


# An indicator whose target or comparison changes: its values are judged again against the new target.
_RETARGETED = f"""
    SELECT -1 AS sign, o.id, o.comparison, o.target FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE (o.comparison, o.target) IS DISTINCT FROM (n.comparison, n.target)
    UNION ALL
    SELECT 1 AS sign, n.id, n.comparison, n.target FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE (o.comparison, o.target) IS DISTINCT FROM (n.comparison, n.target)
"""


def indicator_update_trigger() -> str:
    tally = _indicator_tally_sql(
        source=f"({_RETARGETED}) i JOIN {VALUE} v ON v.indicator_id = i.id"
        f" JOIN {ENTERPRISE} e ON e.id = v.enterprise_id",
        sign="i.sign",
    )
    return _lines(f"{tally}; RETURN NULL;")


def truncate_trigger(*tables: str) -> str:
    """A TRUNCATE (the test runner's flush) empties what the truncated table counted."""
    return _lines(" ".join(f"DELETE FROM {t};" for t in tables) + " RETURN NULL;")


# Recomputing and checking ----------------------------------------------------------------------------------------

_PROGRESS_SOURCE = f"{PROGRESS} p JOIN {ENTERPRISE} e ON e.id = p.enterprise_id"
_VALUE_SOURCE = f"{VALUE} v JOIN {INDICATOR} i ON i.id = v.indicator_id JOIN {ENTERPRISE} e ON e.id = v.enterprise_id"


def rebuild():
    """Recompute every tally and summary from the source rows (writers wait meanwhile)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PROGRESS}, {VALUE}, {INDICATOR}, {ENTERPRISE} IN SHARE MODE")
        for table in (ENTERPRISE_TALLY, PROGRESS_TALLY, INDICATOR_TALLY, SUMMARY):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(_enterprise_tally_sql(source=f"{ENTERPRISE} e", sign="1", cell="e"))
        cursor.execute(_progress_tally_sql(source=_PROGRESS_SOURCE, sign="1", p="p", cell="e"))
        cursor.execute(_indicator_tally_sql(source=_VALUE_SOURCE, sign="1"))
        cursor.execute(f"INSERT INTO {SUMMARY} ({', '.join(SUMMARY_COLUMNS)}) {_summary_sql('1 = 1')}")


def _by_key(cursor, sql, width: int) -> dict:
    """{key: figures} of a SELECT whose first `width` columns are the key."""
    cursor.execute(sql)
    return {tuple(row[:width]): tuple(row[width:]) for row in cursor.fetchall()}


def drift() -> dict[str, dict]:
    """Where the tallies and summaries differ from a recomputation from the source rows: per table,
    {key: (held, recomputed)} for each differing key (a key absent on one side counts as zeros). All empty when
    the database kept them right."""
    key, ikey = ", ".join(PROGRESS_KEY), ", ".join(INDICATOR_KEY)
    with connection.cursor() as cursor:
        held = {
            "progress": _by_key(
                cursor,
                f"SELECT {key}, {', '.join(f'SUM({c})' for c in PROGRESS_COUNTS)} FROM {PROGRESS_TALLY} GROUP BY {key}",
                len(PROGRESS_KEY),
            ),
            "indicators": _by_key(
                cursor, f"SELECT {ikey}, SUM(met) FROM {INDICATOR_TALLY} GROUP BY {ikey}", len(INDICATOR_KEY)
            ),
            "enterprises": _by_key(
                cursor, f"SELECT {_cell('t')}, SUM(enterprises) FROM {ENTERPRISE_TALLY} t GROUP BY {_cell('t')}", 4
            ),
            "summaries": _by_key(cursor, f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM {SUMMARY}", 1),
        }
        statuses = (Status.IN_PROGRESS, Status.DONE, Status.ONGOING)
        fresh = {
            "progress": _by_key(
                cursor,
                f"SELECT p.measure_id, {_cell('e')}, "
                + ", ".join(f"SUM(CASE WHEN p.status = '{s}' THEN 1 ELSE 0 END)" for s in statuses)
                + f", SUM(p.percent) FROM {_PROGRESS_SOURCE} GROUP BY p.measure_id, {_cell('e')}",
                len(PROGRESS_KEY),
            ),
            "indicators": _by_key(
                cursor,
                f"SELECT v.indicator_id, v.year, {_cell('e')}, COUNT(*) FROM {_VALUE_SOURCE} WHERE {met_sql()}"
                f" GROUP BY v.indicator_id, v.year, {_cell('e')}",
                len(INDICATOR_KEY),
            ),
            "enterprises": _by_key(
                cursor, f"SELECT {_cell('e')}, COUNT(*) FROM {ENTERPRISE} e GROUP BY {_cell('e')}", 4
            ),
            "summaries": _by_key(cursor, _summary_sql("1 = 1"), 1),
        }
    zeros = {"progress": (0, 0, 0, 0), "indicators": (0,), "enterprises": (0,), "summaries": None}
    return {
        table: {
            k: (held[table].get(k, zeros[table]), fresh[table].get(k, zeros[table]))
            for k in held[table].keys() | fresh[table].keys()
            if held[table].get(k, zeros[table]) != fresh[table].get(k, zeros[table])
        }
        for table in held
    }


# Folding ---------------------------------------------------------------------------------------------------------


def _fold(cursor, table: str, key: tuple[str, ...], counts: tuple[str, ...], where: str = "1 = 1"):
    """Merge the rows of each key of `table` (those matching `where`) into one, dropping keys that net to nothing
    (PostgreSQL). Rows a concurrent writer adds meanwhile are not in this statement's snapshot, so they are neither
    deleted nor summed; a row two folds reach at once is deleted, and so summed, by one of them only."""
    cols = ", ".join(key + counts)
    cursor.execute(
        f"""
        WITH gone AS (DELETE FROM {table} WHERE {where} RETURNING {cols})
        INSERT INTO {table} ({cols})
        SELECT * FROM (SELECT {", ".join(key)}, {", ".join(f"SUM({c}) AS {c}" for c in counts)}
                       FROM gone GROUP BY {", ".join(key)}) d
        WHERE {" OR ".join(f"d.{c} <> 0" for c in counts)}
        """
    )


def fold_progress(cursor, measure_ids):
    _fold(cursor, PROGRESS_TALLY, PROGRESS_KEY, PROGRESS_COUNTS, f"measure_id IN ({sql_id_list(measure_ids)})")


def fold_indicators(cursor, indicator_ids):
    _fold(cursor, INDICATOR_TALLY, INDICATOR_KEY, ("met",), f"indicator_id IN ({sql_id_list(indicator_ids)})")


def fold_enterprises(cursor):
    _fold(cursor, ENTERPRISE_TALLY, CELL, ("enterprises",))


def sql_id_list(pks) -> str:
    """Primary keys as the inside of a SQL `IN (…)` (NULL for none, which matches nothing)."""
    return ", ".join(str(int(pk)) for pk in pks) or "NULL"
