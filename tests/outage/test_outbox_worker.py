"""Work recorded while Redis was down is done once Redis and a real Celery worker are back: the reminder mail goes out
exactly once (even when the flush runs twice and a row is published twice), and the queued "立即刷新" runs."""

import re
from pathlib import Path

import pytest
from django.core.management import call_command
from django.urls import reverse

from enterprises.models import Region
from measures.models import PolicyDocument
from reform_portal.outbox import services as outbox
from reform_portal.outbox.models import OutboxMessage
from reporting.assessments.models import AssessmentNotice
from reporting.models import RollupRun
from tests.celery_worker import Worker, start_worker
from tests.factories import EnterpriseFactory, make_enterprise_user, make_officer, make_sasac, open_period

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]


def start_outage_worker(redis_url: str, mail_dir: Path, log_dir: Path, *, new_session=False) -> Worker:
    """A real worker on every queue, on `redis_url` (the test's own Redis), writing mail to files in `mail_dir`."""
    env = {"DJANGO_SETTINGS_MODULE": "tests.outage.worker_settings", "OUTAGE_MAIL_DIR": str(mail_dir)}
    return start_worker(log_dir, redis_url=redis_url, env=env, name="outage", new_session=new_session)


def _mails(mail_dir: Path) -> list[str]:
    """The messages the worker's file backend wrote (one file per connection, messages separated by a rule)."""
    return [m for f in sorted(mail_dir.glob("*.log")) for m in f.read_text().split("-" * 79) if "Subject:" in m]


def test_what_waited_for_redis_is_done_exactly_once_when_it_returns(client, own_redis, tmp_path):
    # given the catalogue (a transactional test before this one may have flushed it), an officer, SASAC staff and
    # an enterprise whose user has an address, committed
    if not Region.objects.exists():
        call_command("load_regions", verbosity=0)
    if not PolicyDocument.objects.exists():
        call_command("load_catalogue", verbosity=0)
    kunming = Region.objects.get(code="530100")
    enterprise = EnterpriseFactory(name="昆明停机测试机械有限公司", region=kunming)
    user = make_enterprise_user("outage-ent", enterprise=enterprise)
    user.email = "fill@example.cn"
    user.save()
    officer = make_officer("outage-officer", regions=[kunming])
    sasac = make_sasac("outage-sasac", province_code="530000")
    period = open_period(province_id=kunming.parent_id)
    # when, with Redis down, the officer reminds the enterprise and SASAC staff ask for 立即刷新
    own_redis.kill()
    client.force_login(officer)
    assert client.post(reverse("reporting:assessments:remind", args=[period.pk]), {"enterprise": [enterprise.pk]})
    client.force_login(sasac)
    assert client.post(reverse("reporting:refresh")).status_code == 302
    notice = AssessmentNotice.objects.get(enterprise=enterprise)
    mail_row = OutboxMessage.objects.get(task="reporting.assessments.tasks.send_notice_email", args=[notice.pk])
    run = RollupRun.objects.get(requested_by=sasac)
    assert mail_row.sent_at is None and run.status == "queued" and notice.emailed_at is None
    # and Redis returns and a worker starts (it flushes the outbox when ready)
    own_redis.start()
    mail_dir = tmp_path / "mail"
    mail_dir.mkdir()
    worker = start_outage_worker(own_redis.url, mail_dir, tmp_path)
    try:
        # then the reminder is mailed and the refresh runs to its end
        worker.wait_for(lambda: _mails(mail_dir), "no reminder mail", timeout=40)
        worker.wait_for(lambda: RollupRun.objects.get(pk=run.pk).finished_at, "the refresh did not finish", timeout=40)
        assert RollupRun.objects.get(pk=run.pk).status == "succeeded"
        mail_row.refresh_from_db()
        assert mail_row.sent_at is not None and not OutboxMessage.objects.filter(sent_at=None).exists()
        # and flushing again (beat's minute, another worker starting) sends nothing more
        assert outbox.flush() == 0 and outbox.flush() == 0
        # and a row published twice (its "sent" mark lost) is the same task again, which mails nothing more
        OutboxMessage.objects.filter(pk=mail_row.pk).update(sent_at=None)
        assert outbox.flush() == 1
        done = re.compile(rf"send_notice_email\[{mail_row.task_id}\] succeeded")
        worker.wait_for(
            lambda: len(done.findall(worker.log.read_text())) == 2, "the second delivery not seen", timeout=40
        )
        mails = _mails(mail_dir)
        assert len(mails) == 1 and "To: fill@example.cn" in mails[0]
        notice.refresh_from_db()
        assert notice.emailed_to == ["fill@example.cn"]
    finally:
        worker.stop()
