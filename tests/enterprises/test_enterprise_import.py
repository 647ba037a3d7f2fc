"""Importing the register from Excel: all or nothing, bad rows named by their row number, re-import updates."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from enterprises.importing import headers
from enterprises.models import Enterprise
from enterprises.selectors import enterprise_change_history
from measures.models import Progress
from reform_portal.choices import ChangeSource
from tests.factories import make_credit_code

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def row(name, code, **overrides):
    values = {
        "name": name,
        "credit_code": code,
        "region": "昆明市",
        "ownership": "民营",
        "supervision_level": "无",
        "supervising_body": "",
        "industry": "制造业",
        "size_class": "中型",
        "employees": 300,
        "frontline_workers": 200,
        "union_members": 150,
        "party_members": 10,
        "skilled_workers": 80,
        "highly_skilled_workers": 8,
        "union_founded": "是",
        "union_founded_on": "2012-03-01",
        "is_pilot": "否",
    }
    values.update(overrides)
    return [values[f] for f, _h in headers()]


def workbook_file(rows, name="企业名录.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append([h for _f, h in headers()])
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


@pytest.fixture
def codes():
    return [make_credit_code("530100") for _ in range(3)]


def test_template_has_every_register_column(client, users):
    client.force_login(users["officer-yn"])
    response = client.get("/enterprises/import/template/")
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.active[1]] == [h for _f, h in headers()]
    guide = " ".join(str(c.value) for r in wb["填写说明"].iter_rows() for c in r)
    assert "昆明市（530100）" in guide and "西安市" not in guide and "国有独资" in guide


def test_good_file_creates_then_reimport_updates(client, users, codes):
    client.force_login(users["officer-yn"])
    rows = [row("甲公司", codes[0]), row("乙公司", codes[1], ownership="国有独资", supervision_level="市属")]

    response = client.post("/enterprises/import/", {"file": workbook_file(rows)})

    assert response.status_code == 302
    assert set(Enterprise.objects.filter(credit_code__in=codes).values_list("name", flat=True)) == {"甲公司", "乙公司"}
    assert Progress.objects.filter(enterprise__credit_code=codes[0]).exists()

    # when: the same file again, one headcount corrected
    rows[0] = row("甲公司", codes[0], employees=350)
    client.post("/enterprises/import/", {"file": workbook_file(rows)})

    assert Enterprise.objects.filter(credit_code__in=codes).count() == 2
    first = Enterprise.objects.get(credit_code=codes[0])
    assert first.employees == 350
    [change] = [c for c in enterprise_change_history(enterprise=first) if c.field == "employees"]
    assert (change.old_value, change.new_value, change.source) == ("300", "350", ChangeSource.IMPORT)


def test_one_bad_row_saves_nothing_and_names_the_row(client, users, codes):
    client.force_login(users["officer-yn"])
    rows = [
        row("甲公司", codes[0]),
        row("乙公司", codes[1], frontline_workers=999),  # spreadsheet row 3
        row("丙公司", codes[2]),
    ]

    response = client.post("/enterprises/import/", {"file": workbook_file(rows)})

    html = response.content.decode()
    assert response.status_code == 200
    assert "第 3 行" in html and "一线产业工人数不能多于职工总数" in html
    assert "第 2 行" not in html and "第 4 行" not in html
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()
    assert response.context["result"].errors == [(3, "一线产业工人数：一线产业工人数不能多于职工总数。")]


def test_every_kind_of_bad_row_is_reported(client, users, codes, sx_soe):
    client.force_login(users["officer-yn"])
    rows = [
        row("甲公司", "91530100MA6K0000X0"),  # row 2: check character
        row("乙公司", codes[1], region="西安市"),  # row 3: not a region the officer works in
        row("丙公司", codes[2], ownership="个体"),  # row 4: unknown ownership
        row("丁公司", codes[1]),  # row 5: duplicate of row 3's code
        row("戊公司", sx_soe.credit_code),  # row 6: someone else's enterprise
        row("己公司", make_credit_code("530100"), employees="很多"),  # row 7
    ]

    result = client.post("/enterprises/import/", {"file": workbook_file(rows)}).context["result"]

    assert [number for number, _m in result.errors] == [2, 3, 4, 5, 6, 7]
    messages = dict(result.errors)
    assert "校验码" in messages[2] and "所在州（市）" in messages[3] and "所有制" in messages[4]
    assert "第 3 行重复" in messages[5] and "不在您负责的范围" in messages[6] and "不是整数" in messages[7]
    assert not Enterprise.objects.filter(name__in=["甲公司", "乙公司", "丙公司", "丁公司", "己公司"]).exists()


def test_not_an_excel_file(client, users):
    client.force_login(users["officer-yn"])
    response = client.post("/enterprises/import/", {"file": SimpleUploadedFile("名录.xlsx", b"MZ\x90\x00" * 10)})
    assert "不符" in response.content.decode()


@pytest.mark.parametrize("role", ["sasac-yn", "enterprise-yn"])
def test_import_refused_for_roles_that_may_not_add(client, users, role, codes):
    client.force_login(users[role])
    assert client.get("/enterprises/import/").status_code == 403
    assert client.post("/enterprises/import/", {"file": workbook_file([row("甲", codes[0])])}).status_code == 403
    assert not Enterprise.objects.filter(credit_code=codes[0]).exists()


def test_export_then_import_round_trip_changes_nothing(client, users, yn_enterprise):
    client.force_login(users["officer-yn"])
    exported = client.get("/enterprises/export/").content
    response = client.post(
        "/enterprises/import/", {"file": SimpleUploadedFile("export.xlsx", exported, content_type=XLSX)}
    )
    assert response.status_code == 302
    assert [c.action for c in enterprise_change_history(enterprise=yn_enterprise)] == ["created"]
