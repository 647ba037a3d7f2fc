"""The menu offers the API where it helps (issue 13, item 8): administrators and officers see "API"; enterprise,
group and SASAC users do not (reform_portal.access.API_MENU_ROLES). The API's documentation leads back to the
portal and loads Swagger UI from the portal's own static files."""

import re

import pytest
from django.urls import reverse

from enterprises.choices import Role
from enterprises.models import Profile
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

API_LINK = f'href="{reverse("api-docs")}"'


@pytest.fixture
def group_user(yn_enterprise):
    user = UserFactory(username="t-group-yn")
    Profile.objects.create(user=user, role=Role.GROUP, enterprise=yn_enterprise)
    return user


@pytest.mark.parametrize(
    ("role", "offered"),
    [
        ("admin", True),
        ("officer-yn", True),
        ("officer-sx", True),
        ("sasac-yn", False),
        ("enterprise-yn", False),
        ("enterprise-sx", False),
    ],
)
def test_the_api_link_is_in_the_menu_of_administrators_and_officers_only(client, users, role, offered):
    client.force_login(users[role])
    for url in (reverse("home"), reverse("measures:documents")):
        response = client.get(url)
        assert response.status_code == 200
        assert (API_LINK in response.content.decode()) is offered, (role, url)


def test_a_group_user_is_not_offered_the_api(client, group_user):
    client.force_login(group_user)
    html = client.get(reverse("home")).content.decode()
    assert "navbar" in html and API_LINK not in html


def test_the_api_documentation_leads_back_to_the_portal(client, users):
    client.force_login(users["officer-yn"])
    response = client.get(reverse("api-docs"))
    html = response.content.decode()
    assert response.status_code == 200
    back = re.search(r'<a id="back-to-portal" href="([^"]+)"[^>]*>([^<]+)</a>', html)
    assert back and back.group(1) == reverse("home") and "返回产改通" in back.group(2)
    assert f'href="{reverse("accounts:tokens")}"' in html
    # Swagger UI itself, from the portal's static files (no CDN)
    assert re.search(r'<script src="/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle\.js', html)
    assert "https://" not in html
    assert client.get(reverse("home")).status_code == 200


@pytest.mark.parametrize(
    ("role", "offered"),
    [("admin", True), ("officer-yn", True), ("sasac-yn", True), ("enterprise-yn", False), ("enterprise-sx", False)],
)
def test_the_visits_are_in_the_menu_of_the_union_and_sasac_only(client, users, role, offered):
    client.force_login(users[role])
    page = client.get(reverse("home")).content.decode()
    assert (f'href="{reverse("liaisons:visit_list")}"' in page) is offered
