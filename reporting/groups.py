"""The provincial groups' figures (省属集团): per group, over its subsidiaries at any depth, computed live.

A group is an enterprise of the province under provincial supervision (省属) with no parent and at least one
subsidiary (`Enterprise.parent`); its subsidiaries are all the enterprises below it, at any depth. A group has tens
to hundreds of them, so its figures are read from the source rows when asked, not rolled up:

- subsidiaries: those the document addresses (`measures.applicability`), out of all of them;
- completion by measure: (已完成 + 常态化推进) ÷ the applicable records, one record per subsidiary and measure that
  applies to it (`applies_sql`, the one rule), a missing progress row counting as 未启动; progress of a measure that
  does not apply to its enterprise is not counted;
- lagging subsidiaries: `measures.lagging.lagging_enterprises` over the addressed subsidiaries.

`group_figures` reads every group of a province in four queries, however many groups there are.
"""

from dataclasses import dataclass, field

from django.db import connection
from django.db.models import Q, QuerySet
from django.db.models.expressions import RawSQL

from enterprises.choices import SupervisionLevel
from enterprises.models import Enterprise, Region
from measures.applicability import FACTS, applies_sql
from measures.choices import DONE_STATUSES, TRACKED_ADDRESSEES
from measures.lagging import lagging_enterprises
from measures.models import Measure, PolicyDocument, Progress, Scope

ENTERPRISE = Enterprise._meta.db_table


def provincial_groups_q(province, prefix: str = "") -> Q:
    """Q over enterprises: the heads of the province's provincial groups. "Has a subsidiary" is asked as "is the
    parent of some enterprise" (`pk IN` the parents, read from the parent index): its cost follows the subsidiaries,
    where an EXISTS per enterprise would probe every 省属 enterprise of the province (tens of thousands at 1 M)."""
    parents = Enterprise.objects.filter(parent__isnull=False).order_by().values("parent_id")
    return Q(
        **{
            f"{prefix}supervision_level": SupervisionLevel.PROVINCIAL,
            f"{prefix}parent__isnull": True,
            f"{prefix}region__parent": province,
            f"{prefix}pk__in": parents,
        }
    )


def provincial_groups(province) -> QuerySet:
    return Enterprise.objects.filter(provincial_groups_q(province))


def _tree_sql(heads: QuerySet) -> tuple[str, list]:
    """WITH RECURSIVE `tree(group_id, id)`: every enterprise below one of `heads`, with the head it is under (the
    parent tree has one root per enterprise; UNION stops at a cycle, which Enterprise.clean refuses anyway)."""
    heads_sql, heads_params = heads.order_by().values("pk").query.sql_with_params()
    return (
        f"""WITH RECURSIVE tree(group_id, id) AS (
            SELECT e.parent_id, e.id FROM {ENTERPRISE} e WHERE e.parent_id IN ({heads_sql})
            UNION
            SELECT t.group_id, e.id FROM {ENTERPRISE} e JOIN tree t ON e.parent_id = t.id
        )""",
        list(heads_params),
    )


@dataclass
class MeasureFigures:
    measure: Measure
    records: int = 0
    done: int = 0  # 已完成 + 常态化推进

    @property
    def completion_rate(self) -> float | None:
        return self.done / self.records if self.records else None

    @property
    def completion_percent(self) -> float | None:
        return None if self.completion_rate is None else round(self.completion_rate * 100, 1)


@dataclass
class GroupFigures:
    head: Enterprise
    descendants: int = 0  # every subsidiary, at any depth
    subsidiaries: int = 0  # those the document addresses
    lagging: int = 0  # lagging subsidiaries among them
    records: int = 0
    done: int = 0
    measures: list[MeasureFigures] = field(default_factory=list)

    @property
    def completion_rate(self) -> float | None:
        return self.done / self.records if self.records else None

    @property
    def completion_percent(self) -> float | None:
        return None if self.completion_rate is None else round(self.completion_rate * 100, 1)


def group_figures(*, document: PolicyDocument, heads: QuerySet | None = None) -> list[GroupFigures]:
    """The figures of the provincial groups of `document`'s province (or of `heads`, a narrower queryset of group
    heads, e.g. narrowed by the access policy), by the heads' names. Four queries: the heads, the measures, the
    lagging subsidiaries, and the counts of every group and measure at once (GROUPING SETS)."""
    if heads is None:
        heads = provincial_groups(document.province_id)
    groups = {h.pk: GroupFigures(head=h) for h in heads.select_related("region").order_by("name", "pk")}
    if not groups:
        return []
    measures = {
        m.pk: m
        for m in Measure.objects.filter(document=document, addressee__in=TRACKED_ADDRESSEES).order_by("position")
    }
    tree, tree_params = _tree_sql(heads)
    scope, region, measure, progress = (
        Scope._meta.db_table,
        Region._meta.db_table,
        Measure._meta.db_table,
        Progress._meta.db_table,
    )
    facts = ", ".join(f"e.{f}" for f in dict.fromkeys(FACTS))
    # every subsidiary, whether the document addresses it (its scope applies), with its facts
    members = f"""
        {tree},
        member AS MATERIALIZED (
            SELECT t.group_id, e.id, rg.parent_id AS province_id, {facts},
                   {applies_sql("ds", "e", "rg.parent_id")} AS addressed
            FROM tree t JOIN {ENTERPRISE} e ON e.id = t.id JOIN {region} rg ON rg.id = e.region_id
                 JOIN {scope} ds ON ds.id = %s
        )
    """
    members_params = [*tree_params, document.scope_id]
    addressed = Enterprise.objects.filter(
        pk__in=RawSQL(f"{members} SELECT id FROM member WHERE addressed", members_params)
    )
    lagging = list(lagging_enterprises(addressed).order_by().values_list("pk", flat=True))
    in_measures = ", ".join(str(int(pk)) for pk in measures) or "NULL"
    done = ", ".join(f"'{s}'" for s in DONE_STATUSES)
    sql = f"""
        {members},
        -- the subsidiaries' progress rows that count as done (whether they apply is asked below)
        done AS MATERIALIZED (
            SELECT p.enterprise_id, p.measure_id FROM {progress} p JOIN member a ON a.id = p.enterprise_id
            WHERE p.status IN ({done}) AND p.measure_id IN ({in_measures})
        )
        SELECT a.group_id, m.id, GROUPING(m.id) AS whole, COUNT(DISTINCT a.id),
               COUNT(DISTINCT a.id) FILTER (WHERE a.addressed),
               COUNT(DISTINCT a.id) FILTER (WHERE a.addressed AND lg.id IS NOT NULL),
               COUNT(m.id), COUNT(d.measure_id)
        FROM member a
        LEFT JOIN (SELECT DISTINCT unnest(%s::bigint[]) AS id) lg ON lg.id = a.id
        LEFT JOIN ({measure} m JOIN {scope} ms ON ms.id = m.scope_id)
               ON a.addressed AND m.id IN ({in_measures}) AND {applies_sql("ms", "a", "a.province_id")}
        LEFT JOIN done d ON d.enterprise_id = a.id AND d.measure_id = m.id
        GROUP BY GROUPING SETS ((a.group_id), (a.group_id, m.id))
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [*members_params, lagging])
        rows = cursor.fetchall()
    per_measure: dict[int, dict[int, MeasureFigures]] = {pk: {} for pk in groups}
    for group_id, measure_id, whole, descendants, subsidiaries, lagging_count, records, done_count in rows:
        group = groups.get(group_id)
        if group is None:
            continue
        if whole:
            group.descendants, group.subsidiaries, group.lagging = descendants, subsidiaries, lagging_count
            group.records, group.done = records, done_count
        elif measure_id is not None:
            per_measure[group_id][measure_id] = MeasureFigures(measures[measure_id], records, done_count)
    for pk, group in groups.items():
        group.measures = [per_measure[pk].get(m_pk) or MeasureFigures(m) for m_pk, m in measures.items()]
    return list(groups.values())
