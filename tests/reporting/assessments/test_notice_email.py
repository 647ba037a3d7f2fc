"""A reminder's email goes out after its notice is committed, outside any transaction or lock, and only once."""

from datetime import timedelta

import pytest
from django.core.mail.backends.base import BaseEmailBackend
from django.core.management import call_command
from django.db import connection
from django.utils import timezone

from enterprises.models import Region
from reporting.assessments.models import AssessmentNotice, ReportingPeriod
from reporting.assessments.services import notice_email
from tests.factories import EnterpriseFactory, make_enterprise_user, make_officer


class RecordingBackend(BaseEmailBackend):
    """Records each message with whether it was sent inside a transaction; `failures` sends fail first."""

    sent: list = []
    failures = 0

    def send_messages(self, messages):
        if RecordingBackend.failures:
            RecordingBackend.failures -= 1
            raise OSError("mail server unreachable")
        for message in messages:
            RecordingBackend.sent.append({"to": message.to, "in_transaction": connection.in_atomic_block})
        return len(messages)


@pytest.fixture
def notice(transactional_db, settings):
    # Committed rows, so that "inside a transaction" means the service's own, not the test's.
    settings.EMAIL_BACKEND = f"{__name__}.RecordingBackend"
    RecordingBackend.sent, RecordingBackend.failures = [], 0
    call_command("load_regions", verbosity=0)
    kunming = Region.objects.get(code="530100")
    today = timezone.localdate()
    period = ReportingPeriod.objects.create(
        year=today.year, province=kunming.parent, opens_on=today, deadline=today + timedelta(days=30)
    )
    enterprise = EnterpriseFactory(region=kunming)
    user = make_enterprise_user("t-notice-filler", enterprise=enterprise)
    user.email = "fill@example.cn"
    user.save()
    officer = make_officer("t-notice-officer", regions=[kunming])
    return AssessmentNotice.objects.create(period=period, enterprise=enterprise, message="请尽快填报", sent_by=officer)


def test_the_email_goes_out_after_the_notice_is_committed(notice):
    # when the task emails the notice
    count = notice_email(notice_id=notice.pk)
    # then the mail was sent outside any transaction (no lock held), and the notice records it
    assert count == 1
    assert RecordingBackend.sent == [{"to": ["fill@example.cn"], "in_transaction": False}]
    notice.refresh_from_db()
    assert notice.emailed_to == ["fill@example.cn"] and notice.emailed_at is not None


def test_a_failed_send_is_retried_and_a_sent_notice_is_not_sent_again(notice):
    # given a mail server that fails once
    RecordingBackend.failures = 1
    # when the task runs: the send fails and the claim on the notice is withdrawn
    with pytest.raises(OSError):
        notice_email(notice_id=notice.pk)
    notice.refresh_from_db()
    assert notice.emailed_at is None and RecordingBackend.sent == []
    # then the retry sends it, and a further delivery of the task sends nothing
    assert notice_email(notice_id=notice.pk) == 1
    assert notice_email(notice_id=notice.pk) == 0
    assert [m["to"] for m in RecordingBackend.sent] == [["fill@example.cn"]]
