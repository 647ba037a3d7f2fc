"""Counts the self-assessment overview and the home pages read instead of counting a province's rows.

A province has hundreds of thousands of enterprises and, each year, an assessment for most of them: counting them
for a page (the overview's 全部 / 未填报 / per-state badges, a home page's number of enterprises) read every one of
those rows, 100-200 ms at a million enterprises. The database keeps two small tables current instead, in the same
transaction as every change, whatever makes it (the ORM, the admin, an import, raw SQL):

- `PlaceCount`: how many enterprises each place (prefecture `region`, county `county`) has;
- `AssessmentCount`: how many assessments of each period are in each state, per place of their enterprise, and how
  many of them are in their second or later round (submitted again after a return: the work queue's 退回后重新提交).

A place is what the access scope narrows by (`Access.place_q`): a user's counts are the sum of the rows of the
places in their scope (a few hundred rows for a province), plus the few enterprises named to an officer outside
those places, counted from their rows (selectors.overview_counts).

Statement-level triggers (transition tables: a bulk write is one step) add each statement's signed difference to
the row of its key (INSERT … ON CONFLICT DO UPDATE, keys in order). A status change waits only for another change
of the same period, place and state committing (one short transaction). An enterprise moving place moves its count
and its assessments' counts. The assessment triggers first take a share lock on the enterprises they count, so an
enterprise moving at the same moment is counted either before or after its move, never half.

`rebuild` recomputes both tables from the rows (the migration that creates them runs it); `drift` compares.
"""

import pgtrigger
from django.db import connection, models
from django.utils.translation import gettext_lazy as _

from enterprises.models import Enterprise, Region
from reform_portal.statement_triggers import ENTERPRISES_MOVED, NEW_ROWS, OLD_ROWS, gives_a_row

from .models import Assessment

ENTERPRISE = Enterprise._meta.db_table
ASSESSMENT = Assessment._meta.db_table
PLACE = "assessments_placecount"
PERIOD_STATE = "assessments_assessmentcount"


class PlaceKey(models.Model):
    """A place: the prefecture and county an enterprise is registered in (the fields the access scope reads)."""

    region = models.ForeignKey(
        Region, verbose_name=_("所在州（市）"), on_delete=models.DO_NOTHING, db_constraint=False, related_name="+"
    )
    county = models.ForeignKey(
        Region,
        verbose_name=_("所在县（市、区）"),
        null=True,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )

    class Meta:
        abstract = True


class PlaceCount(PlaceKey):
    """How many enterprises a place has (kept by the triggers below)."""

    enterprises = models.IntegerField(_("企业数"))

    class Meta:
        db_table = PLACE
        verbose_name = _("地区企业数")
        verbose_name_plural = _("地区企业数")
        constraints = [
            models.UniqueConstraint(fields=["region", "county"], name="place_count_unique", nulls_distinct=False)
        ]

    def __str__(self):
        return f"{self.region_id}/{self.county_id}: {self.enterprises}"


class AssessmentCount(PlaceKey):
    """How many assessments of a period are in a state, per place of their enterprise (kept by the triggers)."""

    period = models.ForeignKey(
        "assessments.ReportingPeriod",
        verbose_name=_("填报期"),
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
    )
    status = models.CharField(_("状态"), max_length=20)
    assessments = models.IntegerField(_("自评数"))
    resubmitted = models.IntegerField(_("其中退回后重新提交的"), default=0, help_text=_("第二轮及以后（round > 1）"))

    class Meta:
        db_table = PERIOD_STATE
        verbose_name = _("自评状态计数")
        verbose_name_plural = _("自评状态计数")
        constraints = [
            models.UniqueConstraint(
                fields=["period", "region", "county", "status"],
                name="assessment_count_unique",
                nulls_distinct=False,
            )
        ]

    def __str__(self):
        return f"{self.period_id} {self.region_id}/{self.county_id} {self.status}: {self.assessments}"


# Trigger bodies ---------------------------------------------------------------------------------------------------


def _lines(sql: str) -> str:
    return "\n".join(line.strip() for line in sql.splitlines() if line.strip())


def _add_places(signed: str) -> str:
    """Add `signed` (rows of sign, region_id, county_id) to PlaceCount."""
    return f"""
        INSERT INTO {PLACE} (region_id, county_id, enterprises)
        SELECT region_id, county_id, SUM(sign) FROM ({signed}) s
        GROUP BY region_id, county_id HAVING SUM(sign) <> 0 ORDER BY region_id, county_id
        ON CONFLICT (region_id, county_id) DO UPDATE SET enterprises = {PLACE}.enterprises + EXCLUDED.enterprises;
    """


def _add_states(signed: str) -> str:
    """Add `signed` (rows of sign, period_id, region_id, county_id, status, round) to AssessmentCount."""
    key = "period_id, region_id, county_id, status"
    return f"""
        INSERT INTO {PERIOD_STATE} ({key}, assessments, resubmitted)
        SELECT {key}, SUM(sign), SUM(CASE WHEN round > 1 THEN sign ELSE 0 END) FROM ({signed}) s GROUP BY {key}
        HAVING SUM(sign) <> 0 OR SUM(CASE WHEN round > 1 THEN sign ELSE 0 END) <> 0 ORDER BY {key}
        ON CONFLICT ({key}) DO UPDATE SET assessments = {PERIOD_STATE}.assessments + EXCLUDED.assessments,
            resubmitted = {PERIOD_STATE}.resubmitted + EXCLUDED.resubmitted;
    """


def enterprise_trigger(op: str) -> str:
    if op == "INSERT":
        body = _add_places(f"SELECT 1 AS sign, region_id, county_id FROM {NEW_ROWS}")
    elif op == "DELETE":
        body = _add_places(f"SELECT -1 AS sign, region_id, county_id FROM {OLD_ROWS}")
    else:  # moved enterprises take their count and their assessments' counts to the new place
        body = f"""
            IF {gives_a_row(ENTERPRISES_MOVED)} THEN
                {
            _add_places(
                f"SELECT 1 AS sign, region_id, county_id FROM ({ENTERPRISES_MOVED}) m UNION ALL "
                f"SELECT -1, old_region, old_county FROM ({ENTERPRISES_MOVED}) m"
            )
        }
                {
            _add_states(
                f"SELECT x.sign, a.period_id, x.region_id, x.county_id, a.status, a.round FROM ("
                f"SELECT 1 AS sign, id, region_id, county_id FROM ({ENTERPRISES_MOVED}) m UNION ALL "
                f"SELECT -1, id, old_region, old_county FROM ({ENTERPRISES_MOVED}) m) x "
                f"JOIN {ASSESSMENT} a ON a.enterprise_id = x.id"
            )
        }
            END IF;
        """
    return _lines(body + " RETURN NULL;")


_ASSESSMENT_COLUMNS = "period_id, enterprise_id, status, round"
# what is counted of a row: an UPDATE that changes none of it (saving a draft) adds nothing
_COUNTED = "({r}.period_id, {r}.enterprise_id, {r}.status, {r}.round > 1)"
_SIGNED = {
    "INSERT": f"SELECT 1 AS sign, {_ASSESSMENT_COLUMNS} FROM {NEW_ROWS}",
    "UPDATE": f"""SELECT 1 AS sign, n.period_id, n.enterprise_id, n.status, n.round FROM {NEW_ROWS} n JOIN {OLD_ROWS} o
            ON o.id = n.id AND {_COUNTED.format(r="o")} IS DISTINCT FROM {_COUNTED.format(r="n")}
            UNION ALL SELECT -1, o.period_id, o.enterprise_id, o.status, o.round FROM {OLD_ROWS} o JOIN {NEW_ROWS} n
            ON n.id = o.id AND {_COUNTED.format(r="o")} IS DISTINCT FROM {_COUNTED.format(r="n")}""",
    "DELETE": f"SELECT -1 AS sign, {_ASSESSMENT_COLUMNS} FROM {OLD_ROWS}",
}


def assessment_trigger(op: str) -> str:
    rows = _SIGNED[op]
    return _lines(f"""
        PERFORM 1 FROM {ENTERPRISE} WHERE id IN (SELECT r.enterprise_id FROM ({rows}) r) ORDER BY id FOR SHARE;
        {
        _add_states(
            f"SELECT r.sign, r.period_id, e.region_id, e.county_id, r.status, r.round FROM ({rows}) r "
            f"JOIN {ENTERPRISE} e ON e.id = r.enterprise_id"
        )
    }
        RETURN NULL;
    """)


def truncate_trigger(*tables: str) -> str:
    """A TRUNCATE (the test runner's flush) empties what the truncated table counted."""
    return _lines(" ".join(f"DELETE FROM {t};" for t in tables) + " RETURN NULL;")


_OPERATIONS = {"INSERT": pgtrigger.Insert, "UPDATE": pgtrigger.Update, "DELETE": pgtrigger.Delete}
_REFERENCING = {
    "INSERT": pgtrigger.Referencing(new=NEW_ROWS),
    "UPDATE": pgtrigger.Referencing(old=OLD_ROWS, new=NEW_ROWS),
    "DELETE": pgtrigger.Referencing(old=OLD_ROWS),
}


def _triggers(prefix: str, body, emptied: list[str]) -> list[pgtrigger.Trigger]:
    after = [
        pgtrigger.Trigger(
            name=f"{prefix}_{op.lower()}",
            when=pgtrigger.After,
            operation=_OPERATIONS[op],
            level=pgtrigger.Statement,
            referencing=_REFERENCING[op],
            func=body(op),
        )
        for op in _OPERATIONS
    ]
    truncate = pgtrigger.Trigger(
        name=f"{prefix}_truncate",
        when=pgtrigger.After,
        operation=pgtrigger.Truncate,
        level=pgtrigger.Statement,
        func=truncate_trigger(*emptied),
    )
    return [*after, truncate]


class CountedEnterprise(Enterprise):
    """Enterprises, counted per place into PlaceCount (the proxy declares the triggers on their table)."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = _triggers("count_place_enterprise", enterprise_trigger, [PLACE, PERIOD_STATE])


class CountedAssessment(Assessment):
    """Assessments, counted per period, place and state into AssessmentCount."""

    class Meta:
        proxy = True
        default_permissions = ()
        triggers = _triggers("count_period_state", assessment_trigger, [PERIOD_STATE])


# Recomputing and checking ----------------------------------------------------------------------------------------

_PLACES_SQL = f"SELECT region_id, county_id, COUNT(*) FROM {ENTERPRISE} GROUP BY region_id, county_id"
_STATES_SQL = f"""SELECT a.period_id, e.region_id, e.county_id, a.status, COUNT(*),
    COUNT(*) FILTER (WHERE a.round > 1) FROM {ASSESSMENT} a
    JOIN {ENTERPRISE} e ON e.id = a.enterprise_id GROUP BY a.period_id, e.region_id, e.county_id, a.status"""


def rebuild(cursor=None):
    """Recompute both tables from the enterprises and assessments."""
    cursor = cursor or connection.cursor()
    cursor.execute(f"LOCK TABLE {ENTERPRISE}, {ASSESSMENT} IN SHARE MODE")
    cursor.execute(f"DELETE FROM {PLACE}; DELETE FROM {PERIOD_STATE}")
    cursor.execute(f"INSERT INTO {PLACE} (region_id, county_id, enterprises) {_PLACES_SQL}")
    cursor.execute(
        f"INSERT INTO {PERIOD_STATE} (period_id, region_id, county_id, status, assessments, resubmitted) {_STATES_SQL}"
    )


def drift() -> dict[str, dict]:
    """The keys whose kept counts differ from a count of the rows, {key: (kept, counted)} per table ("places",
    "states"); empty when the tables are right."""
    found = {}
    with connection.cursor() as cursor:
        for name, table, key, columns, sql in (
            ("places", PLACE, "region_id, county_id", "SUM(enterprises)", _PLACES_SQL),
            (
                "states",
                PERIOD_STATE,
                "period_id, region_id, county_id, status",
                "SUM(assessments), SUM(resubmitted)",
                _STATES_SQL,
            ),
        ):
            width = columns.count("SUM(")
            cursor.execute(f"SELECT {key}, {columns} FROM {table} GROUP BY {key}")
            kept = {tuple(row[:-width]): tuple(row[-width:]) for row in cursor.fetchall() if any(row[-width:])}
            cursor.execute(sql)
            counted = {tuple(row[:-width]): tuple(row[-width:]) for row in cursor.fetchall()}
            nothing = (0,) * width
            found[name] = {
                k: (kept.get(k, nothing), counted.get(k, nothing))
                for k in kept.keys() | counted.keys()
                if kept.get(k, nothing) != counted.get(k, nothing)
            }
    return found
