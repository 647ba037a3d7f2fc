"""The register import is set-based (issue 12, item 4): the number of SQL statements of an import does not depend on
the number of rows of the file, for a file that is written (changes with versions, new enterprises, counties by name
and by code, a parent registered and a parent earlier in the file) and for a file refused row by row (enterprises out
of the officer's charge, out of their sight, duplicate codes, unknown parents)."""

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from enterprises.importing import enterprises_import
from enterprises.models import Enterprise, Region
from tests.factories import make_credit_code, make_officer

from .test_enterprise_import import row, workbook_file

pytestmark = pytest.mark.django_db


def _register(n: int, region: Region, county: Region, tag: str) -> list[Enterprise]:
    return Enterprise.objects.bulk_create(
        Enterprise(
            name=f"查询计数{tag}{i}有限公司",
            credit_code=make_credit_code(county.code),
            region=region,
            county=county,
            ownership="private",
            industry="C",
            size_class="medium",
            employees=100,
        )
        for i in range(n)
    )


def _statements(officer, rows) -> tuple[int, object]:
    user = User.objects.get(pk=officer.pk)  # a fresh user object: its access read again, as in a job
    with CaptureQueriesContext(connection) as queries:
        result = enterprises_import(upload=workbook_file(rows), by=user)
    return len(queries), result


def _good_rows(n: int, kunming, tag: str) -> list[list]:
    """n rows: half change a registered enterprise (its county by code, a registered parent for some), half are new
    (county by name, some the subsidiaries of a new parent earlier in the file)."""
    wuhua, panlong = Region.objects.get(code="530102"), Region.objects.get(code="530103")
    existing = _register(n // 2, kunming, wuhua, tag)
    group = existing[0]
    rows = [
        row(
            e.name,
            e.credit_code,
            e.version,
            county="530103" if i % 2 else "五华区",
            employees=200,
            **({"parent": group.credit_code} if i % 3 == 1 else {}),
        )
        for i, e in enumerate(existing)
    ]
    new_parent = make_credit_code(panlong.code)
    rows.append(row(f"查询计数{tag}新集团有限公司", new_parent, county="盘龙区"))
    for i in range(n - len(rows)):
        parent = {"parent": new_parent} if i % 2 else {}
        rows.append(row(f"查询计数{tag}新增{i}有限公司", make_credit_code(wuhua.code), county="昆明市五华区", **parent))
    return rows


def test_a_written_file_costs_the_same_statements_for_20_and_200_rows(kunming):
    officer = make_officer("t-queries-a", regions=[kunming])
    small, small_result = _statements(officer, _good_rows(20, kunming, "小"))
    large, large_result = _statements(officer, _good_rows(200, kunming, "大"))
    assert small_result.ok and large_result.ok, (small_result.errors[:3], large_result.errors[:3])
    assert (small_result.updated, small_result.created) == (10, 10)
    assert (large_result.updated, large_result.created) == (100, 100)
    assert large == small, (small, large)


def _bad_rows(n: int, kunming, xian, tag: str) -> list[list]:
    """n rows, every one refused: enterprises of a county of 昆明 outside the officer's charge (seen, not theirs to
    change), of 西安 (not seen: the neutral message), a duplicate code, an unknown parent, an unknown county."""
    wuhua, yanta = Region.objects.get(code="530102"), Region.objects.get(code="610113")
    theirs = _register(n // 5, kunming, wuhua, tag + "外")
    unseen = _register(n // 5, xian, yanta, tag + "陕")
    rows = [row(e.name, e.credit_code, e.version, employees=200) for e in theirs]
    rows += [row(e.name, e.credit_code, e.version, employees=200) for e in unseen]
    duplicate = make_credit_code(wuhua.code)
    rows += [row(f"查询计数{tag}重复{i}", duplicate) for i in range(n // 5)]
    rows += [
        row(f"查询计数{tag}无母{i}", make_credit_code(wuhua.code), parent=make_credit_code("530102"))
        for i in range(n // 5)
    ]
    rows += [
        row(f"查询计数{tag}无县{i}", make_credit_code(wuhua.code), county="不存在县") for i in range(n - len(rows))
    ]
    return rows


def test_a_refused_file_costs_the_same_statements_for_20_and_200_rows(kunming, xian):
    # In charge of 盘龙区 only: the enterprises of 五华区 are seen (昆明's officers see their prefecture) or not, but
    # not theirs to change; every row is refused with its own message.
    panlong = Region.objects.get(code="530103")
    officer = make_officer("t-queries-b", regions=[panlong])
    small, small_result = _statements(officer, _bad_rows(20, kunming, xian, "小"))
    large, large_result = _statements(officer, _bad_rows(200, kunming, xian, "大"))
    assert not small_result.ok and not large_result.ok
    assert len({p.row for p in small_result.errors}) >= 19  # the first of the duplicates may pass its checks
    assert len({p.row for p in large_result.errors}) >= 199
    assert large == small, (small, large)


def _sheet_of(n: int):
    """A header and `n` data rows (written in openpyxl's write-only mode: quick for 10,000 rows)."""
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from openpyxl import Workbook

    from enterprises.importing import VERSION_HEADER, headers

    wb = Workbook(write_only=True)
    ws = wb.create_sheet("企业名录")
    ws.append([h for _f, h in headers()] + [VERSION_HEADER])
    template = row("上限测试有限公司", "")
    for i in range(n):
        ws.append([f"上限测试{i}有限公司", *template[1:]])
    buffer = io.BytesIO()
    wb.save(buffer)
    return SimpleUploadedFile("上限.xlsx", buffer.getvalue())


def test_a_header_and_10000_rows_are_read_and_one_more_is_refused():
    from enterprises.importing import MAX_ROWS, read_rows

    assert MAX_ROWS == 10_000
    rows, _columns, problems = read_rows(_sheet_of(10_000))
    assert problems == [] and len(rows) == 10_000 and rows[-1][0] == 10_001
    rows, _columns, problems = read_rows(_sheet_of(10_001))
    # refused by the workbook reader's limit (WORKBOOK_MAX_ROWS: the header and 10,000 rows), naming the row
    assert rows == [] and len(problems) == 1 and "10002" in problems[0].message
