"""A live filter combination of more enterprises than `reporting.live.LIVE_JOB_THRESHOLD` never holds the web worker:
the page answers at once with 正在计算 and one task in the outbox (however many times it is asked meanwhile), the
page's poll answers 204 until a worker has computed and cached the figures, then asks the browser to reload, and the
figures are those the page computes itself for a small combination."""

import pytest
from django.core.cache import cache

from enterprises.choices import Industry
from reform_portal.outbox.models import OutboxMessage
from reporting import live, tasks
from tests.reporting.test_dashboard_combined_filters import DASHBOARD, world  # noqa: F401 - the fixture

pytestmark = pytest.mark.django_db
TASK = "reporting.tasks.rollup_live_figures"


def _figures(data) -> tuple:
    def plain(figures):  # when they were computed aside
        return {k: v for k, v in figures.items() if k != "computed_at"}

    return (
        plain(data["headline"]),
        [(item["measure"].pk, plain(item["figures"])) for item in data["measures"]],
        [(item["prefecture"].pk, plain(item["figures"])) for item in data["prefectures"]],
    )


def test_a_large_live_combination_is_computed_by_a_worker_while_the_page_polls(client, world, monkeypatch):  # noqa: F811
    client.force_login(world["users"]["sasac-yn"])
    params = {"ownership": "state", "industry": Industry.C}
    cache.clear()
    computed_here = client.get(DASHBOARD, params).context["data"]  # small: computed in the request, as before
    assert computed_here["live"] and computed_here["headline"] and not computed_here.get("computing")
    assert not OutboxMessage.objects.filter(task=TASK).exists()

    cache.clear()
    monkeypatch.setattr(live, "LIVE_JOB_THRESHOLD", 3)  # the combination is now "large"
    first = client.get(DASHBOARD, params)
    again = client.get(DASHBOARD, params)

    assert first.status_code == 200 and first.context["data"]["computing"]
    assert first.context["data"]["headline"] is None
    assert 'id="live-computing"' in first.content.decode() and "正在计算" in first.content.decode()
    assert again.context["data"]["computing"]
    (message,) = OutboxMessage.objects.filter(task=TASK)  # asked once while pending
    poll = client.get(DASHBOARD, params, headers={"HX-Trigger": "live-computing"})
    assert poll.status_code == 204

    # when the worker has run the task (its body, with the arguments the page recorded)
    user_id, parameters = message.args
    tasks.rollup_live_figures(user_id, parameters)

    poll = client.get(DASHBOARD, params, headers={"HX-Trigger": "live-computing"})
    assert poll.status_code == 200 and poll["HX-Refresh"] == "true"
    shown = client.get(DASHBOARD, params).context["data"]
    assert not shown.get("computing") and shown["live"]
    assert _figures(shown) == _figures(computed_here)  # the same figures as computed in the request
    assert OutboxMessage.objects.filter(task=TASK).count() == 1


def test_the_size_rule_counts_at_most_one_more_than_the_threshold(world, monkeypatch):  # noqa: F811
    from enterprises.models import Enterprise

    base = Enterprise.objects.all()
    n = base.count()
    monkeypatch.setattr(live, "LIVE_JOB_THRESHOLD", n)
    assert not live.live_is_large(base)
    monkeypatch.setattr(live, "LIVE_JOB_THRESHOLD", n - 1)
    assert live.live_is_large(base)


def test_with_the_cache_away_the_page_computes_the_figures_itself(client, world, monkeypatch):  # noqa: F811
    from django.core.cache import cache as the_cache

    client.force_login(world["users"]["sasac-yn"])
    cache.clear()
    monkeypatch.setattr(live, "LIVE_JOB_THRESHOLD", 3)
    monkeypatch.setattr(the_cache, "add", lambda *args, **kwargs: False)  # as resilient_cache answers with Redis away
    data = client.get(DASHBOARD, {"ownership": "state", "industry": Industry.C}).context["data"]
    assert not data.get("computing") and data["live"] and data["headline"]
    assert not OutboxMessage.objects.filter(task=TASK).exists()
