"""Tallies: the counts the rollups add up, kept current by the database itself.

A rollup needs, per (scope, cell): how many enterprises a scope applies to (ScopeTally: the enterprises a document
addresses, a measure asks something of, an indicator is asked of); per (measure, cell): how many progress rows
are 推进中 / 已完成 / 常态化推进 and their percent sum (ProgressTally); per (indicator, year, cell): how many values
meet the target (IndicatorTally); and per enterprise with progress: its cell, when its progress last changed and
how many of its rows are 未启动, the lagging rule's inputs, and how many apply, are in each status and their percent
sum, the enterprise list's figures, sorts and status filter (ProgressSummary). A *cell* is the enterprise fields the
rollup groups by: prefecture (`region_id`), ownership, industry, supervision level.

Only what applies is counted: a progress row or value of a measure or indicator whose scope does not apply to its
enterprise (`measures.applicability.applies_sql`, the one rule) is kept but left out, and counts again when its
enterprise's facts or the catalogue's conditions make it apply again.

Reading 1.25 million progress rows and 100,000 enterprises on every rollup costs seconds; these tallies hold a few
thousand rows. Statement-level PostgreSQL triggers (with transition tables, so a bulk write is one set-based step)
keep them current in the same transaction as every change, whatever makes it: the ORM, the admin, a bulk import,
raw SQL. This module writes the SQL of their bodies; `reporting/triggers.py` declares the triggers on the models
they watch (django-pgtrigger), so `makemigrations` writes every change of this SQL into a migration:

- progress inserted / updated / deleted: its signed difference is added to ProgressTally, and the enterprises'
  ProgressSummary rows are recomputed;
- indicator values inserted / updated / deleted, or an indicator's target changed: the difference in values
  meeting the target is added to IndicatorTally;
- an enterprise created, deleted, changing cell or changing a fact applicability reads: ScopeTally counts it under
  each scope that applies to it, and its progress and indicator counts move from what applied before to what
  applies now;
- a measure or indicator pointed at another scope (its conditions changed), or a scope created: counted again.

Tally rows are only ever inserted (a difference each), so concurrent writers never wait on a shared counter row;
`fold` merges the rows of each key now and then. Each trigger first takes a share lock on the enterprises (and
indicators) it counts, in id order, so that an enterprise changing cell at the same moment is counted either before
or after, never half.

`rebuild` recomputes everything from the source rows; `drift` compares the tallies with that recomputation
(operators run `manage.py rollup --check-tallies`, which also checks the installed trigger bodies).
"""

from django.db import connection, transaction

from enterprises.models import Enterprise, Region
from measures.applicability import FACTS, applies_sql  # the one definition of what applies
from measures.choices import DONE_STATUSES, Status
from measures.lagging import PROGRESS_INPUTS, lagging_from, lagging_from_sql  # the one lagging rule's moment
from measures.models import Indicator, IndicatorValue, Measure, Progress, Scope
from measures.targets import met_sql  # the one definition of meeting a target (re-exported here)
from reform_portal.statement_triggers import NEW_ROWS, OLD_ROWS

from .models import IndicatorTally, ProgressSummary, ProgressTally, ScopeTally

PROGRESS = Progress._meta.db_table
VALUE = IndicatorValue._meta.db_table
INDICATOR = Indicator._meta.db_table
ENTERPRISE = Enterprise._meta.db_table
PROGRESS_TALLY = ProgressTally._meta.db_table
INDICATOR_TALLY = IndicatorTally._meta.db_table
SCOPE_TALLY = ScopeTally._meta.db_table
MEASURE = Measure._meta.db_table
SCOPE = Scope._meta.db_table
REGION = Region._meta.db_table
SUMMARY = ProgressSummary._meta.db_table

CELL = ("region_id", "ownership", "industry", "supervision_level")
PROGRESS_COUNTS = ("in_progress", "done", "ongoing", "percent_sum")
PROGRESS_KEY = ("measure_id", *CELL)
INDICATOR_KEY = ("indicator_id", "year", *CELL)


def _cell(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in CELL)


def applies_join(*, scope: str, enterprise: str) -> tuple[str, str]:
    """(joins, condition): the joins that bring in the scope `sc` whose id is the SQL `scope` and the province of
    `enterprise` (an alias with the enterprise's region and facts), and the condition that the scope applies."""
    joins = f" JOIN {SCOPE} sc ON sc.id = {scope} JOIN {REGION} rg ON rg.id = {enterprise}.region_id"
    return joins, applies_sql("sc", enterprise, "rg.parent_id")


def _progress_tally_sql(
    *, source: str, sign: str, p: str, cell: str, scope: str | None = None, applicable: bool = False
) -> str:
    """INSERT the signed counts of `source` (a FROM clause where `p` has the progress columns, `cell` the
    enterprise's cell columns and facts and `sign` is +1 or -1) into ProgressTally, leaving out keys that net to
    nothing and rows whose measure does not apply to their enterprise (`scope`: the SQL of the measure's scope id,
    by default looked up from the measure; `applicable`: `source` holds only rows whose measure applies)."""
    if applicable:
        joins, applies = "", "TRUE"
    else:
        if scope is None:
            source, scope = f"{source} JOIN {MEASURE} am ON am.id = {p}.measure_id", "am.scope_id"
        joins, applies = applies_join(scope=scope, enterprise=cell)

    def count(status):
        return f"SUM(CASE WHEN {p}.status = '{status}' THEN {sign} ELSE 0 END)"

    return f"""
        INSERT INTO {PROGRESS_TALLY} ({", ".join(PROGRESS_KEY + PROGRESS_COUNTS)})
        SELECT * FROM (
            SELECT {p}.measure_id, {_cell(cell)},
                   {count(Status.IN_PROGRESS)} AS in_progress, {count(Status.DONE)} AS done,
                   {count(Status.ONGOING)} AS ongoing, SUM({sign} * {p}.percent) AS percent_sum
            FROM {source}{joins}
            WHERE {applies}
            GROUP BY {p}.measure_id, {_cell(cell)}
        ) d
        WHERE d.in_progress <> 0 OR d.done <> 0 OR d.ongoing <> 0 OR d.percent_sum <> 0
    """


def _indicator_tally_sql(*, source: str, sign: str, i: str = "i", v: str = "v", cell: str = "e") -> str:
    """INSERT the signed count of values in `source` meeting their target into IndicatorTally (those whose
    indicator `i` applies to their enterprise `cell`)."""
    joins, applies = applies_join(scope=f"{i}.scope_id", enterprise=cell)
    return f"""
        INSERT INTO {INDICATOR_TALLY} ({", ".join(INDICATOR_KEY)}, met)
        SELECT * FROM (
            SELECT {v}.indicator_id, {v}.year, {_cell(cell)}, SUM({sign}) AS met
            FROM {source}{joins}
            WHERE {met_sql(i, v)} AND {applies}
            GROUP BY {v}.indicator_id, {v}.year, {_cell(cell)}
        ) d
        WHERE d.met <> 0
    """


# The figures of an enterprise's applicable progress the summary keeps: the lagging rule's inputs (last update,
# rows 未启动, and the moment they make it lag from, `measures.lagging.lagging_from`) and the enterprise list's
# "done / applicable" and mean percent (its columns and sorts). An enterprise without applicable progress has no
# summary (the enterprise list sorts it after those with figures); `lagging_q` judges it without one.
SUMMARY_FIGURES = (
    "last_update",
    "not_started",
    "applicable",
    "done",
    "percent_sum",
    "in_progress",
    "ongoing",
    "lagging_from",
)
SUMMARY_COLUMNS = ("enterprise_id", *SUMMARY_FIGURES, *CELL)
_DONE = ", ".join(f"'{s}'" for s in DONE_STATUSES)


def _lagging_from(alias: str) -> str:
    return lagging_from_sql({name: f"{alias}.{name}" for name in PROGRESS_INPUTS})


_EMPTY = {name: "0" for name in SUMMARY_FIGURES} | {
    "last_update": "CAST(NULL AS timestamp with time zone)",
    "lagging_from": f"TIMESTAMPTZ '{lagging_from(last_update=None, not_started=0).isoformat()}'",
}
_EMPTY_FIGURES = ", ".join(_EMPTY[c] for c in SUMMARY_FIGURES)


def _summary_sql(where: str) -> str:
    """SELECT the ProgressSummary rows (SUMMARY_COLUMNS) of the enterprises matching `where` (over progress `p`) that
    have progress on measures that apply to them, from that progress."""
    joins, applies = applies_join(scope="am.scope_id", enterprise="e")
    counts = ", ".join(f"a.{c}" for c in SUMMARY_FIGURES[:-1])
    return f"""
        SELECT a.enterprise_id, {counts}, {_lagging_from("a")} AS lagging_from, {_cell("a")} FROM (
            SELECT p.enterprise_id, MAX(p.updated_at) AS last_update,
                   SUM(CASE WHEN p.status = '{Status.NOT_STARTED}' THEN 1 ELSE 0 END) AS not_started,
                   COUNT(*) AS applicable, SUM(CASE WHEN p.status IN ({_DONE}) THEN 1 ELSE 0 END) AS done,
                   SUM(p.percent) AS percent_sum,
                   SUM(CASE WHEN p.status = '{Status.IN_PROGRESS}' THEN 1 ELSE 0 END) AS in_progress,
                   SUM(CASE WHEN p.status = '{Status.ONGOING}' THEN 1 ELSE 0 END) AS ongoing, {_cell("e")}
            FROM {PROGRESS} p JOIN {ENTERPRISE} e ON e.id = p.enterprise_id
                 JOIN {MEASURE} am ON am.id = p.measure_id{joins}
            WHERE ({where}) AND {applies} GROUP BY p.enterprise_id, {_cell("e")}
        ) a
    """


def _scope_tally_sql(*, source: str, sign: str, cell: str, scopes: str = SCOPE) -> str:
    """INSERT into ScopeTally, per scope of `scopes` (a table or transition table) and cell, the signed count of
    the enterprises of `source` (alias `cell`, with the enterprise's cell and facts) that the scope applies to."""
    applies = applies_sql("sc", cell, "rg.parent_id")
    return f"""
        INSERT INTO {SCOPE_TALLY} (scope_id, {", ".join(CELL)}, enterprises)
        SELECT * FROM (
            SELECT sc.id, {_cell(cell)}, SUM({sign}) AS enterprises
            FROM {source} JOIN {REGION} rg ON rg.id = {cell}.region_id JOIN {scopes} sc ON {applies}
            GROUP BY sc.id, {_cell(cell)}
        ) d
        WHERE d.enterprises <> 0
    """


# Trigger bodies ---------------------------------------------------------------------------------------------------
# Each function returns the PL/pgSQL between BEGIN and END of one statement-level trigger that reporting/triggers.py
# declares; the triggers name their transition tables OLD_ROWS and NEW_ROWS.


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
    one's rows committed. The ids are unnested into a relation rather than tested with `= ANY(ids)`: in the
    trigger's generic plan an array parameter is estimated at one row, and PostgreSQL then walked every enterprise
    testing each against the array (5,000 enterprises: minutes, growing with the square of the batch)."""
    listed = f"(SELECT unnest({ids}))"
    joins, applies = applies_join(scope="am.scope_id", enterprise="e")
    return f"""
        IF {ids} IS NOT NULL THEN
            INSERT INTO {SUMMARY} ({", ".join(SUMMARY_COLUMNS)})
                SELECT e.id, {_EMPTY_FIGURES}, {_cell("e")}
                FROM {ENTERPRISE} e WHERE e.id IN {listed} ORDER BY e.id
                ON CONFLICT (enterprise_id) DO NOTHING;
            PERFORM 1 FROM {SUMMARY} WHERE enterprise_id IN {listed} ORDER BY enterprise_id FOR UPDATE;
            UPDATE {SUMMARY} s SET {", ".join(f"{c} = a.{c}" for c in SUMMARY_FIGURES)}
                FROM ({_summary_sql(f"p.enterprise_id IN {listed}")}) AS a ({", ".join(SUMMARY_COLUMNS)})
                WHERE s.enterprise_id = a.enterprise_id;
            DELETE FROM {SUMMARY} s WHERE s.enterprise_id IN {listed} AND NOT EXISTS (
                SELECT 1 FROM {PROGRESS} p JOIN {ENTERPRISE} e ON e.id = p.enterprise_id
                     JOIN {MEASURE} am ON am.id = p.measure_id{joins}
                WHERE p.enterprise_id = s.enterprise_id AND {applies});
        END IF;
    """


# What a statement changes in its enterprises' summaries, as one row per enterprise: the signed differences of the
# counts (rows of measures that apply to the enterprise only), the latest `updated_at` among the rows it added
# (`newest`) and among those it took away (`gone`). Held in arrays (one element per enterprise, in id order) so that
# the transition tables are read and joined once, whatever the number of statements that use the differences.
DELTA_COUNTS = ("applicable", "not_started", "done", "percent_sum", "in_progress", "ongoing")
_DELTAS = (*DELTA_COUNTS, "newest", "gone")
_DELTA_TYPES = {"newest": "timestamptz[]", "gone": "timestamptz[]"}
_DELTA_VARS = {c: f"d_{c}" for c in _DELTAS}

# The variables the progress triggers declare.
PROGRESS_DECLARE = [
    ("ids", "bigint[]"),
    ("redo", "bigint[]"),
    ("locked", "bigint"),
    *((_DELTA_VARS[c], _DELTA_TYPES.get(c, "bigint[]")) for c in _DELTAS),
]


def _delta_select(rows: str) -> str:
    """One statement over the signed `rows` of a progress statement: their signed counts INSERTed into
    ProgressTally, and per enterprise what they change in its summary SELECTed INTO the arrays `ids` and
    `d_<delta>`; both from the same rows of measures that apply, joined to their enterprise and scope once."""
    joins, applies = applies_join(scope="am.scope_id", enterprise="e")

    def count(condition):
        return f"SUM(CASE WHEN {condition} THEN x.sign ELSE 0 END)"

    figures = {
        "applicable": "SUM(x.sign)",
        "not_started": count(f"x.status = '{Status.NOT_STARTED}'"),
        "done": count(f"x.status IN ({_DONE})"),
        "percent_sum": "SUM(x.sign * x.percent)",
        "in_progress": count(f"x.status = '{Status.IN_PROGRESS}'"),
        "ongoing": count(f"x.status = '{Status.ONGOING}'"),
        "newest": "MAX(CASE WHEN x.sign = 1 THEN x.updated_at END)",
        "gone": "MAX(CASE WHEN x.sign = -1 THEN x.updated_at END)",
    }
    arrays = ", ".join(f"array_agg(y.{c} ORDER BY y.enterprise_id)" for c in ("enterprise_id", *_DELTAS))
    into = ", ".join(["ids", *(_DELTA_VARS[c] for c in _DELTAS)])
    tally = _progress_tally_sql(source="x", sign="x.sign", p="x", cell="x", applicable=True)
    return f"""
        WITH x AS MATERIALIZED (
            SELECT r.sign, r.enterprise_id, r.measure_id, r.status, r.percent, r.updated_at, {_cell("e")}
            FROM ({rows}) r JOIN {ENTERPRISE} e ON e.id = r.enterprise_id
                 JOIN {MEASURE} am ON am.id = r.measure_id{joins}
            WHERE {applies}
        ), tally AS ({tally})
        SELECT {arrays} INTO {into} FROM (
            SELECT x.enterprise_id, {", ".join(f"{sql} AS {c}" for c, sql in figures.items())}
            FROM x GROUP BY x.enterprise_id
        ) y;
    """


def _summary_delta_sql() -> str:
    """Apply the differences `_delta_select` gathered to the enterprises' summaries, set-based: one statement each
    to lock, to create the missing summaries, to add the differences and to drop the summaries left with nothing
    applicable, each joining the arrays to the summaries by enterprise (no enterprise's progress read again).

    The counts are sums, so adding the differences gives what a recomputation gives. The last update is a maximum:
    the new one is the greater of the kept one and `newest`, unless a row taken away held the kept maximum and
    nothing added reaches it (a row deleted, or an update moving `updated_at` back): those enterprises (`redo`;
    none when rows are written with the current time) are recomputed from their progress rows, as before."""
    listed = "(SELECT unnest(ids))"
    deltas = f"unnest(ids, {', '.join(_DELTA_VARS[c] for c in _DELTAS)}) AS d(enterprise_id, {', '.join(_DELTAS)})"
    last_update = "GREATEST(s.last_update, d.newest)"
    new = {c: f"(s.{c} + d.{c})" for c in DELTA_COUNTS}
    lagging = lagging_from_sql({"last_update": last_update, "not_started": new["not_started"]})
    return f"""
        IF ids IS NOT NULL THEN
            PERFORM 1 FROM {SUMMARY} WHERE enterprise_id IN {listed} ORDER BY enterprise_id FOR UPDATE;
            GET DIAGNOSTICS locked = ROW_COUNT;
            IF locked < cardinality(ids) THEN
                INSERT INTO {SUMMARY} ({", ".join(SUMMARY_COLUMNS)})
                    SELECT e.id, {_EMPTY_FIGURES}, {_cell("e")}
                    FROM {ENTERPRISE} e JOIN {deltas} ON d.enterprise_id = e.id
                    WHERE d.newest IS NOT NULL ORDER BY e.id
                    ON CONFLICT (enterprise_id) DO NOTHING;
            END IF;
            IF EXISTS (SELECT 1 FROM unnest({_DELTA_VARS["newest"]}, {_DELTA_VARS["gone"]}) AS g(newest, gone)
                       WHERE g.gone IS NOT NULL AND (g.newest IS NULL OR g.newest < g.gone)) THEN
                SELECT array_agg(s.enterprise_id ORDER BY s.enterprise_id) INTO redo
                    FROM {SUMMARY} s JOIN {deltas} ON d.enterprise_id = s.enterprise_id
                    WHERE d.gone >= s.last_update AND (d.newest IS NULL OR d.newest < s.last_update);
            END IF;
            UPDATE {SUMMARY} s SET {", ".join(f"{c} = {new[c]}" for c in DELTA_COUNTS)},
                last_update = {last_update}, lagging_from = {lagging}
                FROM {deltas} WHERE s.enterprise_id = d.enterprise_id;
            IF 0 > ANY({_DELTA_VARS["applicable"]}) THEN
                DELETE FROM {SUMMARY} s WHERE s.enterprise_id IN {listed} AND s.applicable <= 0;
            END IF;
            {_summary_refresh_sql("redo")}
        END IF;
    """


def progress_trigger(op: str) -> str:
    """Progress rows inserted, updated or deleted (`op`): their signed counts, then their enterprises' summaries
    moved by the same differences (`_delta_select`, `_summary_delta_sql`)."""
    rows = _SIGNED[op].format(cols="enterprise_id, measure_id, status, percent, updated_at")
    return _lines(f"""
        {_lock_sql(ENTERPRISE, f"SELECT r.enterprise_id FROM ({rows}) r")}
        {_delta_select(rows)}
        {_summary_delta_sql()}
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


# An enterprise that changes cell or a fact applicability reads: what it counted under its old cell and facts is
# taken away, and what it counts under the new ones added.
_ROW = tuple(dict.fromkeys((*CELL, *FACTS)))  # each column once


def _columns(alias: str) -> str:
    return ", ".join(f"{alias}.{c}" for c in _ROW)


_MOVED = f"""
    SELECT -1 AS sign, o.id, {_columns("o")} FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE ({_columns("o")}) IS DISTINCT FROM ({_columns("n")})
    UNION ALL
    SELECT 1 AS sign, n.id, {_columns("n")} FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE ({_columns("o")}) IS DISTINCT FROM ({_columns("n")})
"""

# The variables the enterprise update trigger declares.
ENTERPRISE_DECLARE = [("ids", "bigint[]")]


def enterprise_update_trigger() -> str:
    """Enterprises updated: those whose cell or facts changed move their scope, progress and indicator counts,
    and their summaries are recomputed (what applies may have changed, and so what is 未启动)."""
    scopes = _scope_tally_sql(source=f"({_MOVED}) m", sign="m.sign", cell="m")
    progress = _progress_tally_sql(
        source=f"({_MOVED}) m JOIN {PROGRESS} p ON p.enterprise_id = m.id", sign="m.sign", p="p", cell="m"
    )
    values = _indicator_tally_sql(
        source=f"({_MOVED}) m JOIN {VALUE} v ON v.enterprise_id = m.id JOIN {INDICATOR} i ON i.id = v.indicator_id",
        sign="m.sign",
        cell="m",
    )
    return _lines(f"""
        {scopes};
        {progress};
        {values};
        SELECT array_agg(DISTINCT id ORDER BY id) INTO ids FROM ({_MOVED}) x;
        UPDATE {SUMMARY} s SET {", ".join(f"{c} = n.{c}" for c in CELL)}
            FROM {NEW_ROWS} n WHERE s.enterprise_id = n.id AND ({_cell("s")}) IS DISTINCT FROM ({_cell("n")});
        {_summary_refresh_sql("ids")}
        RETURN NULL;
    """)


def enterprise_insert_trigger() -> str:
    return _lines(f"{_scope_tally_sql(source=f'{NEW_ROWS} n', sign='1', cell='n')}; RETURN NULL;")


def enterprise_delete_trigger() -> str:
    return _lines(f"{_scope_tally_sql(source=f'{OLD_ROWS} o', sign='-1', cell='o')}; RETURN NULL;")


def scope_insert_trigger() -> str:
    """A scope created (new conditions in the catalogue): count the enterprises it applies to."""
    tally = _scope_tally_sql(source=f"{ENTERPRISE} e", sign="1", cell="e", scopes=NEW_ROWS)
    return _lines(f"{tally}; RETURN NULL;")


def scope_delete_trigger() -> str:
    return _lines(f"DELETE FROM {SCOPE_TALLY} WHERE scope_id IN (SELECT id FROM {OLD_ROWS}); RETURN NULL;")


# A measure pointed at another scope: its progress counted under the old scope is taken away, under the new added.
_RESCOPED_MEASURES = f"""
    SELECT -1 AS sign, o.id, o.scope_id FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE o.scope_id IS DISTINCT FROM n.scope_id
    UNION ALL
    SELECT 1 AS sign, n.id, n.scope_id FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE o.scope_id IS DISTINCT FROM n.scope_id
"""
MEASURE_DECLARE = [("ids", "bigint[]")]


def measure_update_trigger() -> str:
    tally = _progress_tally_sql(
        source=f"({_RESCOPED_MEASURES}) x JOIN {PROGRESS} p ON p.measure_id = x.id"
        f" JOIN {ENTERPRISE} e ON e.id = p.enterprise_id",
        sign="x.sign",
        p="p",
        cell="e",
        scope="x.scope_id",
    )
    return _lines(f"""
        {tally};
        SELECT array_agg(DISTINCT p.enterprise_id ORDER BY p.enterprise_id) INTO ids
            FROM {PROGRESS} p WHERE p.measure_id IN (SELECT id FROM ({_RESCOPED_MEASURES}) x);
        {_summary_refresh_sql("ids")}
        RETURN NULL;
    """)


# An indicator whose target, comparison or scope changes: its values are judged again.
_JUDGED = "comparison, target, scope_id"
_RETARGETED = f"""
    SELECT -1 AS sign, o.id, o.comparison, o.target, o.scope_id FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE (o.comparison, o.target, o.scope_id) IS DISTINCT FROM (n.comparison, n.target, n.scope_id)
    UNION ALL
    SELECT 1 AS sign, n.id, n.comparison, n.target, n.scope_id FROM {OLD_ROWS} o JOIN {NEW_ROWS} n ON n.id = o.id
    WHERE (o.comparison, o.target, o.scope_id) IS DISTINCT FROM (n.comparison, n.target, n.scope_id)
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


def _joins(owner: str) -> str:
    return applies_join(scope=f"{owner}.scope_id", enterprise="e")[0]


_applies_e = applies_sql("sc", "e", "rg.parent_id")


def rebuild():
    """Recompute every tally and summary from the source rows (writers wait meanwhile)."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(f"LOCK TABLE {PROGRESS}, {VALUE}, {INDICATOR}, {MEASURE}, {SCOPE}, {ENTERPRISE} IN SHARE MODE")
        for table in (SCOPE_TALLY, PROGRESS_TALLY, INDICATOR_TALLY, SUMMARY):
            cursor.execute(f"DELETE FROM {table}")
        cursor.execute(_scope_tally_sql(source=f"{ENTERPRISE} e", sign="1", cell="e"))
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
            "scopes": _by_key(
                cursor,
                f"SELECT t.scope_id, {_cell('t')}, SUM(enterprises) FROM {SCOPE_TALLY} t"
                f" GROUP BY t.scope_id, {_cell('t')}",
                1 + len(CELL),
            ),
            "summaries": _by_key(cursor, f"SELECT {', '.join(SUMMARY_COLUMNS)} FROM {SUMMARY}", 1),
        }
        statuses = (Status.IN_PROGRESS, Status.DONE, Status.ONGOING)
        fresh = {
            "progress": _by_key(
                cursor,
                f"SELECT p.measure_id, {_cell('e')}, "
                + ", ".join(f"SUM(CASE WHEN p.status = '{s}' THEN 1 ELSE 0 END)" for s in statuses)
                + f", SUM(p.percent) FROM {_PROGRESS_SOURCE} JOIN {MEASURE} am ON am.id = p.measure_id{_joins('am')}"
                f" WHERE {_applies_e} GROUP BY p.measure_id, {_cell('e')}",
                len(PROGRESS_KEY),
            ),
            "indicators": _by_key(
                cursor,
                f"SELECT v.indicator_id, v.year, {_cell('e')}, COUNT(*) FROM {_VALUE_SOURCE}{_joins('i')}"
                f" WHERE {met_sql()} AND {_applies_e}"
                f" GROUP BY v.indicator_id, v.year, {_cell('e')}",
                len(INDICATOR_KEY),
            ),
            "scopes": _by_key(
                cursor,
                f"SELECT sc.id, {_cell('e')}, COUNT(*) FROM {ENTERPRISE} e"
                f" JOIN {REGION} rg ON rg.id = e.region_id JOIN {SCOPE} sc ON {applies_sql('sc', 'e', 'rg.parent_id')}"
                f" GROUP BY sc.id, {_cell('e')}",
                1 + len(CELL),
            ),
            "summaries": _by_key(cursor, _summary_sql("1 = 1"), 1),
        }
    zeros = {"progress": (0, 0, 0, 0), "indicators": (0,), "scopes": (0,), "summaries": None}
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


def fold_scopes(cursor, scope_ids):
    _fold(cursor, SCOPE_TALLY, ("scope_id", *CELL), ("enterprises",), f"scope_id IN ({sql_id_list(scope_ids)})")


def sql_id_list(pks) -> str:
    """Primary keys as the inside of a SQL `IN (…)` (NULL for none, which matches nothing)."""
    return ", ".join(str(int(pk)) for pk in pks) or "NULL"
