"""The lagging panel of a live filter combination of more enterprises than `reporting.live.LIVE_JOB_THRESHOLD` is
computed by the worker with the figures, never by the web request: the page answers 正在计算 without a query of the
lagging rule, and once the task has run the panel shows the scope's lagging enterprises, oldest update first, as
counted here from the rows with the rule of measures/lagging.py written out independently. Below the threshold the
request computes the same panel itself."""

from datetime import timedelta

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from enterprises.models import Enterprise
from measures.choices import Status
from measures.models import Measure, PolicyDocument, Progress
from reform_portal.outbox.models import OutboxMessage
from reporting import live, tasks
from reporting.models import ProgressSummary
from tests.reporting.tally_oracle import applies
from tests.reporting.test_dashboard_combined_filters import DASHBOARD, STATE, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
TASK = "reporting.tasks.rollup_live_figures"
PANEL_ROWS = 20  # the rows the panel lists (selectors.LAGGING_TABLE_ROWS)
UPDATED_WITHIN_DAYS = 90  # "up to date": an update within these days (and no measure 未启动)


def lagging_here(*, ownerships) -> list[Enterprise]:
    """The Yunnan enterprises of `ownerships` the document applies to that lag, oldest update first, then by name:
    an enterprise lags when it has progress on measures that apply to it, is past its grace period, and is not up
    to date (a measure still 未启动, or no update for 90 days)."""
    now = timezone.now()
    document = PolicyDocument.objects.get(province__code="530000")
    scopes = {m.pk: m.scope for m in Measure.objects.select_related("scope")}
    rows: dict[int, list] = {}
    for p in Progress.objects.all():
        rows.setdefault(p.enterprise_id, []).append(p)
    found = []
    for e in Enterprise.objects.filter(region__parent__code="530000").select_related("region"):
        if e.ownership not in ownerships or not applies(document.scope, e):
            continue
        mine = [p for p in rows.get(e.pk, []) if applies(scopes[p.measure_id], e)]
        if not mine or e.created_at > now - timedelta(days=settings.LAGGING_GRACE_DAYS):
            continue
        last = max(p.updated_at for p in mine)
        up_to_date = all(p.status != Status.NOT_STARTED for p in mine) and last >= now - timedelta(
            days=UPDATED_WITHIN_DAYS
        )
        if not up_to_date:
            e.last = last
            found.append(e)
    return sorted(found, key=lambda e: (e.last, e.name))


def reads_the_lagging_rule(queries) -> bool:
    """Whether a statement read the progress summaries (the lagging rule's inputs: selectors.lagging_panel)."""
    return any(ProgressSummary._meta.db_table in q["sql"] for q in queries.captured_queries)


def test_a_large_live_combination_computes_its_lagging_panel_in_the_worker(client, world, monkeypatch):  # noqa: F811
    client.force_login(world["users"]["sasac-yn"])
    params = {"ownership": "state"}  # "all state-owned": live
    expected = lagging_here(ownerships=STATE)
    assert len(expected) > PANEL_ROWS  # the panel lists the oldest 20 and counts them all
    cache.clear()
    monkeypatch.setattr(live, "LIVE_JOB_THRESHOLD", 3)  # the combination is now "large"

    with CaptureQueriesContext(connection) as queries:
        first = client.get(DASHBOARD, params)

    # the page answers at once: no lagging query, the panel says it is being computed
    data = first.context["data"]
    assert first.status_code == 200 and data["computing"]
    assert data["lagging_enterprises"] == [] and data["lagging_count"] is None
    assert not reads_the_lagging_rule(queries), [q["sql"] for q in queries.captured_queries]
    page = first.content.decode()
    assert 'id="lagging-computing"' in page and '<span id="lagging-count">…</span>' in page
    (message,) = OutboxMessage.objects.filter(task=TASK)

    # when the worker has run the task (its body, with the arguments the page recorded)
    tasks.rollup_live_figures(*message.args)

    poll = client.get(DASHBOARD, params, headers={"HX-Trigger": "live-computing"})
    assert poll["HX-Refresh"] == "true"
    with CaptureQueriesContext(connection) as queries:
        shown = client.get(DASHBOARD, params)
    assert not reads_the_lagging_rule(queries)  # from the cache the worker filled
    data = shown.context["data"]
    assert not data.get("computing")
    assert data["lagging_count"] == len(expected)
    assert [r["pk"] for r in data["lagging_enterprises"]] == [e.pk for e in expected[:PANEL_ROWS]]
    assert f'<span id="lagging-count">{len(expected)}</span>' in shown.content.decode()
    assert data["headline"]["lagging"] == len(expected)  # the headline's figure, from the same worker

    # below the threshold the request computes the same panel itself (and so reads the rule's inputs)
    cache.clear()
    monkeypatch.setattr(live, "LIVE_JOB_THRESHOLD", 5_000)
    with CaptureQueriesContext(connection) as queries:
        here = client.get(DASHBOARD, params).context["data"]
    assert reads_the_lagging_rule(queries) and not here.get("computing")
    assert here["lagging_count"] == data["lagging_count"]
    assert here["lagging_enterprises"] == data["lagging_enterprises"]
