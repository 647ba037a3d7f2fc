"""A real Celery worker runs the daily escalation twice over the same day: one ledger row per order and stage, one
mail (sent by the worker's notification task through the outbox)."""

from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from enterprises.models import Region
from reform_portal import workdays
from reform_portal.outbox.models import OutboxMessage
from reporting.supervision import tasks
from reporting.supervision.models import OrderEscalation, SupervisionOrder
from tests.celery_worker import start_worker
from tests.factories import EnterpriseFactory, make_officer, make_sasac

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def test_the_beat_run_twice_by_a_worker_escalates_once(tmp_path):
    # given an order to a Kunming enterprise whose due date passed (a working day overdue, by the real calendar)
    if not Region.objects.exists():
        call_command("load_regions", verbosity=0)
    kunming = Region.objects.get(code="530100")
    officer = make_officer("t-worker-officer", regions=[kunming])
    officer.email = "officer@example.cn"
    officer.save()
    sasac = make_sasac("t-worker-sasac")
    enterprise = EnterpriseFactory(name="昆明督办测试有限公司", region=kunming)
    today = timezone.localdate()
    order = SupervisionOrder.objects.create(
        number="云督〔2099〕1号",
        province_id=kunming.parent_id,
        year=2099,
        sequence=1,
        issued_by=sasac,
        issuer_body="sasac",
        enterprise=enterprise,
        request="请整改",
        due_date=workdays.previous_workday(today) - timedelta(days=1),
    )
    # the worker's mail goes to its log (the console backend)
    worker = start_worker(
        tmp_path,
        queues=["celery", "notifications"],
        name="orders",
        env={"EMAIL_BACKEND": "django.core.mail.backends.console.EmailBackend"},
    )
    try:
        # when beat sends the daily task twice
        tasks.order_escalations_send.delay()
        worker.wait_for(
            lambda: OrderEscalation.objects.filter(order=order, emailed_at__isnull=False).exists(), "not escalated"
        )
        tasks.order_escalations_send.delay().get(timeout=60)
        # then one ledger row, one mail task, one mail
        assert OrderEscalation.objects.filter(order=order).count() == 1
        row = OrderEscalation.objects.get(order=order)
        assert (row.stage, row.recipients, row.emailed_to) == (0, [officer.pk], ["officer@example.cn"])
        assert OutboxMessage.objects.filter(kwargs__event="escalated").count() == 1
        assert worker.log.read_text().count("以下督办单已超过办结期限") == 1
    finally:
        worker.stop()
