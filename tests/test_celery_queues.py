"""Celery queues (settings.CELERY_TASK_ROUTES): every task of the portal is routed by name to a declared queue, a
message lands in its queue's Redis list, and a worker started on one queue takes only that queue's tasks."""

import fnmatch
import json
import uuid

import pytest
import redis
from django.conf import settings

from reform_portal.celery import app
from tests.celery_worker import celery_worker

PORTAL_PACKAGES = ("reform_portal.", "enterprises.", "measures.", "reporting.")


def portal_tasks() -> list[str]:
    app.loader.import_default_modules()  # autodiscovery: every installed app's tasks module
    names = sorted(name for name in app.tasks if name.startswith(PORTAL_PACKAGES))
    assert len(names) >= 14, names  # the discovery did find the portal's tasks
    return names


def queue_of(name: str) -> str:
    return app.amqp.router.route({}, name, args=(), kwargs={})["queue"].name


def test_every_task_of_the_portal_is_routed_by_name_to_a_declared_queue():
    declared = set(settings.CELERY_QUEUE_NAMES)
    assert {q.name for q in app.conf.task_queues} == declared
    unrouted = [n for n in portal_tasks() if not any(fnmatch.fnmatchcase(n, p) for p in settings.CELERY_TASK_ROUTES)]
    assert not unrouted, f"tasks without a route in CELERY_TASK_ROUTES: {unrouted}"
    misrouted = {n: queue_of(n) for n in portal_tasks() if queue_of(n) not in declared}
    assert not misrouted, f"tasks routed to an undeclared queue: {misrouted}"


def test_each_kind_of_work_has_its_queue():
    assert queue_of("reporting.tasks.rollup_part") == "rollups"
    assert queue_of("reporting.tasks.rollup_full") == "rollups"
    assert queue_of("reporting.tasks.rollup_refresh") == "rollups"
    assert queue_of("reporting.tasks.rollup_refresh_province") == "rollups"
    assert queue_of("reform_portal.jobs.tasks.enterprise_export_job") == "jobs"
    assert queue_of("reform_portal.jobs.tasks.enterprise_import_job") == "jobs"
    assert queue_of("reporting.assessments.tasks.send_notice_email") == "notifications"
    assert queue_of("reform_portal.outbox.tasks.outbox_flush") == "celery"


@pytest.fixture
def broker():
    if not settings.CELERY_BROKER_URL.startswith("redis://"):
        pytest.fail("REDIS_URL must point at a real Redis for the queue tests")
    client = redis.Redis.from_url(settings.CELERY_BROKER_URL)
    client.delete(*settings.CELERY_QUEUE_NAMES)
    yield client
    client.delete(*settings.CELERY_QUEUE_NAMES)


def _sent(client, queue: str) -> list[str]:
    """The task names waiting in `queue`'s Redis list (kombu's Redis transport keeps one list per queue)."""
    return [json.loads(raw)["headers"]["task"] for raw in client.lrange(queue, 0, -1)]


def test_a_message_lands_in_its_queues_redis_list(broker):
    # when one task of each kind is sent through the broker (as the outbox does: by name)
    for name in (
        "reporting.tasks.rollup_runs_expire",
        "reform_portal.jobs.tasks.jobs_housekeeping",
        "reporting.assessments.tasks.send_notice_email",
        "reform_portal.audit.tasks.audit_daily",
    ):
        app.send_task(name, args=[0] if name.endswith("email") else [], task_id=str(uuid.uuid4()))
    # then each waits in its own queue
    assert _sent(broker, "rollups") == ["reporting.tasks.rollup_runs_expire"]
    assert _sent(broker, "jobs") == ["reform_portal.jobs.tasks.jobs_housekeeping"]
    assert _sent(broker, "notifications") == ["reporting.assessments.tasks.send_notice_email"]
    assert _sent(broker, "celery") == ["reform_portal.audit.tasks.audit_daily"]


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_on_one_queue_takes_only_that_queues_tasks(broker, tmp_path):
    # given a worker started on the notifications queue only
    with celery_worker(tmp_path, queues=["notifications"], name="notifications") as worker:
        # when a mail task and a rollup task are sent
        rollup_id, mail_id = str(uuid.uuid4()), str(uuid.uuid4())
        app.send_task("reporting.tasks.rollup_runs_expire", task_id=rollup_id)
        app.send_task("reporting.assessments.tasks.send_notice_email", args=[0], task_id=mail_id)
        # then the worker runs the mail task (for a notice that does not exist: it mails no one)
        done = f"send_notice_email[{mail_id}] succeeded"
        worker.wait_for(lambda: done in worker.log.read_text(), "the mail task was not run")
        assert not broker.lrange("notifications", 0, -1)
        # and leaves the rollup task in its queue for the rollups workers
        assert _sent(broker, "rollups") == ["reporting.tasks.rollup_runs_expire"]
        assert rollup_id not in worker.log.read_text()
