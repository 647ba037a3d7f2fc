"""Who is told of an order in the portal (inbox notices) and on the group robots (企业微信/钉钉 deliveries), in the
transaction of the write: an issue, a reply, a decision, an escalation; a rolled-back write tells nobody."""

from datetime import timedelta

import pytest
from django.db import transaction
from django.urls import reverse

from reform_portal.channels import services as channel_services
from reform_portal.channels.models import Delivery
from reform_portal.inbox.models import Notice
from reporting.supervision import services

from .conftest import TODAY
from .test_services import _issue

pytestmark = pytest.mark.django_db
ROBOT = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=t"


def _robot(*, by, owner=None, region_id=None):
    data = {"kind": "wecom", "name": "测试机器人", "webhook_url": ROBOT}
    return channel_services.channel_create(data=data, by=by, owner=owner, region_id=region_id)


def _notices(user, **kw):
    return list(Notice.objects.filter(recipient=user, **kw).order_by("pk"))


def test_an_issue_tells_the_enterprise_and_the_prefecture_robot(users, yn_enterprise, second_yn):
    officer = users["officer-yn"]
    robot = _robot(by=users["admin"], region_id=yn_enterprise.region_id)
    (order,) = _issue(users, [yn_enterprise], by="officer-yn")
    (notice,) = _notices(users["enterprise-yn"], kind="order")
    assert order.number in notice.title and notice.url == reverse("supervision:detail", args=[order.pk])
    assert notice.enterprise_id == yn_enterprise.pk
    (delivery,) = Delivery.objects.filter(channel=robot)
    assert order.number in delivery.text and delivery.caused_by == officer
    # a batch: each enterprise's users told of their own, the prefecture's robot once for both
    _issue(users, [yn_enterprise, second_yn], by="officer-yn")
    assert [n.enterprise_id for n in _notices(users["enterprise-yn"], kind="order")] == [yn_enterprise.pk] * 2
    assert Delivery.objects.filter(channel=robot).count() == 2
    assert not _notices(officer)  # the issuer is not told of their own order


def test_a_reply_tells_the_issuer_and_their_robot_a_decision_the_enterprise(users, yn_enterprise):
    officer = users["officer-yn"]
    robot = _robot(by=officer, owner=officer)
    (order,) = _issue(users, [yn_enterprise], by="officer-yn")
    services.order_reply(order=order, text="已完成整改", files=[], by=users["enterprise-yn"])
    (notice,) = _notices(officer, kind="order")
    assert order.number in notice.title and "待核查" in notice.title and notice.body == "已完成整改"
    (delivery,) = Delivery.objects.filter(channel=robot)
    assert order.number in delivery.title and delivery.caused_by == users["enterprise-yn"]
    order.refresh_from_db()
    services.order_return(order=order, comment="佐证不全", by=officer, expected_version=order.version)
    returned = _notices(users["enterprise-yn"], kind="order")[-1]
    assert "退回整改" in returned.title and returned.body == "佐证不全"


def test_a_rolled_back_issue_tells_nobody(users, yn_enterprise):
    _robot(by=users["admin"], region_id=yn_enterprise.region_id)
    with transaction.atomic():
        _issue(users, [yn_enterprise], by="officer-yn")
        transaction.set_rollback(True)
    assert not Notice.objects.exists() and not Delivery.objects.exists()


def test_an_escalation_tells_the_officers_in_the_inbox_and_on_their_robots(users, yn_enterprise, fixed_today):
    officer = users["officer-yn"]
    robot = _robot(by=officer, owner=officer)
    (order,) = _issue(users, [yn_enterprise], due_date=TODAY + timedelta(days=1))
    fixed_today["today"] = TODAY + timedelta(days=3)  # Thursday: the first working day overdue was Wednesday
    services.order_escalations_run(today=fixed_today["today"])
    (notice,) = _notices(officer, kind="escalation")
    assert order.number in notice.title
    assert Delivery.objects.filter(channel=robot, title__contains="逾期").count() == 1
    services.order_escalations_run(today=fixed_today["today"])  # once
    assert len(_notices(officer, kind="escalation")) == 1
