"""Every page, for every role: who gets it, who is refused."""

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db

ALL_ROLES = ["admin", "officer-yn", "officer-sx", "sasac-yn", "sasac-sx", "enterprise-yn", "enterprise-sx"]


def client_for(client, user):
    client.force_login(user)
    return client


@pytest.mark.parametrize(
    "url",
    ["/", "/enterprises/", "/catalogue/", "/catalogue/documents/yn-2022-21/", "/catalogue/measures/YN-01/"],
)
def test_anonymous_is_sent_to_login(client, url):
    response = client.get(url)
    assert response.status_code == 302
    assert response.url.startswith(reverse("login"))


def test_anonymous_is_sent_to_login_from_a_real_enterprise(client, yn_enterprise):
    # a real row: without the login check the page would answer 404 (out of scope), not the login page
    for url in (f"/enterprises/{yn_enterprise.pk}/", f"/enterprises/{yn_enterprise.pk}/history/"):
        response = client.get(url)
        assert response.status_code == 302 and response.url.startswith(reverse("login")), url


@pytest.mark.parametrize("role", ALL_ROLES)
def test_home_page_per_role(client, users, role, yn_enterprise, sx_soe):
    response = client_for(client, users[role]).get("/")
    assert response.status_code == 200
    html = response.content.decode()
    if role == "enterprise-yn":
        assert yn_enterprise.name in html and "加强产业工人队伍党建工作" in html
        assert sx_soe.name not in html
    elif role in ("officer-yn", "sasac-yn"):
        assert yn_enterprise.name in html and sx_soe.name not in html
    elif role in ("officer-sx", "sasac-sx", "enterprise-sx"):
        assert sx_soe.name in html and yn_enterprise.name not in html


def test_user_without_a_role_sees_no_enterprise(client, yn_enterprise):
    from tests.factories import UserFactory

    response = client_for(client, UserFactory(username="nobody")).get("/")
    assert response.status_code == 403
    assert yn_enterprise.name not in response.content.decode()


@pytest.mark.parametrize("role", ALL_ROLES)
def test_catalogue_is_open_to_every_role(client, users, role):
    c = client_for(client, users[role])
    assert "关于发挥企业主体作用" in c.get("/catalogue/").content.decode()
    page = c.get("/catalogue/documents/sx-2023-21/")
    assert page.status_code == 200 and "（十八）" in page.content.decode()
    assert c.get("/catalogue/measures/YN-06/").status_code == 200


@pytest.mark.parametrize(
    ("role", "sees_yn", "sees_sx"),
    [
        ("admin", True, True),
        ("officer-yn", True, False),
        ("officer-sx", False, True),
        ("sasac-yn", True, False),
        ("sasac-sx", False, True),
    ],
)
def test_enterprise_list_is_scoped(client, users, yn_enterprise, sx_soe, role, sees_yn, sees_sx):
    html = client_for(client, users[role]).get("/enterprises/").content.decode()
    assert (yn_enterprise.name in html) == sees_yn
    assert (sx_soe.name in html) == sees_sx


@pytest.mark.parametrize("role", ["enterprise-yn", "enterprise-sx"])
def test_enterprise_users_are_refused_the_enterprise_list(client, users, role):
    assert client_for(client, users[role]).get("/enterprises/").status_code == 403


@pytest.mark.parametrize(
    ("role", "status"),
    [
        ("admin", 200),
        ("officer-yn", 200),
        ("sasac-yn", 200),
        ("enterprise-yn", 200),
        ("officer-sx", 404),
        ("sasac-sx", 404),
        ("enterprise-sx", 404),
    ],
)
def test_enterprise_page_is_refused_out_of_scope(client, users, yn_enterprise, role, status):
    response = client_for(client, users[role]).get(f"/enterprises/{yn_enterprise.pk}/")
    assert response.status_code == status
    if status == 200:
        assert "加强产业工人队伍党建工作" in response.content.decode()


def test_officer_named_to_an_enterprise_outside_their_region_sees_it(client, sx_soe, kunming):
    from tests.factories import make_officer

    officer = make_officer("named", regions=[kunming], enterprises=[sx_soe])
    assert client_for(client, officer).get(f"/enterprises/{sx_soe.pk}/").status_code == 200


def test_enterprise_user_of_another_yunnan_enterprise_is_refused(client, users, kunming, yn_enterprise):
    from tests.factories import EnterpriseFactory, make_enterprise_user

    other = make_enterprise_user("other", enterprise=EnterpriseFactory(region=kunming))
    assert client_for(client, other).get(f"/enterprises/{yn_enterprise.pk}/").status_code == 404
