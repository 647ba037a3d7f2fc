"""Posting to group robots (reform_portal/channels; docs/channels.md), against a real HTTP receiver on 127.0.0.1:
the bodies of 企业微信 and 钉钉, 钉钉's signature recomputed here by hand, retries and what each attempt records, the
timeouts, redelivery, the SSRF guard, and the outbox's "after commit"."""

import base64
import hashlib
import hmac
import json
import time

import pytest
from django.db import transaction
from django.test.utils import CaptureQueriesContext

from reform_portal.channels import services, webhooks
from reform_portal.channels.models import Channel, Delivery, DeliveryEvent
from reform_portal.outbox.models import OutboxMessage
from tests.factories import make_officer

pytestmark = pytest.mark.django_db

SECRET = "SEC0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcd"


@pytest.fixture
def officer(db):
    return make_officer("o-robots")


def _channel(owner, url, *, kind="wecom", secret="", name="工作群"):
    return services.channel_create(
        data={"kind": kind, "name": name, "webhook_url": url, "secret": secret, "active": True}, by=owner, owner=owner
    )


def _one(**kw):
    deliveries = services.announce(**kw)
    assert len(deliveries) == 1
    return deliveries[0]


def test_a_wecom_robot_gets_its_markdown_body(officer, receiver):
    # given an officer's 企业微信 robot
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=wecom-key-123"))
    # when a message is announced to the officer and its delivery attempted
    delivery = _one(
        user_ids=[officer.pk], title="逾期提醒", text="- 昆明某企业（已逾期 3 个工作日）", url="/x/", label="查看"
    )
    assert OutboxMessage.objects.filter(task=services.DELIVER_TASK, args=[delivery.pk]).count() == 1
    outcome = services.delivery_attempt(delivery_id=delivery.pk)
    # then the robot got 企业微信's markdown message, at the address as given, with no signature
    assert outcome.status == "sent" and outcome.retry_in is None
    (request,) = receiver.requests
    assert request["path"] == "/cgi-bin/webhook/send" and request["query"] == {"key": "wecom-key-123"}
    assert request["headers"]["Content-Type"].startswith("application/json")
    assert request["json"] == {
        "msgtype": "markdown",
        "markdown": {"content": "### 逾期提醒\n\n- 昆明某企业（已逾期 3 个工作日）\n\n[查看](/x/)"},
    }
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.last_errcode) == ("sent", 1, 200, 0)
    assert delivery.sent_at is not None


def test_a_dingtalk_robot_gets_its_body_and_a_signature_we_recompute(officer, receiver):
    # given a 钉钉 robot with 加签
    _channel(officer, receiver.url("/robot/send?access_token=ding-token"), kind="dingtalk", secret=SECRET)
    delivery = _one(user_ids=[officer.pk], title="逾期提醒", text="请督促")
    # when it is attempted
    before = int(time.time() * 1000)
    assert services.delivery_attempt(delivery_id=delivery.pk).status == "sent"
    after = int(time.time() * 1000)
    # then the body is 钉钉's markdown (title and text)
    (request,) = receiver.requests
    assert request["json"] == {
        "msgtype": "markdown",
        "markdown": {"title": "逾期提醒", "text": "### 逾期提醒\n\n请督促"},
    }
    # and the query carries the token, a timestamp in milliseconds and the signature, computed here independently:
    # base64(HMAC-SHA256(key=secret, msg=timestamp + "\n" + secret)), URL-encoded
    query = request["query"]
    assert query["access_token"] == "ding-token"
    timestamp = int(query["timestamp"])
    assert before <= timestamp <= after
    expected = base64.b64encode(
        hmac.new(SECRET.encode("utf-8"), f"{timestamp}\n{SECRET}".encode(), hashlib.sha256).digest()
    ).decode()
    assert query["sign"] == expected  # parse_qs decoded what was URL-encoded
    assert "+" not in request["raw_query"].split("sign=")[1] and "/" not in request["raw_query"].split("sign=")[1]


def test_a_500_is_retried_with_backoff_and_each_attempt_recorded(officer, receiver):
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=k"))
    receiver.script = [(500, {"error": "busy"}), (429, {"error": "slow down"}), (200, {"errcode": 0})]
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    # the first attempt: a 500, to be tried again after the first pause
    first = services.delivery_attempt(delivery_id=delivery.pk)
    assert (first.status, first.retry_in) == ("pending", 60)
    delivery.refresh_from_db()
    assert (delivery.attempts, delivery.last_status) == (1, 500) and "busy" in delivery.last_error
    assert delivery.next_attempt_at is not None
    # the second: a 429, after twice as long
    assert services.delivery_attempt(delivery_id=delivery.pk).retry_in == 120
    # the third: sent
    assert services.delivery_attempt(delivery_id=delivery.pk).status == "sent"
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts, delivery.last_status, delivery.last_error) == ("sent", 3, 200, "")
    assert len(receiver.requests) == 3
    # and the history keeps each attempt's answer
    answers = list(
        DeliveryEvent.objects.filter(pgh_obj=delivery).order_by("pgh_id").values_list("attempts", "last_status")
    )
    assert (1, 500) in answers and (2, 429) in answers and answers[-1] == (3, 200)


def test_five_passing_failures_give_up(officer, receiver, settings):
    settings.CHANNEL_MAX_ATTEMPTS = 3
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=k"))
    receiver.default = (503, {"error": "down"})
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    outcomes = [services.delivery_attempt(delivery_id=delivery.pk) for _ in range(4)]
    assert [o.status for o in outcomes] == ["pending", "pending", "gave_up", "gave_up"]
    assert len(receiver.requests) == 3  # the fourth run found it final


def test_a_nonzero_errcode_with_http_200_is_a_failure(officer, receiver):
    _channel(officer, receiver.url("/robot/send?access_token=t"), kind="dingtalk", secret=SECRET)
    receiver.script = [(200, {"errcode": 310000, "errmsg": "sign not match"})]
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    outcome = services.delivery_attempt(delivery_id=delivery.pk)
    assert (outcome.status, outcome.retry_in) == ("failed", None)
    delivery.refresh_from_db()
    assert (delivery.last_status, delivery.last_errcode) == (200, 310000) and "sign not match" in delivery.last_error


def test_a_rate_limit_errcode_is_tried_again(officer, receiver):
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=k"))
    receiver.script = [(200, {"errcode": 45009, "errmsg": "api freq out of limit"})]
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    assert services.delivery_attempt(delivery_id=delivery.pk).retry_in == 60
    assert services.delivery_attempt(delivery_id=delivery.pk).status == "sent"


def test_a_receiver_that_hangs_times_out(officer, receiver, settings):
    settings.CHANNEL_READ_TIMEOUT = 0.5
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=k"))
    receiver.script = [("hang", 3)]
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    started = time.monotonic()
    outcome = services.delivery_attempt(delivery_id=delivery.pk)
    assert time.monotonic() - started < 2
    assert outcome.status == "pending" and outcome.retry_in == 60
    delivery.refresh_from_db()
    assert "超时" in delivery.last_error and delivery.last_status is None


def test_a_closed_port_is_a_network_error_tried_again(officer, settings):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nobody listens
    _channel(officer, f"http://127.0.0.1:{port}/cgi-bin/webhook/send?key=k")
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    assert services.delivery_attempt(delivery_id=delivery.pk).retry_in == 60
    delivery.refresh_from_db()
    assert "ConnectionRefused" in delivery.last_error


def test_a_redelivered_task_does_not_post_twice(officer, receiver):
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=k"))
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    # given a delivery another worker has claimed and is posting
    Delivery.objects.filter(pk=delivery.pk).update(sending_until=delivery.created_at.replace(year=2999))
    outcome = services.delivery_attempt(delivery_id=delivery.pk)
    # then this run posts nothing and asks to come back once the claim has run out
    assert outcome.retry_in and outcome.retry_in > 0 and receiver.requests == []
    # given it is sent
    Delivery.objects.filter(pk=delivery.pk).update(sending_until=None)
    assert services.delivery_attempt(delivery_id=delivery.pk).status == "sent"
    # when the task is delivered again (twice)
    again = [services.delivery_attempt(delivery_id=delivery.pk) for _ in range(2)]
    # then nothing more is posted
    assert [o.status for o in again] == ["sent", "sent"] and len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.attempts == 1


def test_a_redirect_is_not_followed(officer, receiver):
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=k"))
    receiver.script = [(302, "http://127.0.0.1:1/internal")]
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    assert services.delivery_attempt(delivery_id=delivery.pk).status == "failed"
    assert len(receiver.requests) == 1
    delivery.refresh_from_db()
    assert delivery.last_status == 302


def test_a_rolled_back_write_sends_nothing(officer, receiver, django_capture_on_commit_callbacks):
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=k"))
    outbox_before = OutboxMessage.objects.count()
    # when the write that announces is rolled back
    with django_capture_on_commit_callbacks() as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            services.announce(user_ids=[officer.pk], title="t", text="x")
            raise RuntimeError("the write fails after announcing")
    # then no delivery, no task recorded, nothing to publish, nothing posted
    assert not Delivery.objects.exists() and OutboxMessage.objects.count() == outbox_before
    assert callbacks == [] and receiver.requests == []
    # and one that commits publishes its task once, after commit
    with django_capture_on_commit_callbacks() as callbacks:
        with transaction.atomic():
            services.announce(user_ids=[officer.pk], title="t", text="x")
    assert Delivery.objects.count() == 1 and len(callbacks) == 1


def test_announce_picks_the_active_robots_of_the_regions_and_users_each_once(officer, receiver):
    other = make_officer("o-other")
    mine = _channel(officer, receiver.url("/a?key=1"), name="mine")
    _channel(other, receiver.url("/b?key=2"), name="other's")
    off = _channel(officer, receiver.url("/c?key=3"), name="off")
    Channel.objects.filter(pk=off.pk).update(active=False)
    region = services.channel_create(
        data={"kind": "wecom", "name": "昆明", "webhook_url": receiver.url("/d?key=4")}, by=officer, region_id=42
    )
    services.channel_create(
        data={"kind": "wecom", "name": "其他区域", "webhook_url": receiver.url("/e?key=5")}, by=officer, region_id=43
    )
    with CaptureQueriesContext(transaction.get_connection()) as nothing:
        assert services.announce(region_ids=[99], user_ids=[12345], title="t", text="x") == []
    assert len(nothing) == 1  # no robot: one query, nothing written
    deliveries = services.announce(region_ids=[42, 42], user_ids=[officer.pk, officer.pk], title="t", text="x")
    assert sorted(d.channel_id for d in deliveries) == sorted([mine.pk, region.pk])


def test_the_ssrf_guard_refuses_other_addresses(settings):
    settings.CHANNEL_WEBHOOK_ALLOW_HTTP_HOSTS = []
    ok = [
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",
        "https://oapi.dingtalk.com/robot/send?access_token=x",
    ]
    assert [webhooks.url_problem(u) for u in ok] == [None, None]
    refused = [
        "http://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=x",  # not https
        "https://qyapi.weixin.qq.com:8443/cgi-bin/webhook/send",  # another port
        "https://qyapi.weixin.qq.com.evil.example/cgi-bin/webhook/send",  # another host
        "https://evil.example/?u=https://qyapi.weixin.qq.com/",
        "https://user:pw@oapi.dingtalk.com/robot/send",
        "https://oapi.dingtalk.com/robot/send#x",
        "https://169.254.169.254/latest/meta-data/",
        "http://127.0.0.1:8000/admin/",  # the local host, unless a setting allows it (tests do)
        "file:///etc/passwd",
        "gopher://oapi.dingtalk.com/",
        "https://[::1]/",
        "https://oapi.dingtalk.com:99999/",
        "",
    ]
    assert all(webhooks.url_problem(u) for u in refused), [u for u in refused if not webhooks.url_problem(u)]


def test_an_address_refused_since_it_was_saved_is_not_posted_to(officer, receiver, settings):
    _channel(officer, receiver.url("/cgi-bin/webhook/send?key=k"))
    delivery = _one(user_ids=[officer.pk], title="t", text="x")
    settings.CHANNEL_WEBHOOK_ALLOW_HTTP_HOSTS = []  # the setting changed after the channel was saved
    assert services.delivery_attempt(delivery_id=delivery.pk).status == "failed"
    assert receiver.requests == []


def test_channels_refuse_bad_addresses_and_a_secret_for_wecom(officer):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as refused:
        services.channel_create(
            data={"kind": "wecom", "name": "x", "webhook_url": "https://example.com/hook", "secret": SECRET},
            by=officer,
            owner=officer,
        )
    assert set(refused.value.message_dict) == {"webhook_url", "secret"}
    assert not Channel.objects.exists()


def test_a_long_message_is_cut_on_a_character_boundary():
    text = "逾期企业名单：" + "云南某某机械制造有限公司、" * 400
    body = webhooks.body_for("wecom", title="标题", text=text)
    content = body["markdown"]["content"].encode("utf-8")
    assert len(content) <= 4096 and content.decode("utf-8").endswith("…")
    assert len(webhooks.truncate_utf8("é" * 10, 5, "")) == 2  # 4 bytes of "é" fit, never half of one
    ding = webhooks.body_for("dingtalk", title="标" * 300, text=text)
    assert len(ding["markdown"]["text"].encode()) <= webhooks.MAX_BYTES["dingtalk"]
    assert len(ding["markdown"]["title"]) == 100
    assert json.dumps(body, ensure_ascii=False)  # still JSON


def test_the_secret_and_token_stay_out_of_the_history_and_the_audit_log(officer):
    from reform_portal.audit.models import AuditEntry
    from reform_portal.channels.models import ChannelEvent

    url = "https://oapi.dingtalk.com/robot/send?access_token=0123456789abcdef0123456789abcdef"
    channel = _channel(officer, url, kind="dingtalk", secret=SECRET)
    services.channel_update(
        channel=channel, data={"secret": SECRET[:-1] + "X"}, by=officer, expected_version=channel.version
    )
    stored = json.dumps(
        [list(ChannelEvent.objects.values()), list(AuditEntry.objects.values("details", "target_repr"))], default=str
    )
    assert SECRET[10:40] not in stored and "0123456789abcdef0123" not in stored
    assert channel.url_display == "https://oapi.dingtalk.com/robot/send?access_token=••••cdef"
    actions = list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))
    assert actions[-2:] == ["channel.created", "channel.changed"]
