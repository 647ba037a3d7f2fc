"""Issuing, replying, accepting and returning orders: the refusals save nothing; the states, numbers and history."""

import re
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from reform_portal.outbox.models import OutboxMessage
from reform_portal.versioning import StaleEdit
from reporting.supervision import services
from reporting.supervision.choices import OrderStatus
from reporting.supervision.models import OrderDecision, OrderReply, SupervisionOrder

from .conftest import TODAY, measures_of

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _issue(users, enterprises, by="sasac-yn", **kw):
    args = dict(
        enterprises=enterprises,
        measures=measures_of(enterprises[0]),
        request="请于期限内完成整改并上传佐证材料。",
        due_date=TODAY + timedelta(days=10),
        by=users[by],
    )
    args.update(kw)
    return services.order_issue(**args)


def _nothing_saved():
    assert SupervisionOrder.objects.count() == 0
    assert not OutboxMessage.objects.filter(task__startswith="reporting.supervision").exists()


def test_issue_to_two_enterprises_numbers_them_in_one_batch(users, yn_enterprise, second_yn):
    orders = _issue(users, [yn_enterprise, second_yn])
    assert [o.number for o in orders] == ["云督〔2026〕1号", "云督〔2026〕2号"]
    assert len({o.batch for o in orders}) == 1
    assert {o.issuer_body for o in orders} == {"sasac"}
    assert all(o.measures.count() == 2 for o in orders)
    more = _issue(users, [yn_enterprise], by="officer-yn")
    assert more[0].number == "云督〔2026〕3号" and more[0].issuer_body == "union"
    # the enterprise's users are told, through the outbox
    assert OutboxMessage.objects.filter(task="reporting.supervision.tasks.order_notify").count() == 2
    # the creation is in the order's history
    assert orders[0].events.filter(pgh_label="insert").count() == 1


@pytest.mark.parametrize(
    ("due", "message"),
    [(None, "请填写办结期限。"), (TODAY - timedelta(days=1), "办结期限不能早于今天")],
)
def test_missing_or_past_due_date_is_refused(users, yn_enterprise, due, message):
    with pytest.raises(ValidationError) as refused:
        _issue(users, [yn_enterprise], due_date=due)
    assert message in refused.value.message_dict["due_date"][0]
    _nothing_saved()


def test_due_today_is_accepted(users, yn_enterprise):
    assert _issue(users, [yn_enterprise], due_date=TODAY)


def test_out_of_scope_enterprise_refuses_the_whole_batch(users, yn_enterprise, sx_soe):
    with pytest.raises(ValidationError) as refused:
        _issue(users, [yn_enterprise, sx_soe])
    assert "不在您的督办范围内" in refused.value.message_dict["enterprises"][0]
    assert sx_soe.name in refused.value.message_dict["enterprises"][0]
    _nothing_saved()


def test_enterprise_users_issue_nothing(users, yn_enterprise):
    with pytest.raises(PermissionDenied):
        _issue(users, [yn_enterprise], by="enterprise-yn")
    _nothing_saved()


def test_measure_not_applying_is_refused(users, yn_enterprise, sx_soe):
    with pytest.raises(ValidationError) as refused:
        _issue(users, [yn_enterprise], measures=measures_of(sx_soe, 1))
    assert "不适用于企业" in refused.value.message_dict["measures"][0]
    _nothing_saved()


def test_reply_accept_and_no_reply_to_a_closed_order(users, yn_enterprise):
    (order,) = _issue(users, [yn_enterprise])
    reply = services.order_reply(
        order=order, text="已完成制度修订。", files=[SimpleUploadedFile("制度.pdf", PDF)], by=users["enterprise-yn"]
    )
    order.refresh_from_db()
    assert order.status == OrderStatus.REPLIED and reply.files.get().original_name == "制度.pdf"
    stored = reply.files.get().file.name  # stored_files.random_name: the enterprise's folder, a random name
    assert re.fullmatch(rf"supervision/{yn_enterprise.pk}/[0-9a-f]{{32}}\.pdf", stored), stored
    with pytest.raises(StaleEdit):
        services.order_accept(order=order, by=users["sasac-yn"], expected_version=order.version - 1)
    services.order_accept(order=order, comment="同意办结", by=users["sasac-yn"], expected_version=order.version)
    order.refresh_from_db()
    assert order.status == OrderStatus.CLOSED and order.closed_on == TODAY
    with pytest.raises(ValidationError) as refused:
        services.order_reply(order=order, text="再补充", files=[], by=users["enterprise-yn"])
    assert refused.value.message_dict["text"] == ["该督办单已办结，不能再回复。"]
    assert OrderReply.objects.filter(order=order).count() == 1


def test_return_sends_it_back_and_needs_a_comment(users, yn_enterprise):
    (order,) = _issue(users, [yn_enterprise], by="officer-yn")
    services.order_reply(order=order, text="已整改", files=[], by=users["enterprise-yn"])
    order.refresh_from_db()
    with pytest.raises(ValidationError) as refused:
        services.order_return(order=order, comment="", by=users["officer-yn"], expected_version=order.version)
    assert "comment" in refused.value.message_dict
    # a union order is not SASAC's to decide
    with pytest.raises(PermissionDenied):
        services.order_return(order=order, comment="x", by=users["sasac-yn"], expected_version=order.version)
    services.order_return(order=order, comment="佐证不足", by=users["officer-yn"], expected_version=order.version)
    order.refresh_from_db()
    assert order.status == OrderStatus.RETURNED
    assert OrderDecision.objects.get(order=order).action == "return"
    services.order_reply(order=order, text="补充了佐证", files=[], by=users["enterprise-yn"])
    order.refresh_from_db()
    assert order.status == OrderStatus.REPLIED


def test_reply_from_another_enterprise_is_refused(users, yn_enterprise):
    (order,) = _issue(users, [yn_enterprise])
    with pytest.raises(PermissionDenied):
        services.order_reply(order=order, text="x", files=[], by=users["enterprise-sx"])
    with pytest.raises(PermissionDenied):
        services.order_reply(order=order, text="x", files=[], by=users["officer-yn"])
    assert not OrderReply.objects.exists()


def test_a_bad_file_refuses_the_reply(users, yn_enterprise):
    (order,) = _issue(users, [yn_enterprise])
    with pytest.raises(ValidationError) as refused:
        services.order_reply(
            order=order, text="x", files=[SimpleUploadedFile("a.pdf", b"MZ not a pdf")], by=users["enterprise-yn"]
        )
    assert "files" in refused.value.message_dict
    assert not OrderReply.objects.exists()
