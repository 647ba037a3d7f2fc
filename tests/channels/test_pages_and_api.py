"""The robots' pages and API per role (reform_portal.access.ChannelPolicy): an officer's own robots, the regions'
robots for administrators and a province's officers, 发送测试消息, 发送记录, errors next to their field, the secret
never shown back."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enterprises.models import Region
from reform_portal.access import ChannelPolicy
from reform_portal.channels import services
from reform_portal.channels.models import Channel, Delivery
from reform_portal.outbox.models import OutboxMessage
from tests.factories import make_officer

pytestmark = pytest.mark.django_db

SECRET = "SECabcdefabcdefabcdefabcdefabcdefabcdefabcdef0123456789abcdef0123"
WECOM = "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6-7xxx-4bc4-97a0-0ec2sifa5aaa"
DING = "https://oapi.dingtalk.com/robot/send?access_token=abcdef0123456789abcdef0123456789"


@pytest.fixture
def province_officer(kunming):
    return make_officer("o-yunnan", regions=[kunming.parent])


def _own(user, **kw):
    data = {"kind": "wecom", "name": f"{user.username} 的群", "webhook_url": WECOM, **kw}
    return services.channel_create(data=data, by=user, owner=user)


def test_who_manages_which_robots(users, province_officer, kunming, xian):
    officer, other, sasac, enterprise, admin = (
        users["officer-yn"],
        users["officer-sx"],
        users["sasac-yn"],
        users["enterprise-yn"],
        users["admin"],
    )
    yunnan = kunming.parent
    own = _own(officer)
    yunnan_robot = services.channel_create(
        data={"kind": "wecom", "name": "云南省总工会", "webhook_url": WECOM}, by=admin, region_id=yunnan.pk
    )
    kunming_robot = services.channel_create(
        data={"kind": "wecom", "name": "昆明市总工会", "webhook_url": WECOM}, by=admin, region_id=kunming.pk
    )
    xian_robot = services.channel_create(
        data={"kind": "wecom", "name": "西安市总工会", "webhook_url": WECOM}, by=admin, region_id=xian.pk
    )

    def visible(user):
        return set(ChannelPolicy.visible(user, Channel.objects.all()).values_list("pk", flat=True))

    # an officer of a prefecture: their own robot only (the province union manages the prefecture's)
    assert visible(officer) == {own.pk}
    assert ChannelPolicy.region_choices(officer) == []
    # an officer of the province: the province's and its prefectures' robots, not another province's
    assert visible(province_officer) == {yunnan_robot.pk, kunming_robot.pk}
    choices = dict(ChannelPolicy.region_choices(province_officer))
    assert yunnan.pk in choices and kunming.pk in choices and xian.pk not in choices
    assert set(choices) == {yunnan.pk} | set(Region.objects.filter(parent=yunnan).values_list("pk", flat=True))
    # administrators: all; others none, and no robots at all
    assert visible(admin) == {own.pk, yunnan_robot.pk, kunming_robot.pk, xian_robot.pk}
    for user in (sasac, enterprise):
        assert visible(user) == set() and not ChannelPolicy.can(user, ChannelPolicy.MANAGE)
    assert visible(other) == set()


def test_an_officer_adds_a_robot_on_the_page_with_errors_next_to_the_fields(client, users):
    officer = users["officer-yn"]
    client.force_login(officer)
    url = reverse("channels:create")
    # a secret for 企业微信 and an address outside the allowed hosts: each refused at its field, nothing saved
    response = client.post(
        url, {"owner": "mine", "kind": "wecom", "name": "群", "webhook_url": "https://evil.example/x", "secret": SECRET}
    )
    assert response.status_code == 200 and not Channel.objects.exists()
    errors = response.context["form"].errors
    assert "qyapi.weixin.qq.com" in errors["webhook_url"][0] and "企业微信" in errors["secret"][0]
    assert SECRET not in response.content.decode()  # not even echoed back into the form
    # a region the officer does not manage is not a choice
    response = client.post(url, {"owner": "1", "kind": "wecom", "name": "群", "webhook_url": WECOM})
    assert "owner" in response.context["form"].errors and not Channel.objects.exists()
    # a good one
    response = client.post(
        url,
        {
            "owner": "mine",
            "kind": "dingtalk",
            "name": "我的钉钉群",
            "webhook_url": DING,
            "secret": SECRET,
            "active": "on",
        },
    )
    assert response.status_code == 302
    channel = Channel.objects.get()
    assert (channel.owner_id, channel.region_id, channel.secret) == (officer.pk, None, SECRET)
    # the list shows it with the token and secret masked
    page = client.get(reverse("channels:list")).content.decode()
    assert "我的钉钉群" in page and SECRET not in page and "abcdef0123456789abcdef" not in page
    assert "access_token=••••6789" in page
    edit = client.get(reverse("channels:edit", args=[channel.pk])).content.decode()
    assert SECRET not in edit and "abcdef0123456789abcdef" not in edit


def test_an_edit_keeps_the_secret_unless_replaced_and_refuses_a_stale_version(client, users):
    officer = users["officer-yn"]
    channel = _own(officer, kind="dingtalk", webhook_url=DING, secret=SECRET)
    client.force_login(officer)
    url = reverse("channels:edit", args=[channel.pk])
    body = {
        "kind": "dingtalk",
        "name": "改名",
        "webhook_url": "",
        "secret": "",
        "active": "on",
        "version": channel.version,
    }
    assert client.post(url, body).status_code == 302
    channel.refresh_from_db()
    assert (channel.name, channel.secret, channel.webhook_url, channel.version) == ("改名", SECRET, DING, 2)
    # the version read before that change is stale now
    response = client.post(url, {**body, "name": "又改名", "version": 1})
    assert response.status_code == 200 and response.context["stale"] is not None
    channel.refresh_from_db()
    assert channel.name == "改名"
    # switching to 企业微信 while a secret is stored is refused at the secret
    response = client.post(url, {**body, "kind": "wecom", "webhook_url": WECOM, "version": 2})
    assert "secret" in response.context["form"].errors


def test_a_test_message_is_a_delivery_shown_to_its_sender_and_the_robots_managers(
    client, users, province_officer, kunming
):
    admin, officer, sasac = users["admin"], users["officer-yn"], users["sasac-yn"]
    robot = services.channel_create(
        data={"kind": "wecom", "name": "昆明市总工会", "webhook_url": WECOM}, by=admin, region_id=kunming.pk
    )
    client.force_login(province_officer)
    response = client.post(reverse("channels:test", args=[robot.pk]))
    assert response.status_code == 302 and response["Location"].endswith(f"?channel={robot.pk}")
    delivery = Delivery.objects.get()
    assert (delivery.caused_by_id, delivery.channel_id, delivery.status) == (province_officer.pk, robot.pk, "pending")
    assert OutboxMessage.objects.filter(task=services.DELIVER_TASK, args=[delivery.pk]).exists()
    page = client.get(reverse("channels:deliveries")).content.decode()
    assert "测试消息" in page and "待发送" in page
    # the prefecture's officer does not manage Kunming's robot: refused (404) and no deliveries shown
    client.force_login(officer)
    assert client.post(reverse("channels:test", args=[robot.pk])).status_code == 404
    assert "测试消息" not in client.get(reverse("channels:deliveries")).content.decode()
    # SASAC staff have no robots (403) and see only what they caused (nothing here)
    client.force_login(sasac)
    assert client.get(reverse("channels:list")).status_code == 403
    assert client.get(reverse("channels:deliveries")).status_code == 200
    # a failed delivery's answer is shown to the sender
    Delivery.objects.filter(pk=delivery.pk).update(
        status="failed", attempts=1, last_status=200, last_errcode=93000, last_error="errcode 93000: invalid webhook"
    )
    client.force_login(province_officer)
    page = client.get(reverse("channels:deliveries") + f"?channel={robot.pk}").content.decode()
    assert "失败" in page and "errcode 93000" in page


def test_the_deliveries_page_costs_the_same_for_many_rows(client, users):
    officer = users["officer-yn"]
    _own(officer)
    client.force_login(officer)
    url = reverse("channels:deliveries")
    services.announce(user_ids=[officer.pk], title="t", text="x", caused_by=officer)
    client.get(url)
    with CaptureQueriesContext(connection) as few:
        client.get(url)
    for _ in range(30):
        services.announce(user_ids=[officer.pk], title="t", text="x", caused_by=officer)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few) <= 12


def test_the_api_writes_the_secret_never_reads_it(client, users, kunming):
    officer = users["officer-yn"]
    client.force_login(officer)
    created = client.post(
        "/api/channels/",
        {"kind": "dingtalk", "name": "钉钉群", "webhook_url": DING, "secret": SECRET},
        content_type="application/json",
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert "secret" not in body and "webhook_url" not in body and body["secret_set"] is True
    assert body["owner"] == officer.pk and body["region_id"] is None and body["version"] == 1
    assert SECRET not in created.content.decode() and "abcdef0123456789abcdef" not in created.content.decode()
    # refusals name their field
    bad = client.post(
        "/api/channels/",
        {"kind": "wecom", "name": "x", "webhook_url": "https://example.com/", "secret": SECRET},
        content_type="application/json",
    )
    assert bad.status_code == 400 and set(bad.json()) >= {"webhook_url", "secret"}
    region = client.post(
        "/api/channels/",
        {"kind": "wecom", "name": "x", "webhook_url": WECOM, "region_id": kunming.pk},
        content_type="application/json",
    )
    assert region.status_code == 400 and "region_id" in region.json()
    # an update without the version is refused; with a stale one, 409 with the current values
    url = f"/api/channels/{body['id']}/"
    assert client.patch(url, {"name": "新"}, content_type="application/json").status_code == 400
    assert client.patch(url, {"name": "新", "version": 1}, content_type="application/json").status_code == 200
    stale = client.patch(url, {"name": "再新", "version": 1}, content_type="application/json")
    assert stale.status_code == 409 and stale.json()["current"]["name"] == "新"
    # deliveries: scoped to the user
    services.announce(user_ids=[officer.pk], title="t", text="x", caused_by=officer)
    listed = client.get("/api/deliveries/").json()
    assert [d["channel"] for d in listed["results"]] == [body["id"]]
    client.force_login(users["officer-sx"])
    assert client.get("/api/deliveries/").json()["results"] == []
    assert client.get(url).status_code == 404
    client.force_login(users["sasac-yn"])
    assert client.get("/api/channels/").status_code == 403
    client.force_login(officer)
    assert client.delete(url, HTTP_IF_MATCH='"1"').status_code == 409
    assert client.delete(url).status_code == 204 and not Channel.objects.exists()
    assert Delivery.objects.get().channel_id is None  # the record stays, with the channel's name
