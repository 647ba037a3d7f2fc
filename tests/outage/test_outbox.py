"""The outbox against a real Redis broker: a call is published only if its transaction commits, once, under a task id
of its row; a down or hung broker costs one short attempt, and the flush sends what waited, in order."""

import json
import socket
import time

import pytest
from django.db import transaction

from reform_portal.celery import app
from reform_portal.outbox import services as outbox
from reform_portal.outbox.models import OutboxMessage
from reporting.assessments.tasks import send_notice_email

pytestmark = pytest.mark.django_db


def _queued_ids(server) -> list[str]:
    """Task ids waiting in the mail's queue (settings.CELERY_TASK_ROUTES), oldest first (kombu pushes left, workers
    pop right)."""
    return [json.loads(raw)["headers"]["id"] for raw in reversed(server.client().lrange("notifications", 0, -1))]


def test_published_after_commit_only_and_once(own_redis, django_capture_on_commit_callbacks):
    # a call enqueued in a transaction that rolls back is neither kept nor sent
    with django_capture_on_commit_callbacks(execute=True):
        with pytest.raises(RuntimeError), transaction.atomic():
            outbox.enqueue(send_notice_email, 1)
            raise RuntimeError("the write fails")
    assert not OutboxMessage.objects.exists() and _queued_ids(own_redis) == []
    # a committed one is sent once its transaction commits, under its row's task id
    with django_capture_on_commit_callbacks(execute=True):
        message = outbox.enqueue(send_notice_email, 7)
        assert message.sent_at is None
    assert message.sent_at is not None and _queued_ids(own_redis) == [f"outbox-{message.pk}"]
    # and flushing afterwards sends nothing again
    assert outbox.flush() == 0 and outbox.flush() == 0
    assert _queued_ids(own_redis) == [f"outbox-{message.pk}"]


def test_a_down_broker_costs_one_attempt_and_the_flush_sends_in_order(own_redis, django_capture_on_commit_callbacks):
    own_redis.kill()
    started = time.monotonic()
    with django_capture_on_commit_callbacks(execute=True):
        first = outbox.enqueue(send_notice_email, 1)
    with django_capture_on_commit_callbacks(execute=True):
        second = outbox.enqueue("reporting.assessments.tasks.send_notice_email", 2)  # by name, as beat's are
    # the first publish failed fast and was recorded; the second, right after, did not try
    assert time.monotonic() - started < 2.0
    first.refresh_from_db(), second.refresh_from_db()
    assert (first.sent_at, first.attempts, second.sent_at, second.attempts) == (None, 1, None, 0)
    assert first.last_error
    # when the broker is back, the flush sends both, oldest first
    own_redis.start()
    assert outbox.flush() == 2
    assert _queued_ids(own_redis) == [f"outbox-{first.pk}", f"outbox-{second.pk}"]
    assert not OutboxMessage.objects.filter(sent_at=None).exists()


def test_a_hung_broker_fails_the_publish_within_the_timeout(own_redis, django_capture_on_commit_callbacks):
    with socket.socket() as hung:  # accepts connections (the kernel does), never answers
        hung.bind(("127.0.0.1", 0))
        hung.listen(64)
        app.conf.broker_url = f"redis://127.0.0.1:{hung.getsockname()[1]}/0"
        started = time.monotonic()
        with django_capture_on_commit_callbacks(execute=True):
            message = outbox.enqueue(send_notice_email, 1)
        assert time.monotonic() - started < 2.5
    message.refresh_from_db()
    assert message.sent_at is None and message.attempts == 1
