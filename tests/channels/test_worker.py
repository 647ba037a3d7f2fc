"""A delivery through the outbox and a real Celery worker on Redis (queue `notifications`), retried after a 500."""

import pytest
from django.db import transaction

from reform_portal.channels import services
from reform_portal.channels.models import Delivery
from tests.celery_worker import celery_worker
from tests.factories import make_officer


@pytest.mark.celery_worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_posts_retries_after_a_500_and_records_it(receiver, tmp_path, settings):
    env = {
        "CHANNEL_WEBHOOK_ALLOW_HTTP_HOSTS": "127.0.0.1",
        "CHANNEL_RETRY_DELAYS": "0.5",
        "CHANNEL_CONNECT_TIMEOUT": "2",
        "CHANNEL_READ_TIMEOUT": "2",
    }
    officer = make_officer("o-worker-robot")
    services.channel_create(
        data={"kind": "wecom", "name": "群", "webhook_url": receiver.url("/cgi-bin/webhook/send?key=w")},
        by=officer,
        owner=officer,
    )
    receiver.script = [(500, {"error": "busy"})]
    with celery_worker(tmp_path, queues=["notifications"], name="channels", env=env) as worker:
        # when a write announces and commits (the outbox publishes the task after commit)
        with transaction.atomic():
            (delivery,) = services.announce(user_ids=[officer.pk], title="逾期提醒", text="请督促", caused_by=officer)
        # then the worker posts, gets a 500, tries again after the pause and records the delivery sent
        sent = worker.wait_for(
            lambda: Delivery.objects.filter(pk=delivery.pk, status="sent").first(), "the delivery was not sent", 60
        )
    assert (sent.attempts, sent.last_status) == (2, 200)
    assert len(receiver.requests) == 2
    assert receiver.requests[-1]["json"]["markdown"]["content"].startswith("### 逾期提醒")
