"""Importing the new register facts: the county by code or name (a shared name qualified by its prefecture), the
parent company by credit code (registered, or earlier in the file), the supervisor and 规上 / 龙头 / 董事会; every
problem named by row, column and what is wrong, and nothing saved unless every row is valid."""

import pytest

from enterprises.choices import Supervisor
from enterprises.models import Enterprise, Region
from tests.factories import EnterpriseFactory, make_credit_code
from tests.jobs.helpers import post_import

from .test_enterprise_import import column_letter, row, workbook_file

pytestmark = pytest.mark.django_db


def run_import(client, rows):
    response = post_import(client, workbook_file(rows))
    return response, (response.context["result"] if response.context else None)


def problems(result) -> list[tuple[int, str, str]]:
    return [(p.row, p.column, p.message) for p in result.errors]


@pytest.fixture
def officer(client, users):
    client.force_login(users["officer-yn"])
    return users["officer-yn"]


@pytest.fixture
def twin_counties(kunming):
    """Two counties of the same name, in 昆明市 and 曲靖市 (the shipped data has no such pair in these provinces)."""
    return [
        Region.objects.create(code="530198", name="城关区", level="county", parent=kunming),
        Region.objects.create(code="530398", name="城关区", level="county", parent=Region.objects.get(code="530300")),
    ]


# The county -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("county", "region", "expected"),
    [
        ("530103", "", "530103"),  # by code
        (530103, "", "530103"),  # a code Excel keeps as a number
        ("盘龙区", "", "530103"),  # by name
        ("昆明市 官渡区", "", "530111"),  # qualified by the prefecture
        ("云南省昆明市西山区", "", "530112"),  # and by the province
        ("宜良县", "昆明市", "530125"),  # with the prefecture in its own column
        ("宜良县", "530100", "530125"),
    ],
)
def test_county_by_code_or_name(client, officer, county, region, expected):
    code = make_credit_code("530102")
    response, result = run_import(client, [row("甲公司", code, county=county, region=region)])
    assert result.ok, result.errors
    enterprise = Enterprise.objects.get(credit_code=code)
    assert (enterprise.county.code, enterprise.region.code) == (expected, "530100")


def test_a_shared_county_name_must_be_qualified(client, users, twin_counties):
    client.force_login(users["admin"])  # who may register in both prefectures
    codes = [make_credit_code("530102") for _ in range(4)]
    rows = [
        row("甲公司", codes[0], county="城关区"),  # row 2: which one?
        row("乙公司", codes[1], county="城关区", region="曲靖市"),
        row("丙公司", codes[2], county="昆明市城关区"),
        row("丁公司", codes[3], county="530198"),
    ]
    _response, result = run_import(client, rows)
    assert problems(result) == [
        (
            2,
            "所在县（市、区）",
            "县（市、区）名称“城关区”不唯一：昆明市、曲靖市都有。请在“所在州（市）”列填写州（市），"
            "或在本列写明州（市）（如“昆明市城关区”），或填写 6 位代码（530198、530398）。",
        )
    ]
    assert result.errors[0].letter == column_letter("county")
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()
    # once qualified, every row goes in; the prefecture follows from the county
    rows[0] = row("甲公司", codes[0], county="城关区", region="昆明市")
    response, result = run_import(client, rows)
    assert result.ok, result.errors
    found = {e.name: (e.county.code, e.region.code) for e in Enterprise.objects.filter(credit_code__in=codes)}
    assert found == {
        "甲公司": ("530198", "530100"),
        "乙公司": ("530398", "530300"),
        "丙公司": ("530198", "530100"),
        "丁公司": ("530198", "530100"),
    }


@pytest.mark.parametrize(
    ("county", "region", "message"),
    [
        ("", "", "请选择所在县（市、区）。"),
        ("", "昆明市", "请选择昆明市的县（市、区）"),
        ("530100", "", "“530100”是州（市）“昆明市”的代码；本列请填写县（市、区）的名称或代码。"),
        ("999999", "", "没有代码为“999999”的县（市、区）（或它不在您工作的省份内）。"),
        ("雁塔区", "", "所在县（市、区）“雁塔区”无效"),  # Xi'an's: not in the officer's province
        ("五华区", "曲靖市", "五华区属于昆明市，不在曲靖市。"),
    ],
)
def test_county_problems(client, officer, county, region, message):
    code = make_credit_code("530102")
    _response, result = run_import(client, [row("甲公司", code, county=county, region=region)])
    [problem] = result.errors
    assert (problem.row, problem.column, problem.letter) == (2, "所在县（市、区）", column_letter("county"))
    assert message in problem.message
    assert not Enterprise.objects.filter(credit_code=code).exists()


def test_a_county_outside_the_officers_charge(client, officer):
    code = make_credit_code("530302")
    _response, result = run_import(client, [row("甲公司", code, county="麒麟区")])  # 曲靖市
    message = "“麒麟区”不在您负责的范围内：企业只能登记在或迁入您负责的区域。"
    assert problems(result) == [(2, "所在县（市、区）", message)]


def test_yangling_has_no_county(client, users):
    client.force_login(users["admin"])
    code = make_credit_code("610403")
    response, result = run_import(client, [row("杨凌测试种业有限公司", code, county="", region="杨凌示范区")])
    assert result.ok, result.errors
    enterprise = Enterprise.objects.get(credit_code=code)
    assert enterprise.county is None and enterprise.region.code == "619900"


def test_an_enterprise_registered_without_a_county_may_stay_so(client, officer, yn_enterprise):
    version = yn_enterprise.version
    rows = [row(yn_enterprise.name, yn_enterprise.credit_code, version, county="", region="昆明市", employees=333)]
    response, result = run_import(client, rows)
    assert result.ok, result.errors
    yn_enterprise.refresh_from_db()
    assert (yn_enterprise.employees, yn_enterprise.county) == (333, None)


# The parent company ----------------------------------------------------------------------------------------------


def test_parent_registered_or_earlier_in_the_file(client, officer, yn_enterprise):
    head, child, grandchild = (make_credit_code("530102") for _ in range(3))
    pasted = f" {yn_enterprise.credit_code[:9].lower()} {yn_enterprise.credit_code[9:]}"  # normalised
    rows = [
        row("甲集团有限公司", head, parent=pasted),
        row("甲集团子公司", child, parent=head),
        row("甲集团孙公司", grandchild, parent=child.lower()),
    ]
    response, result = run_import(client, rows)
    assert result.ok, result.errors
    parents = {
        e.credit_code: e.parent.credit_code
        for e in Enterprise.objects.filter(credit_code__in=[head, child, grandchild])
    }
    assert parents == {head: yn_enterprise.credit_code, child: head, grandchild: child}


def test_parent_problems(client, officer, sx_soe):
    codes = [make_credit_code("530102") for _ in range(6)]
    unknown = make_credit_code("530102")
    rows = [
        row("甲公司", codes[0], parent=codes[1]),  # row 2: its parent comes later
        row("乙公司", codes[1]),
        row("丙公司", codes[2], parent=unknown),  # row 4: registered nowhere
        row("丁公司", codes[3], parent=sx_soe.credit_code),  # row 5: not one the officer may see
        row("戊公司", codes[4], parent=codes[4]),  # row 6: itself
        row("己公司", codes[5], frontline_workers=9999),  # row 7: fails
        row("庚公司", make_credit_code("530102"), parent=codes[5]),  # row 8: its parent failed
    ]
    _response, result = run_import(client, rows)
    header = "上级集团（母公司）统一社会信用代码"
    assert problems(result) == [
        (2, header, f"母公司 {codes[1]} 在第 3 行：尚未登记的母公司须排在子公司之前。"),
        (
            4,
            header,
            f"没有找到统一社会信用代码为 {unknown} 的企业（或它不在您可查看的范围内）：母公司须已登记，"
            "或在本文件中排在子公司之前。",
        ),
        (
            5,
            header,
            f"没有找到统一社会信用代码为 {sx_soe.credit_code} 的企业（或它不在您可查看的范围内）：母公司须已登记，"
            "或在本文件中排在子公司之前。",
        ),
        (6, header, "上级集团不能是本企业。"),
        (7, "一线产业工人数", "一线产业工人数不能多于职工总数。"),
        (8, header, f"母公司 {codes[5]}（第 7 行）有错误，未能导入。"),
    ]
    assert {p.letter for p in result.errors if p.column == header} == {column_letter("parent")}
    assert not Enterprise.objects.filter(name__in=["甲公司", "乙公司", "丙公司", "丁公司", "戊公司", "己公司"]).exists()


def test_a_cycle_is_refused(client, officer, kunming, yn_enterprise):
    child = EnterpriseFactory(name="昆明测试子公司", region=kunming, parent=yn_enterprise)
    code, version = yn_enterprise.credit_code, yn_enterprise.version
    rows = [row(yn_enterprise.name, code, version, county="", region="昆明市", parent=child.credit_code)]
    _response, result = run_import(client, rows)
    assert problems(result) == [(2, "上级集团（母公司）统一社会信用代码", "上级集团不能是本企业或本企业的下属企业。")]
    yn_enterprise.refresh_from_db()
    assert yn_enterprise.parent is None


# Supervision and the facts ---------------------------------------------------------------------------------------


def test_supervisor_rules(client, officer):
    codes = [make_credit_code("530102") for _ in range(5)]
    rows = [
        row("甲公司", codes[0], ownership="国有独资", supervision_level="市属"),  # row 2: supervisor missing
        row("乙公司", codes[1], supervisor="国资委"),  # row 3: a private enterprise has none
        row("丙公司", codes[2], ownership="国有参股", supervision_level="县属", supervisor="国资委"),  # row 4
        row("丁公司", codes[3], ownership="国有控股", supervision_level="省属", supervisor="财政"),  # row 5
        row("戊公司", codes[4], ownership="国有独资", supervision_level="县属", supervisor="其他部门"),
    ]
    _response, result = run_import(client, rows)
    assert problems(result) == [
        (2, "监管机构类别", "请选择监管机构类别（国资委或其他部门）。"),
        (3, "监管机构类别", "没有国资监管层级的企业不填监管机构类别。"),
        (4, "国资监管层级", "只有国有独资或国有控股企业才有国资监管层级；国有参股企业不是国有企业。"),
        (5, "监管机构类别", "监管机构类别“财政”无效，应为：国资委、其他部门（如财政、行业主管部门）。"),
    ]
    assert not Enterprise.objects.filter(credit_code__in=codes).exists()
    # corrected, all go in; 国有控股 and 其他部门 are read as the choices they name
    rows[0] = row("甲公司", codes[0], ownership="国有独资", supervision_level="市属", supervisor="国资委")
    rows[1] = row("乙公司", codes[1])
    rows[2] = row("丙公司", codes[2], ownership="国有参股")
    rows[3] = row("丁公司", codes[3], ownership="国有控股", supervision_level="省属", supervisor="sasac")
    response, result = run_import(client, rows)
    assert result.ok, result.errors
    found = {e.name: (e.ownership, e.supervisor) for e in Enterprise.objects.filter(credit_code__in=codes)}
    assert found == {
        "甲公司": ("state_sole", Supervisor.SASAC),
        "乙公司": ("private", ""),
        "丙公司": ("state_minority", ""),
        "丁公司": ("state_controlled", Supervisor.SASAC),
        "戊公司": ("state_sole", Supervisor.OTHER),
    }


def test_facts_yes_and_no(client, officer):
    code = make_credit_code("530102")
    response, result = run_import(client, [row("甲公司", code, above_scale="是", leading="否", has_board="√")])
    assert result.ok, result.errors
    enterprise = Enterprise.objects.get(credit_code=code)
    assert (enterprise.above_scale, enterprise.leading, enterprise.has_board) == (True, False, True)
    _response, result = run_import(client, [row("甲公司", code, leading="也许")])
    assert problems(result) == [(2, "龙头企业", "龙头企业应填“是”或“否”，而不是“也许”。")]


def test_a_row_reports_every_bad_cell(client, officer):
    code = make_credit_code("530102")
    bad = row("甲公司", code, ownership="个体", county="不存在县", leading="也许", employees="很多")
    _response, result = run_import(client, [bad])
    assert {p.column for p in result.errors} == {"所有制", "所在县（市、区）", "龙头企业", "职工总数"}
    assert all(
        p.row == 2 and p.letter == column_letter(f)
        for p, f in zip(
            sorted(result.errors, key=lambda p: p.letter),
            sorted(["ownership", "county", "leading", "employees"], key=column_letter),
            strict=True,
        )
    )


def test_export_has_the_new_columns(client, officer, kunming, yn_enterprise):
    import io

    from openpyxl import load_workbook

    EnterpriseFactory(
        name="昆明测试子公司有限公司",
        region=kunming,
        county=Region.objects.get(code="530111"),
        parent=yn_enterprise,
        ownership="state_sole",
        supervision_level="municipal",
        supervisor="sasac",
        above_scale=True,
        has_board=True,
    )
    sheet = load_workbook(io.BytesIO(client.get("/enterprises/export/", {"q": "子公司"}).content)).active
    header, values = (list(r) for r in sheet.iter_rows(values_only=True))
    exported = dict(zip(header, values, strict=True))
    assert {
        k: exported[k]
        for k in (
            "上级集团（母公司）统一社会信用代码",
            "所在州（市）",
            "所在县（市、区）",
            "监管机构类别",
            "规模以上企业",
            "龙头企业",
            "设有董事会或监事会",
            "上级集团（母公司）名称",
        )
    } == {
        "上级集团（母公司）统一社会信用代码": yn_enterprise.credit_code,
        "所在州（市）": "昆明市",
        "所在县（市、区）": "官渡区",
        "监管机构类别": "国资委",
        "规模以上企业": "是",
        "龙头企业": "否",
        "设有董事会或监事会": "是",
        "上级集团（母公司）名称": yn_enterprise.name,
    }


def test_an_exported_name_that_looks_like_a_formula_stays_text(client, officer, kunming):
    import io

    from openpyxl import load_workbook

    EnterpriseFactory(name='=HYPERLINK("http://x","点我")有限公司', region=kunming)
    sheet = load_workbook(io.BytesIO(client.get("/enterprises/export/", {"q": "HYPERLINK"}).content)).active
    cell = sheet.cell(row=2, column=1)
    assert cell.value.startswith("=HYPERLINK")
    assert cell.data_type == "s"  # a string, not a formula ("f")
