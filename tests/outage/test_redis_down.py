"""Redis killed: pages render from the database within bounded time, writes succeed and answer at once, and the
work that needed the broker waits in the outbox."""

import socket
import time

import pytest
from django.contrib.messages import get_messages
from django.urls import reverse
from django.utils import timezone

from enterprises.models import Enterprise
from measures.models import PolicyDocument
from reform_portal.outbox.models import OutboxMessage
from reform_portal.resilient_cache import ResilientRedisCache
from reporting import rollup
from reporting.assessments.models import AssessmentNotice
from reporting.models import RollupRun, RollupSnapshot
from tests.factories import PASSWORD, open_period
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db

BOUND = 3.0  # seconds a page or a write may take with Redis gone (it takes ~0.1 s; the hang was 19 s)


def _timed(call):
    started = time.monotonic()
    response = call()
    return response, time.monotonic() - started


def _province_wide(document):
    return RollupSnapshot.objects.get(
        day=timezone.localdate(), document=document, prefecture=None, measure=None, ownership=None, industry=None
    )


def test_pages_render_from_the_database_when_redis_is_killed(
    client, users, own_redis, django_capture_on_commit_callbacks
):
    # given today's figures, and the dashboard read once with Redis up (its figures are then cached in Redis)
    make_enterprises(20)
    rollup.rollup_full_now()
    yn = PolicyDocument.objects.get(province__code="530000")
    client.force_login(users["sasac-yn"])
    dashboard = reverse("reporting:dashboard")
    assert client.get(dashboard).status_code == 200
    assert any(b"reporting:dashboard" in key for key in own_redis.client().keys("*"))
    # when Redis is killed
    own_redis.kill()
    enterprise = Enterprise.objects.filter(region__parent__code="530000").order_by("pk").first()
    pages = [
        dashboard,
        f"{reverse('reporting:drilldown')}?province=530000&document={yn.pk}&figure=completion_rate",
        reverse("enterprises:detail", args=[enterprise.pk]),
    ]
    # then each page renders, promptly, the figures read from the database
    for url in pages:
        response, seconds = _timed(lambda url=url: client.get(url))
        assert response.status_code == 200, url
        assert seconds < BOUND, (url, seconds)
    response = client.get(dashboard)
    assert response.context["data"]["headline"]["applicable"] == _province_wide(yn).applicable
    # and logging in still works: sessions are in the database
    other = client_class_login(users["officer-yn"].username)
    assert other.session.get("_auth_user_id") == str(users["officer-yn"].pk)
    # and a rollup that commits while the cache is away leaves its generation bump in the outbox, so that figures
    # cached before the outage are not served after it
    with django_capture_on_commit_callbacks(execute=True):
        rollup.rollup_document(document=yn, day=timezone.localdate())
    assert OutboxMessage.objects.filter(task=rollup.GENERATION_BUMP_TASK, sent_at=None).exists()


def client_class_login(username):
    from django.test import Client

    other = Client()
    response = other.post(reverse("login"), {"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return other


def test_refresh_now_and_a_reminder_answer_at_once_and_wait_in_the_outbox(
    client, users, own_redis, django_capture_on_commit_callbacks
):
    # given Redis (the broker) killed
    own_redis.kill()
    # when SASAC staff click 立即刷新
    client.force_login(users["sasac-yn"])
    with django_capture_on_commit_callbacks(execute=True):
        response, seconds = _timed(lambda: client.post(reverse("reporting:refresh")))
    # then the page answers promptly, says the request waits, and the run is recorded queued (not 进行中)
    assert response.status_code == 302 and seconds < BOUND, seconds
    assert any("任务队列暂时不可用" in str(m) for m in get_messages(response.wsgi_request))
    run = RollupRun.objects.get(requested_by=users["sasac-yn"])
    assert run.status == "queued"
    held = OutboxMessage.objects.get(task="reporting.tasks.rollup_refresh_province")
    assert held.args == [run.pk] and held.sent_at is None and held.attempts == 1 and "Error" in held.last_error
    assert "排队中" in client.get(reverse("reporting:dashboard")).content.decode()
    # when an officer reminds an enterprise
    period = open_period(province_id=users["officer-yn"].profile.charge_regions.first().parent_id)
    enterprise = users["enterprise-yn"].profile.enterprise
    client.force_login(users["officer-yn"])
    with django_capture_on_commit_callbacks(execute=True):
        remind = reverse("reporting:assessments:remind", args=[period.pk])
        response, seconds = _timed(lambda: client.post(remind, {"enterprise": [enterprise.pk]}))
    # then the notice is saved, the page answers promptly saying the mail will follow, and the mail waits
    assert response.status_code == 302 and seconds < BOUND, seconds
    assert any("邮件将在恢复后自动发出" in str(m) for m in get_messages(response.wsgi_request))
    notice = AssessmentNotice.objects.get(enterprise=enterprise, period=period)
    mail = OutboxMessage.objects.get(task="reporting.assessments.tasks.send_notice_email")
    assert mail.args == [notice.pk] and mail.sent_at is None


def test_a_hung_redis_costs_one_short_timeout_then_the_circuit_skips_it():
    # given a "Redis" that accepts connections and never answers
    with socket.socket() as hung:
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        port = hung.getsockname()[1]
        cache = ResilientRedisCache(f"redis://127.0.0.1:{port}/0", {"OPTIONS": {"CIRCUIT_SECONDS": 30}})
        # when the cache is read: a miss after the socket timeout (0.5 s, retried once)
        first, seconds = _timed(lambda: cache.get("k", "miss"))
        assert first == "miss" and seconds < 2.0, seconds
        # then the next hundred calls skip Redis altogether
        _, seconds = _timed(lambda: [cache.get("k") or cache.set("k", 1) or cache.add("k", 1) for _ in range(100)])
        assert seconds < 0.2, seconds
        assert cache.get_or_set("k", 7) == 7 and cache.get_many(["k"]) == {} and cache.incr("n") == 1


def test_one_redis_client_serves_every_call_and_reconnects_after_a_restart(own_redis):
    # given the portal's cache on the test's Redis (a cache object of its own: no other test's connections)
    cache = ResilientRedisCache(own_redis.url, {"OPTIONS": {"CIRCUIT_SECONDS": 1}})
    clients = []  # every client a call used, kept alive so that none's id is reused
    kept = cache._cache.get_client
    cache._cache.get_client = lambda *a, **k: clients.append(kept(*a, **k)) or clients[-1]
    # when it is written and read many times: one redis-py client serves every call (not one built per call)
    for n in range(20):
        cache.set(f"k{n}", n)
        assert cache.get(f"k{n}") == n
    assert len(clients) == 40 and len({id(c) for c in clients}) == 1
    # and when Redis restarts (its data gone), the kept client reconnects through its pool
    own_redis.kill()
    assert cache.get("k1", "miss") == "miss"  # the outage: a miss, the circuit opens for a second
    own_redis.start()
    time.sleep(1.1)
    cache.set("after", "restart")
    assert cache.get("after") == "restart" and own_redis.client().get(cache.make_and_validate_key("after"))
    assert len({id(c) for c in clients}) == 1
