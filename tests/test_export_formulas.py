"""Text typed by a user never becomes a live formula in any workbook the portal writes (formula injection): an
enterprise named =HYPERLINK(…), an answer and an officer's comment +1+1, a region name and a measure title @SUM(A1)
come out of every export as text cells holding exactly that text; numbers (negative ones too) stay numbers."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from enterprises.models import Enterprise, Region
from measures.models import Indicator, Measure
from reform_portal.spreadsheets import sheet_row
from reporting import rollup
from reporting.assessments.models import AssessmentItem
from tests.reporting.assessments.conftest import fill_complete
from tests.reporting.rollup_data import make_enterprises

pytestmark = pytest.mark.django_db

HYPERLINK = '=HYPERLINK("http://x","y")'
ANSWER = "+1+1"
COMMENT = "-1+1 核实有误"
REGION = "@SUM(A1)"
MEASURE = "@SUM(A1) 措施"
INDICATOR = "=1+1 指标"


def _cells(content: bytes):
    workbook = load_workbook(io.BytesIO(content))
    for sheet in workbook.worksheets:
        for row in sheet.iter_rows():
            yield from row


def _assert_text_only(content: bytes, *expected: str) -> None:
    """No cell is a formula, and each expected text is in a cell, intact."""
    cells = list(_cells(content))
    formulas = [(c.coordinate, c.value) for c in cells if c.data_type == "f"]
    assert formulas == []
    texts = [c.value for c in cells if isinstance(c.value, str)]
    for text in expected:
        assert any(text in value for value in texts), text


@pytest.fixture
def hostile(users, kunming):
    """An enterprise, a prefecture, a measure and an indicator whose texts a spreadsheet would run."""
    Region.objects.filter(pk=kunming.pk).update(name=REGION)
    enterprise = users["enterprise-yn"].profile.enterprise
    Enterprise.objects.filter(pk=enterprise.pk).update(name=HYPERLINK)
    measure = Measure.objects.filter(document__province__code="530000").order_by("position").first()
    Measure.objects.filter(pk=measure.pk).update(title=MEASURE)
    Indicator.objects.filter(measure__document__province__code="530000", derived_from="").order_by("pk").filter(
        pk=Indicator.objects.filter(measure=measure, derived_from="").values("pk")[:1]
    ).update(name=INDICATOR)
    return enterprise


def test_the_register_export_writes_text(client, users, hostile):
    client.force_login(users["officer-yn"])
    response = client.get(reverse("enterprises:export"))
    assert response.status_code == 200
    _assert_text_only(response.content, HYPERLINK, REGION)


def test_the_dashboard_workbook_writes_text(client, users, hostile):
    make_enterprises(30, province_codes=("530000",))
    rollup.rollup_full_now()
    # the hostile name on an enterprise of the hostile prefecture that the lagging panel lists
    lagging = next(e for e in _lagging(users["sasac-yn"]) if e.region_id == hostile.region_id)
    Enterprise.objects.filter(pk=lagging.pk).update(name=f"{HYPERLINK} 2")
    cache.clear()
    client.force_login(users["sasac-yn"])
    response = client.get(reverse("reporting:export"), {"province": "530000"})
    assert response.status_code == 200
    _assert_text_only(response.content, REGION, MEASURE, f"{HYPERLINK} 2")


def _lagging(user):
    from measures.models import PolicyDocument
    from reporting.selectors import Filters, dashboard_scope, lagging_queryset

    scope = dashboard_scope(user=user, province_code="530000")
    document = PolicyDocument.objects.get(province__code="530000")
    return list(lagging_queryset(user=user, scope=scope, filters=Filters(document=document)))


def test_the_assessment_workbook_writes_text(client, users, hostile):
    from reporting.assessments import services
    from tests.factories import open_period

    period = open_period(province_id=hostile.region.parent_id, opened_by=users["admin"])
    draft = services.assessment_start(period=period, enterprise=hostile, by=users["enterprise-yn"])
    fill_complete(draft, users["enterprise-yn"], what_done=ANSWER)
    submitted = services.assessment_submit(assessment=draft, by=users["enterprise-yn"])
    AssessmentItem.objects.filter(assessment=submitted).update(officer_comment=COMMENT)
    submitted.transitions.update(comment=COMMENT)
    client.force_login(users["officer-yn"])
    response = client.get(reverse("reporting:assessments:xlsx", args=[submitted.pk]))
    assert response.status_code == 200
    _assert_text_only(response.content, HYPERLINK, ANSWER, COMMENT, MEASURE, INDICATOR)


def test_the_offline_assessment_workbook_writes_text(client, users, hostile):
    from reporting.assessments import services
    from tests.factories import open_period

    period = open_period(province_id=hostile.region.parent_id, opened_by=users["admin"])
    draft = services.assessment_start(period=period, enterprise=hostile, by=users["enterprise-yn"])
    fill_complete(draft, users["enterprise-yn"], what_done=ANSWER)
    client.force_login(users["enterprise-yn"])
    response = client.get(reverse("reporting:assessments:workbook", args=[draft.pk]))
    assert response.status_code == 200
    _assert_text_only(response.content, HYPERLINK, ANSWER, MEASURE, INDICATOR)


def test_the_progress_workbook_writes_text(client, users, hostile):
    from measures.models import Progress

    progress = Progress.objects.filter(enterprise=hostile).select_related("measure").order_by("pk").first()
    Progress.objects.filter(pk=progress.pk).update(note=COMMENT)
    client.force_login(users["officer-yn"])
    response = client.get(reverse("enterprises:progress_workbook_download"), {"measure": progress.measure_id})
    assert response.status_code == 200
    _assert_text_only(response.content, HYPERLINK, COMMENT)


def test_only_text_is_escaped_numbers_and_dates_stay_what_they_are():
    wb = Workbook()
    ws = wb.active
    day = datetime.date(2026, 1, 2)
    ws.append(sheet_row(ws, [-5, Decimal("-1.50"), Decimal("-3"), -0.25, day, None, "-5", "普通\x01文本", "\t=1"]))
    buffer = io.BytesIO()
    wb.save(buffer)
    row = next(load_workbook(io.BytesIO(buffer.getvalue())).active.iter_rows())
    assert [c.value for c in row[:4]] == [-5, -1.5, -3, -0.25]
    assert [c.data_type for c in row[:4]] == ["n"] * 4
    assert row[4].value.date() == day
    assert row[5].value is None
    assert (row[6].value, row[6].data_type) == ("-5", "s")
    assert row[7].value == "普通文本"  # a control character a workbook cannot hold is dropped, not a failed export
    assert (row[8].value, row[8].data_type) == ("\t=1", "s")


def test_the_register_export_job_writes_text(users, hostile, tmp_path):
    """The job's streamed writer (reform_portal.spreadsheets.StreamedWorkbook), not openpyxl: the same rule."""
    from enterprises.exporting import enterprises_workbook_stream, export_values
    from reform_portal.jobs.work import export_queryset

    path = tmp_path / "job.xlsx"
    enterprises_workbook_stream(export_values(export_queryset(users["officer-yn"], {})).iterator(), path)
    _assert_text_only(path.read_bytes(), HYPERLINK, REGION)
    cell = next(c for c in _cells(path.read_bytes()) if c.value == HYPERLINK)
    assert (cell.data_type, cell.quotePrefix) == ("s", True)


def test_the_streamed_writer_escapes_only_text(tmp_path):
    from reform_portal.spreadsheets import StreamedWorkbook

    day = datetime.date(2026, 1, 2)
    with StreamedWorkbook(tmp_path / "s.xlsx") as book:
        book.sheet("s").append([-5, Decimal("-1.50"), Decimal("-3"), -0.25, day, None, "-5", "普通\x01文本", "\t=1"])
    row = next(load_workbook(tmp_path / "s.xlsx").active.iter_rows())
    assert [c.value for c in row[:4]] == [-5, -1.5, -3, -0.25]
    assert [c.data_type for c in row[:4]] == ["n"] * 4
    assert row[4].value.date() == day
    assert row[5].value is None
    assert (row[6].value, row[6].data_type, row[6].quotePrefix) == ("-5", "s", True)
    assert row[7].value == "普通文本"
    assert (row[8].value, row[8].data_type, row[8].quotePrefix) == ("\t=1", "s", True)
