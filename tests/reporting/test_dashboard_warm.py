"""The warm dashboard costs the same whatever the number of enterprises: its figures come from the cache of the
rollup's snapshots, and the one live part, the provincial groups, finds its heads by the subsidiaries (the parent
index), never by probing every 省属 enterprise of the province (the bench's million: issue 12)."""

import json
import re

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Enterprise, Region
from reporting import rollup
from reporting.groups import provincial_groups
from tests.reporting.rollup_data import make_enterprises

DASHBOARD = reverse("reporting:dashboard")
ENTERPRISES = "enterprises_enterprise"
# Tables whose rows grow with the enterprises: a warm page reads none of them but the group heads' query.
GROWING = (ENTERPRISES, "measures_progress", "measures_indicatorvalue", "reporting_progresssummary")
GROWING += ("assessments_assessment", "reporting_rollupsnapshot", "reporting_progresstally")


def _warm_queries(client) -> list[str]:
    cache.clear()  # a rollup inside a test's transaction never commits, so it never bumps the generation
    assert client.get(DASHBOARD).status_code == 200
    with CaptureQueriesContext(connection) as ctx:
        assert client.get(DASHBOARD).status_code == 200
    return [q["sql"] for q in ctx.captured_queries]


def _tables(sql: str) -> set[str]:
    """The table a query reads from (its first FROM; a join by a key, like the user's profile's enterprise, is
    one row)."""
    found = re.search(r'FROM "?(\w+)"?', sql)
    return {found.group(1)} if found else set()


@pytest.mark.django_db
def test_the_warm_dashboard_runs_the_same_queries_at_two_sizes_and_reads_no_growing_table(client, users):
    client.force_login(users["sasac-yn"])
    make_enterprises(10, seed=1)
    rollup.rollup_full_now()
    small = _warm_queries(client)
    make_enterprises(300, seed=2)
    rollup.rollup_full_now()
    large = _warm_queries(client)
    assert len(small) == len(large)
    growing = [sql for sql in large if _tables(sql) & set(GROWING)]
    # only the group heads (reporting.groups.provincial_groups: the parent index) read the enterprises
    assert len(growing) == 1 and _tables(growing[0]) & set(GROWING) == {ENTERPRISES}, growing
    assert '"parent_id" IS NOT NULL' in growing[0]


def _plan_rows(plan, relation) -> int:
    """Rows the plan's scans of `relation` produced or filtered out (EXPLAIN ANALYZE)."""
    total = 0
    stack = [plan]
    while stack:
        node = stack.pop()
        stack.extend(node.get("Plans", []))
        if node.get("Relation Name") == relation:
            loops = node.get("Actual Loops", 1)
            total += (node.get("Actual Rows", 0) + node.get("Rows Removed by Filter", 0)) * loops
    return total


def test_group_heads_are_found_by_their_subsidiaries_not_by_every_provincial_enterprise(loaded):
    # given 3,000 generated enterprises (analysed), three of Yunnan's 省属 made groups of four subsidiaries each
    yn = Region.objects.get(code="530000")
    provincial = Enterprise.objects.filter(region__parent=yn, supervision_level="provincial", parent__isnull=True)
    heads = list(provincial.order_by("pk").values_list("pk", flat=True)[:3])
    others = list(Enterprise.objects.exclude(pk__in=heads).order_by("-pk").values_list("pk", flat=True)[:12])
    for i, head in enumerate(heads):
        Enterprise.objects.filter(pk__in=others[i * 4 : i * 4 + 4]).update(parent_id=head)
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {ENTERPRISES}")
    assert provincial.count() > 200  # many 省属 enterprises, few of them groups
    # when the heads are read
    qs = provincial_groups(yn).order_by("pk")
    assert list(qs.values_list("pk", flat=True)) == heads
    sql, params = qs.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, FORMAT JSON) " + sql, params)
        raw = cursor.fetchone()[0]
    plan = (json.loads(raw) if isinstance(raw, str) else raw)[0]["Plan"]
    # then the enterprises read are the subsidiaries and their parents, not the province's 省属 enterprises
    assert _plan_rows(plan, ENTERPRISES) <= 12 + 3 + 3, plan
