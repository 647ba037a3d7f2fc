"""Work recorded while Redis was down is done once Redis and a real Celery worker are back: the reminder mail goes out
exactly once (even when the flush runs twice and a row is published twice), and the queued "立即刷新" runs."""

import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from enterprises.models import Region
from measures.models import PolicyDocument
from reform_portal.outbox import services as outbox
from reform_portal.outbox.models import OutboxMessage
from reporting.assessments.models import AssessmentNotice
from reporting.models import RollupRun
from tests.factories import EnterpriseFactory, make_enterprise_user, make_officer, make_sasac, open_period

pytestmark = [pytest.mark.celery_worker, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]


def _start_worker(redis_url: str, mail_dir: Path, log_file: Path, *, new_session=False) -> subprocess.Popen:
    """A real worker on `redis_url` and the test database (in a session of its own if asked, so that a test can kill
    it with its pool)."""
    db = connection.settings_dict
    env = {
        **os.environ,
        "DATABASE_URL": f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}",
        "REDIS_URL": redis_url,
        "DJANGO_SETTINGS_MODULE": "tests.outage.worker_settings",
        "OUTAGE_MAIL_DIR": str(mail_dir),
        "LAGGING_GRACE_DAYS": str(settings.LAGGING_GRACE_DAYS),
    }
    worker = ["worker", "--concurrency", "1", "--loglevel", "INFO", "--without-heartbeat", "--without-gossip"]
    worker += ["--without-mingle", "-n", f"outage-{os.getpid()}@%h"]
    return subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "reform_portal", *worker],
        cwd=ROOT,
        env=env,
        stdout=log_file.open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=new_session,
    )


def _wait(condition, what: str, proc: subprocess.Popen, log_file: Path, timeout: float = 40):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return
        if proc.poll() is not None:
            pytest.fail(f"worker died:\n{log_file.read_text()[-3000:]}")
        time.sleep(0.2)
    pytest.fail(f"{what} within {timeout}s; worker log:\n{log_file.read_text()[-3000:]}")


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
    mail_dir, log_file = tmp_path / "mail", tmp_path / "worker.log"
    mail_dir.mkdir()
    worker = _start_worker(own_redis.url, mail_dir, log_file)
    try:
        # then the reminder is mailed and the refresh runs to its end
        _wait(lambda: _mails(mail_dir), "no reminder mail", worker, log_file)
        _wait(lambda: RollupRun.objects.get(pk=run.pk).finished_at, "the refresh did not finish", worker, log_file)
        assert RollupRun.objects.get(pk=run.pk).status == "succeeded"
        mail_row.refresh_from_db()
        assert mail_row.sent_at is not None and not OutboxMessage.objects.filter(sent_at=None).exists()
        # and flushing again (beat's minute, another worker starting) sends nothing more
        assert outbox.flush() == 0 and outbox.flush() == 0
        # and a row published twice (its "sent" mark lost) is the same task again, which mails nothing more
        OutboxMessage.objects.filter(pk=mail_row.pk).update(sent_at=None)
        assert outbox.flush() == 1
        done = re.compile(rf"send_notice_email\[{mail_row.task_id}\] succeeded")
        _wait(lambda: len(done.findall(log_file.read_text())) == 2, "the second delivery not seen", worker, log_file)
        mails = _mails(mail_dir)
        assert len(mails) == 1 and "To: fill@example.cn" in mails[0]
        notice.refresh_from_db()
        assert notice.emailed_to == ["fill@example.cn"]
    finally:
        worker.terminate()
        try:
            worker.wait(timeout=20)
        except subprocess.TimeoutExpired:
            worker.kill()
