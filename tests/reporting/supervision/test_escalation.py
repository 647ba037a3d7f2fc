"""Overdue orders are escalated like the deadlines: stage 0 to the officers in charge on the first working day
overdue, the level above ESCALATION_DELAY_WORKDAYS working days later; each once, however often the beat runs."""

from datetime import date, timedelta

import pytest

from reform_portal.outbox.models import OutboxMessage
from reporting.supervision import services
from reporting.supervision.models import OrderEscalation
from tests.factories import make_officer, region

from .conftest import TODAY
from .test_services import _issue

pytestmark = pytest.mark.django_db


def _escalation_messages():
    return OutboxMessage.objects.filter(task="reporting.supervision.tasks.order_notify", kwargs__event="escalated")


def test_escalated_once_per_stage_with_the_beat_run_twice(users, yn_enterprise, fixed_today, settings):
    settings.ESCALATION_DELAY_WORKDAYS = 2
    province_officer = make_officer("t-officer-province", regions=[region("530000")])
    (order,) = _issue(users, [yn_enterprise], due_date=TODAY + timedelta(days=2))  # due Wednesday 03-04
    fixed_today["today"] = date(2026, 3, 4)
    assert services.order_escalations_run() == 0  # due today: not overdue
    fixed_today["today"] = date(2026, 3, 5)  # first working day overdue
    assert services.order_escalations_run() == 1
    assert services.order_escalations_run() == 0  # the beat again: nothing more
    row = OrderEscalation.objects.get(order=order)
    assert (row.stage, row.level, row.recipients) == (0, "prefecture", [users["officer-yn"].pk])
    assert _escalation_messages().count() == 1
    fixed_today["today"] = date(2026, 3, 6)  # 2 working days overdue: still stage 0
    assert services.order_escalations_run() == 0
    fixed_today["today"] = date(2026, 3, 9)  # Monday: 3 working days overdue, stage 1 (the province's union)
    assert services.order_escalations_run() == 1
    assert services.order_escalations_run() == 0
    stage1 = OrderEscalation.objects.get(order=order, stage=1)
    assert stage1.recipients == [province_officer.pk] and stage1.level == "province"
    assert _escalation_messages().count() == 2


def test_closed_orders_are_not_escalated(users, yn_enterprise, fixed_today):
    (order,) = _issue(users, [yn_enterprise], due_date=TODAY)
    services.order_reply(order=order, text="已办", files=[], by=users["enterprise-yn"])
    order.refresh_from_db()
    services.order_accept(order=order, by=users["sasac-yn"], expected_version=order.version)
    fixed_today["today"] = TODAY + timedelta(days=10)
    assert services.order_escalations_run() == 0


def test_escalation_email_is_sent_once(
    users, yn_enterprise, fixed_today, mailoutbox, django_capture_on_commit_callbacks
):
    from reporting.supervision.notifications import deliver

    users["officer-yn"].email = "officer@example.cn"
    users["officer-yn"].save()
    _issue(users, [yn_enterprise], due_date=TODAY)
    fixed_today["today"] = TODAY + timedelta(days=1)
    services.order_escalations_run()
    ids = list(OrderEscalation.objects.values_list("pk", flat=True))
    with django_capture_on_commit_callbacks(execute=True):
        assert deliver(event="escalated", ids=ids) == 1
        assert deliver(event="escalated", ids=ids) == 0
    assert [m.to for m in mailoutbox] == [["officer@example.cn"]]
    assert "逾期未办结的督办单" in mailoutbox[0].subject
