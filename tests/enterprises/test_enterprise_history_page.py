"""Every change to an enterprise's register entry is reachable: the enterprise page shows the newest and links
to a paginated page with all of them (its 全部记录, the activity feed: enterprises.activity, tests/enterprises/
test_activity_feed.py; here filtered to the register), scoped like the enterprise page."""

import re

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from enterprises.models import Enterprise, EnterpriseEvent, Region
from enterprises.selectors import enterprise_change_history
from enterprises.services import enterprise_update
from reform_portal.choices import ChangeSource

pytestmark = pytest.mark.django_db


def new_values(html: str) -> list[int]:
    table = html[html.index("enterprise-changes") :]
    return [int(v) for v in re.findall(r"<strong>(\d+)</strong>", table)]


@pytest.fixture
def sixty_changes(users, yn_enterprise):
    for n in range(1, 61):
        enterprise_update(enterprise=yn_enterprise, data={"employees": 500 + n}, by=users["officer-yn"])
    assert [c.field for c in enterprise_change_history(enterprise=yn_enterprise)] == ["employees"] * 60 + [""]
    return yn_enterprise


def test_all_sixty_changes_are_reachable_from_the_enterprise_page(client, users, sixty_changes):
    client.force_login(users["officer-yn"])
    enterprise = sixty_changes

    # the enterprise page: the newest 50 and a link to the rest
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert new_values(page) == list(range(560, 510, -1))
    history_url = f"/enterprises/{enterprise.pk}/history/"
    assert f'href="{history_url}"' in page and "查看全部记录" in page

    # the history page, filtered to the register and followed page by page, holds every change once, newest first
    seen, url = [], f"{history_url}?kind=register"
    while url:
        html = client.get(url).content.decode()
        seen += new_values(html)
        nxt = re.search(r'href="\?([^"]*page=\d+)">下一页', html)
        url = f"{history_url}?{nxt.group(1).replace('&amp;', '&')}" if nxt else None
    assert seen == list(range(560, 500, -1))
    assert "共 61 条" in client.get(f"{history_url}?kind=register").content.decode()  # and the registration
    # unfiltered, the feed holds them too, beside what the register's changes did to the derived indicator values
    assert 560 in new_values(client.get(history_url).content.decode())


def test_few_changes_need_no_link(client, users, yn_enterprise):
    enterprise_update(enterprise=yn_enterprise, data={"employees": 600}, by=users["officer-yn"])
    client.force_login(users["officer-yn"])
    page = client.get(f"/enterprises/{yn_enterprise.pk}/").content.decode()
    assert new_values(page) == [600] and "查看全部记录" not in page


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("officer-yn", 200),
        ("sasac-yn", 200),
        ("enterprise-yn", 200),
        ("admin", 200),
        ("officer-sx", 404),
        ("sasac-sx", 404),
        ("enterprise-sx", 404),
    ],
)
def test_history_page_is_scoped_like_the_enterprise_page(client, users, sixty_changes, role, status):
    client.force_login(users[role])
    detail = client.get(f"/enterprises/{sixty_changes.pk}/")
    response = client.get(f"/enterprises/{sixty_changes.pk}/history/")
    assert response.status_code == detail.status_code == status
    if status == 200:
        assert 560 in new_values(response.content.decode())


def test_history_page_needs_a_login(client, yn_enterprise):
    response = client.get(f"/enterprises/{yn_enterprise.pk}/history/")
    assert response.status_code == 302 and "login" in response.url


def test_a_raw_sql_update_is_in_the_history_from_the_system_and_raises_the_version(client, users, yn_enterprise):
    # given: an officer's change earlier in the same transaction
    enterprise_update(enterprise=yn_enterprise, data={"employees": 600}, by=users["officer-yn"])
    version = Enterprise.objects.get(pk=yn_enterprise.pk).version
    qujing = Region.objects.get(code="530300")
    # when: a write no Python code sees
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE enterprises_enterprise SET employees = 650, region_id = %s WHERE id = %s",
            [qujing.pk, yn_enterprise.pk],
        )
    # then: one event, from the system; the page shows each field's old → new as a reader sees it
    newest = EnterpriseEvent.objects.filter(pgh_obj=yn_enterprise).order_by("-pgh_id")[0]
    assert (newest.source, newest.changed_by_id, newest.old_employees, newest.employees) == (
        ChangeSource.SYSTEM,
        None,
        600,
        650,
    )
    assert Enterprise.objects.get(pk=yn_enterprise.pk).version == version + 1
    lines = [(c.field, c.old_value, c.new_value, c.source) for c in enterprise_change_history(enterprise=yn_enterprise)]
    assert lines == [
        ("employees", "600", "650", ChangeSource.SYSTEM),  # a write's fields, the form's last first
        ("region", "昆明市", "曲靖市", ChangeSource.SYSTEM),
        ("employees", "500", "600", ChangeSource.MANUAL),
        ("", "", "昆明测试机械有限公司", ChangeSource.SYSTEM),  # registered by the test's factory
    ]
    client.force_login(users["sasac-yn"])
    text = " ".join(client.get(f"/enterprises/{yn_enterprise.pk}/history/?kind=register").content.decode().split())
    # (the feed has a row per write: the raw SQL's two fields are one row)
    assert "所在州（市）：昆明市 → <strong>曲靖市</strong>" in text and "共 3 条" in text


def test_a_write_from_a_migrations_historical_model_is_in_the_history(yn_enterprise):
    # given
    state = MigrationExecutor(connection).loader.project_state(("enterprises", "0006_drop_enterprise_change"))
    row = state.apps.get_model("enterprises", "Enterprise").objects.get(pk=yn_enterprise.pk)
    # when
    row.is_pilot = not row.is_pilot
    row.save()
    # then
    line = enterprise_change_history(enterprise=yn_enterprise)[0]
    assert (line.field, line.source) == ("is_pilot", ChangeSource.SYSTEM)


def test_registration_and_a_write_that_changes_nothing(users, kunming):
    # given: an enterprise registered through the service
    from enterprises.services import enterprise_create
    from tests.factories import make_credit_code

    data = {
        "name": "新登记公司",
        "credit_code": make_credit_code(),
        "region": kunming,
        "ownership": "private",
        "industry": "C",
        "size_class": "small",
        "employees": 10,
    }
    enterprise = enterprise_create(data=data, by=users["officer-yn"], source=ChangeSource.IMPORT)
    # when: saved as it is, and a field the history does not follow changed
    enterprise.save()
    Enterprise.objects.filter(pk=enterprise.pk).update(credit_code_exception="核实")
    # then: only the registration, by the officer, from the import
    [line] = enterprise_change_history(enterprise=enterprise)
    assert (line.action, line.new_value, line.changed_by, line.source) == (
        "created",
        "新登记公司",
        users["officer-yn"],
        ChangeSource.IMPORT,
    )
    assert Enterprise.objects.get(pk=enterprise.pk).version == 1
