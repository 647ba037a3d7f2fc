"""The register export's cells, read without model instances (enterprises.exporting.export_values), against each
enterprise as a reader sees it, written out here from the model (Django's get_FOO_display, places and the parent by
name or credit code, 是/否) and the progress figures computed row by row: the page's workbook, the job's streamed
file, and the job's rows read without server-side cursors (behind pgbouncer)."""

import datetime
import io
from operator import itemgetter

import pytest
from django.db import connection
from django.utils import timezone
from openpyxl import load_workbook

from enterprises.choices import Supervisor
from enterprises.exporting import enterprises_workbook, enterprises_workbook_stream, export_values, header_row
from enterprises.models import Enterprise, Region
from enterprises.selectors import with_progress_summary
from reform_portal.chunked import in_chunks
from tests.factories import EnterpriseFactory
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.test_summary_figures import figures_in_python

pytestmark = pytest.mark.django_db


def yes(flag: bool) -> str:
    return "是" if flag else "否"


def expected_row(e: Enterprise, figures: dict) -> list:
    applicable, done, _not_started, mean, last = figures[e.pk]
    founded = datetime.datetime.combine(e.union_founded_on, datetime.time()) if e.union_founded_on else None
    return [
        e.name,
        e.credit_code,
        e.parent.credit_code if e.parent else None,
        e.region.name,
        e.county.name if e.county else None,
        e.get_ownership_display(),
        e.get_supervision_level_display(),
        e.get_supervisor_display() or None,
        e.supervising_body or None,
        e.get_industry_display(),
        e.get_size_class_display(),
        yes(e.above_scale),
        yes(e.leading),
        yes(e.has_board),
        e.employees,
        e.frontline_workers,
        e.union_members,
        e.party_members,
        e.skilled_workers,
        e.highly_skilled_workers,
        yes(e.union_founded),
        founded,
        yes(e.is_pilot),
        e.version,
        e.parent.name if e.parent else None,
        applicable,
        done,
        round(mean or 0, 1),
        to_second(timezone.localtime(last).replace(tzinfo=None)) if last else None,
    ]


def to_second(moment: datetime.datetime) -> datetime.datetime:
    return (moment + datetime.timedelta(milliseconds=500)).replace(microsecond=0)


def read_back(content) -> dict[str, list]:
    """{credit code: the row's values}, "" read as an empty cell (a streamed row ends at its last cell), times to the
    nearest second."""
    rows = {}
    sheet = load_workbook(content, read_only=True).worksheets[0]
    for row in sheet.iter_rows(min_row=2, values_only=True):
        values = [None if v == "" else v for v in row] + [None] * (len(header_row()) - len(row))
        if isinstance(values[-1], datetime.datetime):
            values[-1] = to_second(values[-1])
        rows[values[1]] = values
    return rows


@pytest.fixture
def enterprises():
    made = make_enterprises(12, province_codes=("530000",))  # with progress rows: figures to show
    kunming = Region.objects.get(code="530100")
    county = Region.objects.filter(parent=kunming).order_by("code").first()
    head = EnterpriseFactory(name="云南某集团有限公司", soe=True, region=kunming)
    EnterpriseFactory(
        name="=HYPERLINK(1)子公司",
        soe=True,
        region=kunming,
        county=county,
        parent=head,
        supervisor=Supervisor.SASAC,
        supervising_body="云南省国资委 & <省属>",
        above_scale=True,
        leading=True,
        union_founded_on=datetime.date(2012, 3, 4),
        is_pilot=True,
    )
    Enterprise.objects.filter(pk=made[0].pk).update(version=7)
    return Enterprise.objects.select_related("parent", "region", "county").order_by("pk")


def test_each_cell_is_the_enterprise_as_a_reader_sees_it(enterprises, tmp_path, monkeypatch):
    figures = figures_in_python()
    expected = {e.credit_code: expected_row(e, figures) for e in enterprises}
    assert len(expected) == 14 and any(row[26] for row in expected.values())  # some measures done
    qs = with_progress_summary(Enterprise.objects.order_by("pk"))

    page = io.BytesIO()
    enterprises_workbook(qs).save(page)
    assert read_back(page) == expected

    enterprises_workbook_stream(export_values(qs).iterator(chunk_size=5), tmp_path / "job.xlsx")
    assert read_back(tmp_path / "job.xlsx") == expected

    monkeypatch.setitem(connection.settings_dict, "DISABLE_SERVER_SIDE_CURSORS", True)
    rows = in_chunks(export_values(qs), 5, key=itemgetter(0))
    enterprises_workbook_stream(rows, tmp_path / "pooled.xlsx")
    assert read_back(tmp_path / "pooled.xlsx") == expected
