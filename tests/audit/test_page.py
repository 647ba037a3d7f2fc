"""The administrators' audit page: filters (event, user, dates, object, address or network), pages of 50, and an
Excel export of exactly the filtered entries whose text cells are never formulas; every other role is refused."""

import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from reform_portal.audit import choices, services
from reform_portal.audit.models import AuditEntry
from reform_portal.audit.services import record

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://x","y")'


LOGGED = ("fixture.login", "fixture.failed", "fixture.export", "fixture.download")


def entry(action, *, user=None, ip=None, days_ago=0, target_repr="", details=None):
    values = services._values(action, user=user, details=details)
    values |= {"ip": ip, "target_repr": target_repr}
    return services._append(values, at=timezone.now() - timedelta(days=days_ago))


@pytest.fixture
def logged(users):
    officer, sasac = users["officer-yn"], users["sasac-yn"]
    return {
        "login": entry("fixture.login", user=officer, ip="10.1.2.3"),
        "failed": entry("fixture.failed", ip="10.9.0.1", details={"username": "mallory"}),
        "export": entry("fixture.export", user=sasac, ip="192.168.1.5", target_repr="昆明测试机械有限公司", days_ago=3),
        "formula": entry("fixture.download", user=officer, target_repr=FORMULA, details={"what": FORMULA}),
    }


def listed(client, **params) -> set[int]:
    """The entries of the fixture the page lists (creating the users and logging in are on record too)."""
    response = client.get(reverse("audit:list"), params)
    assert response.status_code == 200
    mine = set(AuditEntry.objects.filter(action__in=LOGGED).values_list("pk", flat=True))
    return {e.pk for e in response.context["page"].object_list} & mine


def test_the_filters_narrow_the_entries(client, users, logged):
    client.force_login(users["admin"])
    ids = {key: e.pk for key, e in logged.items()}
    assert listed(client) == set(ids.values())
    response = client.get(reverse("audit:list"), {"action": choices.LOGIN})
    assert {e.action for e in response.context["page"].object_list} == {choices.LOGIN}  # the admin's own login
    assert listed(client, user="sasac") == {ids["export"]}
    assert listed(client, ip="10.1.2.3") == {ids["login"]}
    assert listed(client, ip="10.0.0.0/8") == {ids["login"], ids["failed"]}
    assert listed(client, target="机械") == {ids["export"]}
    today = timezone.localdate()
    assert listed(client, date_to=str(today - timedelta(days=1))) == {ids["export"]}
    assert listed(client, date_from=str(today)) == set(ids.values()) - {ids["export"]}


@pytest.mark.parametrize("params", [{"ip": "10.1.2"}, {"action": "no-such"}, {"date_from": "2024-13-40"}])
def test_bad_filters_are_shown_next_to_the_field_not_a_500(client, users, logged, params):
    client.force_login(users["admin"])
    response = client.get(reverse("audit:list"), params)
    assert response.status_code == 200
    assert response.context["filter"].form.errors.keys() == params.keys()
    assert client.get(reverse("audit:list"), {"user": "a\x00b"}).status_code in (200, 400)


def test_the_entries_come_fifty_a_page(client, users):
    for n in range(51):
        record(choices.EXPORT, details={"n": n})
    client.force_login(users["admin"])
    first = client.get(reverse("audit:list"), {"action": choices.EXPORT})
    second = client.get(reverse("audit:list"), {"action": choices.EXPORT, "page": 2})
    assert len(first.context["page"].object_list) == 50 and len(second.context["page"].object_list) == 1
    assert "page=2" in first.content.decode()
    assert all(e.action == choices.EXPORT for e in second.context["page"].object_list)


def test_the_export_holds_the_filtered_entries_as_text_and_is_itself_recorded(client, users, logged):
    admin = users["admin"]
    client.force_login(admin)
    response = client.get(reverse("audit:export"), {"target": "HYPERLINK"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert [row[0].value for row in rows] == [logged["formula"].pk]
    cells = {sheet.cell(row=1, column=i + 1).value: cell for i, cell in enumerate(rows[0])}
    assert (cells["对象"].value, cells["对象"].data_type) == (FORMULA, "s")
    assert "=HYPERLINK(" in cells["详情"].value and cells["详情"].data_type == "s"
    assert not [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    export = AuditEntry.objects.filter(action=choices.EXPORT, user=admin).get()
    assert export.details == {"what": "audit", "filters": {"target": "HYPERLINK"}}


@pytest.mark.parametrize("role", ["officer-yn", "sasac-yn", "enterprise-yn"])
def test_other_roles_are_refused_the_page_and_the_export(client, users, logged, role):
    client.force_login(users[role])
    assert client.get(reverse("audit:list")).status_code == 403
    assert client.get(reverse("audit:export")).status_code == 403
    assert "审计日志" not in client.get(reverse("home")).content.decode()


def test_the_admin_lists_entries_and_changes_none(client, users, logged):
    client.force_login(users["admin"])
    assert client.get(reverse("admin:audit_auditentry_changelist")).status_code == 200
    change = reverse("admin:audit_auditentry_change", args=[logged["login"].pk])
    assert client.get(change).status_code == 200
    client.post(change, {"action": "edited"})
    assert client.get(reverse("admin:audit_auditentry_delete", args=[logged["login"].pk])).status_code == 403
    assert AuditEntry.objects.get(pk=logged["login"].pk).action == "fixture.login"
