"""A real Celery worker SIGKILLed in the middle of the daily reminders: the batches it committed stay, the batch it
was in leaves nothing, and the next run (another worker) sends the rest, each enterprise's reminder once."""

import time
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection, connections
from django.utils import timezone

from enterprises.models import Region
from reform_portal.outbox.models import OutboxMessage
from reporting.assessments import tasks
from reporting.assessments.choices import ReminderKind
from reporting.assessments.deadlines import due_offset
from reporting.assessments.models import AssessmentNotice, DeadlineReminder, ReportingPeriod
from tests.celery_worker import start_worker
from tests.factories import EnterpriseFactory

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

NOTICE_TASK = "reporting.assessments.tasks.send_notice_email"


def _waiting_on(blocker_pid: int) -> bool:
    """Another session waits for the blocker's transaction (the worker's insert of the same ledger row)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND %s = ANY(pg_blocking_pids(pid))",
            [blocker_pid],
        )
        return cursor.fetchone()[0] > 0


def _ledger_sessions_busy(exclude: list[int]) -> bool:
    """A session other than these is still in a statement or transaction on the ledger."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(*) FROM pg_stat_activity WHERE datname = current_database() AND pid <> ALL(%s)"
            " AND state <> 'idle' AND query LIKE %s",
            [exclude + [connection.connection.info.backend_pid], "%assessments_deadlinereminder%"],
        )
        return cursor.fetchone()[0] > 0


def test_a_worker_killed_mid_batch_is_resumed_by_the_next_run_without_duplicates(tmp_path):
    # given five Kunming enterprises that have not submitted, and a period whose reminder is due today
    if not Region.objects.exists():
        call_command("load_regions", verbosity=0)
    kunming = Region.objects.get(code="530100")
    today = timezone.localdate()
    period = ReportingPeriod.objects.create(
        year=today.year,
        province_id=kunming.parent_id,
        opens_on=today - timedelta(days=5),
        deadline=today + timedelta(7),
    )
    step = due_offset(period.reminder_offsets, due=period.due_date, today=today)
    assert step is not None
    late = [EnterpriseFactory(name=f"昆明中断测试{n}有限公司", region=kunming).pk for n in range(5)]
    # and the third enterprise's ledger row being inserted by another session, uncommitted: the worker's second batch
    # (batches of two) will wait for it mid-way
    blocker = connections.create_connection("default")
    with blocker.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        blocker_pid = cursor.fetchone()[0]
        cursor.execute("BEGIN")
        cursor.execute(
            "INSERT INTO assessments_deadlinereminder (period_id, enterprise_id, kind, step, due_date, level,"
            " recipients, created_at, emailed_to) VALUES (%s, %s, %s, %s, %s, '', '{}', now(), '[]')",
            [period.pk, late[2], ReminderKind.REMINDER, step, period.due_date],
        )
    worker = start_worker(tmp_path / "first", queues=["celery", "notifications"], name="remind1", new_session=True)
    try:
        # when a real worker runs the daily task and is killed (SIGKILL, with its pool) inside the second batch
        tasks.deadline_reminders_send.delay(batch=2)
        worker.wait_for(lambda: _waiting_on(blocker_pid), "the second batch is not waiting mid-way", timeout=60)
        worker.kill()
    finally:
        worker.kill()
        with blocker.cursor() as cursor:
            cursor.execute("ROLLBACK")
        blocker.close()
    # then, once its server session has ended, only the first batch is recorded: two ledger rows, two notices, two
    # mails in the outbox; nothing of the batch it died in
    deadline = time.monotonic() + 30
    while _ledger_sessions_busy([blocker_pid]):
        assert time.monotonic() < deadline, "the killed worker's session lingers"
        time.sleep(0.2)
    assert sorted(DeadlineReminder.objects.values_list("enterprise_id", flat=True)) == late[:2]
    assert AssessmentNotice.objects.count() == 2 and OutboxMessage.objects.filter(task=NOTICE_TASK).count() == 2

    # when beat's next run goes to another worker
    worker = start_worker(tmp_path / "second", queues=["celery", "notifications"], name="remind2")
    try:
        # (the rest: three reminders, unless a delivery of the killed run's task, redelivered, shared the work)
        tasks.deadline_reminders_send.delay(batch=2).get(timeout=90)
        worker.wait_for(
            lambda: AssessmentNotice.objects.filter(emailed_at__isnull=False).count() == 5,
            "the reminders were not all mailed",
            timeout=60,
        )
        # and runs once more (beat twice the same day): nothing more
        assert tasks.deadline_reminders_send.delay(batch=2).get(timeout=90) == {"reminders": 0, "escalations": 0}
    finally:
        worker.stop()
    # then every enterprise has exactly one reminder of the day: one ledger row, one notice, one mail
    rows = DeadlineReminder.objects.filter(period=period, kind=ReminderKind.REMINDER, step=step)
    assert sorted(rows.values_list("enterprise_id", flat=True)) == late
    assert sorted(AssessmentNotice.objects.values_list("enterprise_id", flat=True)) == late
    mails = OutboxMessage.objects.filter(task=NOTICE_TASK)
    assert mails.count() == 5 and sorted(m.args[0] for m in mails) == sorted(
        AssessmentNotice.objects.values_list("pk", flat=True)
    )
