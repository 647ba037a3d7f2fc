"""The deadline escalation (reporting/assessments/services/deadline_reminders.py) also posts to the group robots of
the officers told and of their union level's region, in the batch's transaction: once, and a failing robot never
fails the escalation (docs/channels.md)."""

from datetime import date

import pytest

from reform_portal.channels import services as channel_services
from reform_portal.channels.models import Delivery
from reform_portal.outbox.models import OutboxMessage
from reform_portal.outbox.services import bound
from reporting.assessments import services, tasks
from reporting.assessments.choices import ReminderKind
from reporting.assessments.models import DeadlineReminder, ReportingPeriod
from tests.factories import EnterpriseFactory, make_officer

pytestmark = pytest.mark.django_db


def _run(today):
    return services.deadline_reminders_run(
        today=today,
        enqueue_notice_email=bound(tasks.send_notice_email),
        enqueue_escalation_email=bound(tasks.send_escalation_email),
    )


@pytest.fixture
def overdue(kunming, receiver):
    """Two Kunming enterprises overdue on a 2025 period due 1 October (falls due 9 October), Kunming's officer with
    a robot of their own that answers 500, Kunming's robot that answers errcode ≠ 0, and another prefecture's robot."""
    period = ReportingPeriod.objects.create(
        year=2025, province_id=kunming.parent_id, opens_on=date(2025, 9, 1), deadline=date(2025, 10, 1)
    )
    late = [EnterpriseFactory(name=f"昆明逾期{i}号有限公司", region=kunming) for i in (1, 2)]
    officer = make_officer("o-kunming-robot", regions=[kunming])
    admin_like = make_officer("o-yunnan-robot", regions=[kunming.parent])
    own = channel_services.channel_create(
        data={"kind": "wecom", "name": "我的群", "webhook_url": receiver.url("/own?key=1")}, by=officer, owner=officer
    )
    region = channel_services.channel_create(
        data={"kind": "wecom", "name": "昆明市总工会群", "webhook_url": receiver.url("/kunming?key=2")},
        by=admin_like,
        region_id=kunming.pk,
    )
    channel_services.channel_create(
        data={"kind": "wecom", "name": "其他州市", "webhook_url": receiver.url("/other?key=3")},
        by=admin_like,
        region_id=kunming.pk + 100000,
    )
    receiver.default = (500, {"error": "robot down"})
    return period, late, officer, own, region


def test_the_escalation_posts_once_to_the_officers_and_the_regions_robots(overdue, receiver):
    period, late, officer, own, region = overdue
    # when the first working day overdue is run, twice
    assert _run(date(2025, 10, 10))["escalations"] == 2
    assert _run(date(2025, 10, 10))["escalations"] == 0
    # then the escalation is recorded (ledger, mail task) and one delivery went to each robot concerned, once
    assert DeadlineReminder.objects.filter(period=period, kind=ReminderKind.ESCALATION).count() == 2
    deliveries = {d.channel_id: d for d in Delivery.objects.all()}
    assert set(deliveries) == {own.pk, region.pk}
    for delivery in deliveries.values():
        assert all(e.name in delivery.text for e in late)
        assert "2 家" in delivery.title and delivery.about_url.endswith("/reporting/assessments/")
    tasks_recorded = OutboxMessage.objects.filter(task=channel_services.DELIVER_TASK)
    assert sorted(m.args[0] for m in tasks_recorded) == sorted(d.pk for d in deliveries.values())
    # and the robots failing (a 500, then errcode ≠ 0) fail their deliveries only; the escalation stays recorded
    receiver.script = [(500, {"e": 1}), (200, {"errcode": 93000, "errmsg": "invalid webhook url"})]
    outcomes = [channel_services.delivery_attempt(delivery_id=pk) for pk in sorted(d.pk for d in deliveries.values())]
    assert [o.status for o in outcomes] == ["pending", "failed"]
    assert DeadlineReminder.objects.filter(period=period, kind=ReminderKind.ESCALATION).count() == 2


def test_no_robot_means_no_delivery(kunming):
    period = ReportingPeriod.objects.create(
        year=2025, province_id=kunming.parent_id, opens_on=date(2025, 9, 1), deadline=date(2025, 10, 1)
    )
    EnterpriseFactory(name="昆明逾期有限公司", region=kunming)
    make_officer("o-no-robot", regions=[kunming])
    assert _run(date(2025, 10, 10))["escalations"] == 1
    assert not Delivery.objects.exists() and period.pk
