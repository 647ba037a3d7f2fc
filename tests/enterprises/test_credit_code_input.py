"""A credit code as people type or paste it (issue 13, item 4): spaces and lower case are cleaned before any check
(enterprises.credit_code.normalise_credit_code, one function for the page form, the admin, the API and the import),
and a code already registered gets the portal's message — with a link to the enterprise only for a user who may see
it — never Django's "具有 统一社会信用代码 的 企业 已存在。" nor a second, contradicting message."""

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from enterprises.credit_code import make_credit_code
from enterprises.credit_code_uniqueness import NEUTRAL
from enterprises.forms import EnterpriseForm

pytestmark = pytest.mark.django_db

DJANGO_UNIQUE = "已存在"


def pasted(code: str) -> str:
    """`code` as pasted from a letter: lower case, with spaces around and inside."""
    return f"  {code[:6].lower()} {code[6:12].lower()}　{code[12:].lower()} "


def test_a_pasted_code_is_cleaned_before_it_is_checked(users, yn_enterprise):
    fresh = make_credit_code("530102", "MA6K0Q3L")
    form = EnterpriseForm(data={"name": "新企业", "credit_code": pasted(fresh)}, user=users["officer-yn"])
    form.is_valid()
    assert "credit_code" not in form.errors, form.errors
    assert form.cleaned_data["credit_code"] == fresh
    # the input leaves room for the spaces (the browser would cut a pasted code at 18 characters)
    assert 'maxlength="40"' in str(form["credit_code"])
    # a wrong length is told in the portal's words, counted without the spaces
    form = EnterpriseForm(data={"name": "新企业", "credit_code": " 9153 0102 "}, user=users["officer-yn"])
    assert form.errors["credit_code"] == ["统一社会信用代码应为 18 位，当前为 8 位。"]


def test_a_pasted_code_already_registered_gets_the_portals_message_and_a_link(client, users, yn_enterprise):
    client.force_login(users["officer-yn"])
    response = client.post(
        reverse("enterprises:create"), {"name": "新企业", "credit_code": pasted(yn_enterprise.credit_code)}
    )
    errors = response.context["form"].errors["credit_code"]
    link = f'<a href="{reverse("enterprises:detail", args=[yn_enterprise.pk])}">查看该企业</a>'
    assert errors == [f"该统一社会信用代码已由“{yn_enterprise.name}”登记。 {link}"]
    html = response.content.decode()
    assert link in html and DJANGO_UNIQUE not in html and "当前为 0 位" not in html


def test_a_code_registered_out_of_sight_is_refused_without_name_or_link(client, users, sx_soe):
    client.force_login(users["officer-yn"])
    response = client.post(reverse("enterprises:create"), {"name": "新企业", "credit_code": pasted(sx_soe.credit_code)})
    assert response.context["form"].errors["credit_code"] == [NEUTRAL]
    html = response.content.decode()
    assert sx_soe.name not in html and reverse("enterprises:detail", args=[sx_soe.pk]) not in html


def test_the_admin_says_the_same_as_the_register(client, users, yn_enterprise):
    client.force_login(users["admin"])
    response = client.post(
        reverse("admin:enterprises_enterprise_add"),
        {"name": "新企业", "credit_code": pasted(yn_enterprise.credit_code)},
    )
    errors = response.context["adminform"].form.errors["credit_code"]
    assert len(errors) == 1 and f"已由“{yn_enterprise.name}”登记" in errors[0]
    assert reverse("enterprises:detail", args=[yn_enterprise.pk]) in errors[0]
    assert DJANGO_UNIQUE not in response.content.decode()


def test_the_api_cleans_a_pasted_code_the_same_way(users, yn_enterprise):
    api = APIClient()
    api.force_authenticate(users["officer-yn"])
    response = api.post(
        "/api/enterprises/", {"name": "新企业", "credit_code": pasted(yn_enterprise.credit_code)}, format="json"
    )
    assert response.status_code == 400
    assert response.json()["credit_code"] == [
        f"该统一社会信用代码已由“{yn_enterprise.name}”登记。（ID {yn_enterprise.pk}）"
    ]
