"""Importing the register from Excel: all or nothing, every problem named by its row and column, re-import
updates."""

import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook, load_workbook

from enterprises.importing import VERSION_HEADER, ImportProblem, headers
from enterprises.models import Enterprise, Region
from enterprises.selectors import enterprise_change_history
from measures.models import Progress
from reform_portal.choices import ChangeSource
from tests.factories import EnterpriseFactory, make_credit_code
from tests.jobs.helpers import post_import

pytestmark = pytest.mark.django_db
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def row(name, code, version=None, **overrides):
    """A row of the template: the register's columns, then the version the enterprise was exported at (None: a new
    enterprise)."""
    values = {
        "name": name,
        "credit_code": code,
        "parent": "",
        "region": "",
        "county": "五华区",
        "ownership": "民营",
        "supervision_level": "无",
        "supervisor": "",
        "supervising_body": "",
        "industry": "制造业",
        "size_class": "中型",
        "above_scale": "否",
        "leading": "否",
        "has_board": "否",
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
    assert set(values) == {f for f, _h in headers()}
    return [values[f] for f, _h in headers()] + [version]


def column_letter(field) -> str:
    return "ABCDEFGHIJKLMNOPQRSTUVWXYZ"[[f for f, _h in headers()].index(field)]


def workbook_file(rows, name="企业名录.xlsx"):
    wb = Workbook()
    ws = wb.active
    ws.append([h for _f, h in headers()] + [VERSION_HEADER])
    for r in rows:
        ws.append(r)
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile(name, buffer.getvalue(), content_type=XLSX)


@pytest.fixture
def codes():
    return [make_credit_code("530102") for _ in range(3)]


def test_template_has_every_register_column(client, users):
    client.force_login(users["officer-yn"])
    response = client.get("/enterprises/import/template/")
    wb = load_workbook(io.BytesIO(response.content))
    assert [c.value for c in wb.active[1]] == [h for _f, h in headers()] + [VERSION_HEADER]
    guide = " ".join(str(c.value) for r in wb["填写说明"].iter_rows() for c in r)
    assert "昆明市（530100）" in guide and "西安市" not in guide and "国有独资" in guide and "其他部门" in guide
    counties = list(wb["县（市、区）"].iter_rows(values_only=True))
    assert (
        counties[0] == ("代码", "县（市、区）", "州（市）", "省")
        and ("530102", "五华区", "昆明市", "云南省") in counties
    )
    assert len(counties) == 1 + 129 and not any(c[3] == "陕西省" for c in counties[1:])


def test_good_file_creates_then_reimport_updates(client, users, codes):
    client.force_login(users["officer-yn"])
    rows = [
        row("甲公司", codes[0]),
        row("乙公司", codes[1], ownership="国有独资", supervision_level="市属", supervisor="国资委"),
    ]

    response = post_import(client, workbook_file(rows))

    assert response.context["result"].ok
    assert set(Enterprise.objects.filter(credit_code__in=codes).values_list("name", flat=True)) == {"甲公司", "乙公司"}
    assert Progress.objects.filter(enterprise__credit_code=codes[0]).exists()

    # when: the same file again, one headcount corrected (in a file carrying the version, as an export does)
    rows[0] = row("甲公司", codes[0], employees=350, version=Enterprise.objects.get(credit_code=codes[0]).version)
    post_import(client, workbook_file(rows))

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

    response = post_import(client, workbook_file(rows))

    html = response.content.decode()
    assert response.status_code == 200
    assert "第 3 行" in html and "一线产业工人数不能多于职工总数" in html
    assert "第 2 行" not in html and "第 4 行" not in html
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()
    assert response.context["result"].errors == [
        ImportProblem(
            3, "一线产业工人数", "一线产业工人数不能多于职工总数。", letter=column_letter("frontline_workers")
        )
    ]
    assert '<tr data-row="3" data-column="' in html and "一线产业工人数（" in html


def test_every_kind_of_bad_row_is_reported(client, users, codes, sx_soe):
    client.force_login(users["officer-yn"])
    rows = [
        row("甲公司", "91530100MA6K0000X0"),  # row 2: check character
        row("乙公司", codes[1], county="", region="西安市"),  # row 3: not a region the officer works in
        row("丙公司", codes[2], ownership="个体"),  # row 4: unknown ownership
        row("丁公司", codes[1]),  # row 5: duplicate of row 3's code
        row("戊公司", sx_soe.credit_code),  # row 6: an enterprise of another province, which the officer cannot see
        row("己公司", make_credit_code("530102"), employees="很多"),  # row 7
    ]

    result = post_import(client, workbook_file(rows)).context["result"]

    assert [p.row for p in result.errors] == [2, 3, 4, 5, 6, 7]
    found = {p.row: p for p in result.errors}
    assert [found[n].column for n in (2, 3, 4, 5, 6, 7)] == [
        "统一社会信用代码",
        "所在州（市）",
        "所有制",
        "统一社会信用代码",
        "统一社会信用代码",
        "职工总数",
    ]
    assert found[4].letter == column_letter("ownership") and found[7].letter == column_letter("employees")
    assert "校验码" in found[2].message and "所在州（市）“西安市”无效" in found[3].message
    assert "所有制“个体”无效" in found[4].message and "第 3 行重复" in found[5].message
    # an out-of-scope code is refused without revealing that (or by whom) it is registered
    assert found[6].message.startswith("该统一社会信用代码无法登记") and sx_soe.name not in found[6].message
    assert "已登记" not in found[6].message and "不是整数" in found[7].message
    assert not Enterprise.objects.filter(name__in=["甲公司", "乙公司", "丙公司", "丁公司", "己公司"]).exists()


def test_not_an_excel_file(client, users):
    client.force_login(users["officer-yn"])
    response = post_import(client, SimpleUploadedFile("名录.xlsx", b"MZ\x90\x00" * 10))
    assert "不符" in response.content.decode()


@pytest.mark.parametrize("role", ["sasac-yn", "enterprise-yn"])
def test_import_refused_for_roles_that_may_not_add(client, users, role, codes):
    client.force_login(users[role])
    assert client.get("/enterprises/import/").status_code == 403
    assert post_import(client, workbook_file([row("甲", codes[0])])).status_code == 403
    assert not Enterprise.objects.filter(credit_code=codes[0]).exists()


def test_export_then_import_round_trip_changes_nothing(client, users, kunming, yn_enterprise):
    # with every kind of value: a county, a parent, a supervisor, the facts (and one enterprise without a county)
    EnterpriseFactory(
        name="昆明测试子公司有限公司",
        region=kunming,
        county=Region.objects.get(code="530111"),
        parent=yn_enterprise,
        ownership="state_controlled",
        supervision_level="municipal",
        supervisor="other",
        above_scale=True,
        leading=True,
        has_board=True,
    )
    client.force_login(users["officer-yn"])
    exported = client.get("/enterprises/export/").content
    response = post_import(client, SimpleUploadedFile("export.xlsx", exported, content_type=XLSX))
    assert response.context["result"].ok, response.context["result"].errors
    for enterprise in Enterprise.objects.filter(region=kunming):
        assert [c.action for c in enterprise_change_history(enterprise=enterprise)] == ["created"]
