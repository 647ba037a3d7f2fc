"""Every model's admin list, add and change page loads for an administrator, in Chinese."""

import pytest
from django.contrib import admin
from django.urls import reverse

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "model", [m for m in admin.site._registry if m._meta.app_label in {"enterprises", "measures", "reporting"}], ids=str
)
def test_admin_pages_load(client, users, yn_enterprise, model):
    client.force_login(users["admin"])
    opts = model._meta
    changelist = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist"))
    assert changelist.status_code == 200
    obj = model._default_manager.first()
    if obj is not None:
        change = client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_change", args=[obj.pk]))
        assert change.status_code == 200
    if admin.site._registry[model].has_add_permission(type("R", (), {"user": users["admin"]})()):
        assert client.get(reverse(f"admin:{opts.app_label}_{opts.model_name}_add")).status_code == 200


def test_admin_speaks_chinese(client, users):
    client.force_login(users["admin"])
    html = client.get(reverse("admin:index")).content.decode()
    assert "企业" in html and "政策文件" in html


@pytest.mark.parametrize("role", ["officer-yn", "sasac-yn", "enterprise-yn"])
def test_non_staff_are_refused_the_admin(client, users, role):
    client.force_login(users[role])
    response = client.get(reverse("admin:enterprises_enterprise_changelist"))
    assert response.status_code == 302 and "login" in response.url
