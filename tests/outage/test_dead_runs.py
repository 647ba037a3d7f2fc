"""A rollup run whose worker died (or whose task never reached one) is marked failed by the periodic check, not left
进行中 forever; a part delivered twice counts once."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from measures.models import PolicyDocument
from reporting import rollup, tasks
from reporting.choices import RunKind, RunStatus
from reporting.models import RollupRun

pytestmark = pytest.mark.django_db


def _run(*, status, silent_for, heartbeat=True, **fields):
    """A run last heard of `silent_for` ago (its heartbeat, or only its start)."""
    day = timezone.localdate()
    run = RollupRun.objects.create(kind=RunKind.REFRESH, day=day, status=status, parts_total=2, **fields)
    then = timezone.now() - silent_for
    RollupRun.objects.filter(pk=run.pk).update(started_at=then, heartbeat_at=then if heartbeat else None)
    return run


def test_runs_silent_longer_than_the_time_limit_are_marked_failed(client, users, settings):
    settings.ROLLUP_TIME_LIMIT_SECONDS = 15 * 60
    province = users["sasac-yn"].profile.province
    # given a run whose worker was killed mid-part 20 minutes ago, a refresh queued 20 minutes ago whose task never
    # reached a worker, a run whose last part started 5 minutes ago, and one long started but heard of just now
    dead = _run(status=RunStatus.RUNNING, silent_for=timedelta(minutes=20), province=province)
    undelivered = _run(status=RunStatus.QUEUED, silent_for=timedelta(minutes=20), heartbeat=False, province=province)
    elsewhere = users["sasac-sx"].profile.province
    busy = _run(status=RunStatus.RUNNING, silent_for=timedelta(minutes=5), province=elsewhere)
    long = _run(status=RunStatus.RUNNING, silent_for=timedelta(hours=2), province=elsewhere)
    RollupRun.objects.filter(pk=long.pk).update(heartbeat_at=timezone.now())
    # when the periodic check runs
    expired = tasks.rollup_runs_expire()
    # then the dead and the undelivered runs are failed, with the reason, and the live ones untouched
    assert sorted(expired) == sorted([dead.pk, undelivered.pk])
    for run, words in ((dead, "工作进程可能已中止"), (undelivered, "未被工作进程接收")):
        run.refresh_from_db()
        assert run.status == RunStatus.FAILED and run.finished_at is not None and words in run.error
    for run in (busy, long):
        run.refresh_from_db()
        assert run.status == RunStatus.RUNNING and run.finished_at is None
    # and the dashboard says 失败, no longer 进行中, for the province's runs
    client.force_login(users["sasac-yn"])
    status = client.get(reverse("reporting:runs"), {"province": "530000"}).content.decode()
    assert "失败" in status and "进行中" not in status and "排队中" not in status
    # and the task of the expired refresh, delivered late, starts nothing
    assert tasks.rollup_refresh_province(undelivered.pk) is None
    assert RollupRun.objects.get(pk=undelivered.pk).status == RunStatus.FAILED


def test_a_part_counts_once_and_a_late_part_does_not_reopen_an_expired_run(users):
    documents = list(PolicyDocument.objects.order_by("pk"))
    run = rollup.rollup_run_start(kind=RunKind.FULL, day=timezone.localdate(), documents=documents)
    # a part delivered twice (the outbox published it again) counts once
    for _ in range(2):
        rollup.rollup_part_run(run_id=run.pk, document_id=documents[0].pk, day=run.day)
    run.refresh_from_db()
    assert (run.parts_done, run.status) == (1, RunStatus.RUNNING)
    # the run expires (its other part's worker died); that part then finishes late: the verdict stands
    RollupRun.objects.filter(pk=run.pk).update(heartbeat_at=timezone.now() - timedelta(hours=1))
    assert [r.pk for r in rollup.rollup_runs_expire()] == [run.pk]
    rollup.rollup_part_run(run_id=run.pk, document_id=documents[1].pk, day=run.day)
    run.refresh_from_db()
    assert (run.parts_done, run.status) == (2, RunStatus.FAILED)


def test_rollup_parts_have_a_time_limit(settings):
    assert tasks.rollup_part.time_limit == settings.ROLLUP_TIME_LIMIT_SECONDS
    assert 0 < tasks.rollup_part.soft_time_limit < tasks.rollup_part.time_limit
