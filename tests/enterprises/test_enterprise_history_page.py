"""Every change to an enterprise's register entry is reachable: the enterprise page shows the newest and links
to a paginated page with all of them, scoped like the enterprise page."""

import re

import pytest

from enterprises.models import EnterpriseChange
from enterprises.services import enterprise_update

pytestmark = pytest.mark.django_db


def new_values(html: str) -> list[int]:
    table = html[html.index("enterprise-changes") :]
    return [int(v) for v in re.findall(r"<strong>(\d+)</strong>", table)]


@pytest.fixture
def sixty_changes(users, yn_enterprise):
    for n in range(1, 61):
        enterprise_update(enterprise=yn_enterprise, data={"employees": 500 + n}, by=users["officer-yn"])
    assert EnterpriseChange.objects.filter(enterprise=yn_enterprise, field="employees").count() == 60
    return yn_enterprise


def test_all_sixty_changes_are_reachable_from_the_enterprise_page(client, users, sixty_changes):
    client.force_login(users["officer-yn"])
    enterprise = sixty_changes

    # the enterprise page: the newest 50 and a link to the rest
    page = client.get(f"/enterprises/{enterprise.pk}/").content.decode()
    assert new_values(page) == list(range(560, 510, -1))
    history_url = f"/enterprises/{enterprise.pk}/history/"
    assert f'href="{history_url}"' in page and "查看全部记录" in page

    # the history page, followed page by page, holds every change once, newest first
    seen, url = [], history_url
    while url:
        html = client.get(url).content.decode()
        seen += new_values(html)
        nxt = re.search(r'href="\?(page=\d+)">下一页', html)
        url = f"{history_url}?{nxt.group(1)}" if nxt else None
    assert seen == list(range(560, 500, -1))
    assert "共 60 条" in client.get(history_url).content.decode()


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
