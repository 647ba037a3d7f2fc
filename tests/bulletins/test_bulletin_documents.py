"""The bulletin's .docx and PDF: opened with python-docx and pypdf, their figures compared with an independent
computation from the progress rows (tests/reporting/rollup_data.expected_figures, plain Python), the GB/T 9704
layout (red masthead, document number, red line, PAGE field, margins), the prefecture ranking's order, and the same
range giving the same figures."""

import io
import re
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone
from docx import Document
from docx.shared import Mm, RGBColor
from pypdf import PdfReader

from enterprises.models import Region
from measures.models import PolicyDocument
from reporting import rollup
from reporting.bulletins import services
from reporting.bulletins.models import Bulletin, BulletinEvent
from tests.factories import make_sasac
from tests.reporting.rollup_data import expected_figures, make_enterprises

pytestmark = pytest.mark.django_db


def _pct(rate) -> str:
    return "—" if rate is None else f"{round(rate * 100, 1):.1f}%"


@pytest.fixture
def yunnan():
    make_enterprises(40, province_codes=("530000",))
    rollup.rollup_full_now()
    return Region.objects.get(code="530000")


def _built(province, sasac, prefecture=None) -> Bulletin:
    today = timezone.localdate()
    bulletin = services.bulletin_create(
        province=province, prefecture=prefecture, date_from=today - timedelta(days=30), date_to=today, by=sasac
    )
    return services.bulletin_build(bulletin_id=bulletin.pk)


def _docx(bulletin) -> Document:
    with bulletin.docx_file.open("rb") as f:
        return Document(io.BytesIO(f.read()))


def _pdf_text(bulletin) -> str:
    with bulletin.pdf_file.open("rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    return re.sub(r"\s+", "", "".join(page.extract_text() for page in reader.pages))


def test_the_docx_is_an_official_document_holding_the_independently_computed_figures(yunnan):
    sasac = make_sasac("t-bulletin-sasac", province_code="530000")
    bulletin = _built(yunnan, sasac)
    assert bulletin.status == "built" and bulletin.number == f"云工产改通报〔{timezone.localdate().year}〕1号"
    doc = _docx(bulletin)

    # red masthead, centred; the document number under it with the red separator line
    masthead = doc.paragraphs[0]
    assert masthead.text == "云南省产业工人队伍建设改革工作通报"
    assert masthead.runs[0].font.color.rgb == RGBColor(0xFF, 0x00, 0x00)
    assert masthead.alignment == 1  # centre
    number = next(p for p in doc.paragraphs if p.text == bulletin.number)
    borders = number._p.pPr.xml
    assert 'w:color="FF0000"' in borders and "w:bottom" in borders
    assert any(p.text == bulletin.title for p in doc.paragraphs)
    # body in 仿宋 as East Asian font
    body = next(p for p in doc.paragraphs if p.text.startswith("截至"))
    assert (
        body.runs[0]._element.rPr.rFonts.get("{http://schemas.openxmlformats.org/wordprocessingml/2006/main}eastAsia")
        == "仿宋"
    )

    # page number: a PAGE field in the footer, between dashes; GB/T 9704 margins
    section = doc.sections[0]
    footer = section.footer._element.xml
    assert "PAGE" in footer and "— " in footer and " —" in footer
    assert abs(section.top_margin - Mm(37)) < Mm(0.5) and abs(section.left_margin - Mm(28)) < Mm(0.5)

    # headline figures equal to a computation from the progress rows in Python
    document = PolicyDocument.objects.get(province=yunnan)
    expected = expected_figures(document)
    headline = {row.cells[0].text: row.cells[1].text for row in doc.tables[0].rows[1:]}
    assert headline == {
        "纳入统计企业（家）": str(expected["applicable"]),
        "适用措施记录（条）": str(expected["records"]),
        "已完成措施记录（条）": str(expected["done"] + expected["ongoing"]),
        "完成率": _pct(expected["completion_rate"]),
        "滞后企业（家）": str(expected["lagging"]),
    }
    assert expected["applicable"] == 40
    sentence = f"截至{timezone.localdate().year}年{timezone.localdate().month}月{timezone.localdate().day}日"
    assert body.text.startswith(sentence)
    # two charts drawn on the server
    assert len(doc.inline_shapes) == 2
    assert BulletinEvent.objects.filter(pgh_obj=bulletin).count() >= 2  # created, then built: in the history


def _expected_ranking(province) -> list[str]:
    """The prefectures ranked by completion computed in Python (rounded as printed; ties by code)."""
    document = PolicyDocument.objects.get(province=province)
    rows = []
    for prefecture in Region.objects.filter(parent=province):
        figures = expected_figures(document, prefecture=prefecture)
        if figures["applicable"]:
            rate = round(figures["completion_rate"] * 100, 1) if figures["completion_rate"] is not None else None
            rows.append((rate is None, -(rate or 0), prefecture.code, prefecture.name))
    return [name for *_key, name in sorted(rows)]


def test_the_pdf_holds_the_title_number_and_the_prefecture_ranking_in_order(yunnan):
    sasac = make_sasac("t-bulletin-sasac", province_code="530000")
    bulletin = _built(yunnan, sasac)
    text = _pdf_text(bulletin)
    assert re.sub(r"\s+", "", bulletin.title) in text
    assert bulletin.number in text
    ranking = _expected_ranking(yunnan)
    assert len(ranking) >= 5
    table = text[text.index("二、各地推进情况") : text.index("三、各项措施完成情况")]
    positions = [table.index(name) for name in ranking]
    assert positions == sorted(positions), ranking
    assert [a["name"] for a in bulletin.figures["areas"]] == ranking
    assert "—1—" in text  # the page number


def test_the_same_range_gives_the_same_figures(yunnan):
    sasac = make_sasac("t-bulletin-sasac", province_code="530000")
    first, second = _built(yunnan, sasac), _built(yunnan, sasac)
    assert first.number != second.number
    assert first.figures == second.figures
    again = services.bulletin_build(bulletin_id=first.pk)
    assert again.figures == first.figures


def test_a_prefecture_bulletin_ranks_its_counties_and_counts_its_own_enterprises(yunnan):
    sasac = make_sasac("t-bulletin-sasac", province_code="530000")
    kunming = Region.objects.get(code="530100")
    bulletin = _built(yunnan, sasac, prefecture=kunming)
    expected = expected_figures(PolicyDocument.objects.get(province=yunnan), prefecture=kunming)
    assert bulletin.figures["headline"]["enterprises"] == expected["applicable"] > 0
    assert bulletin.figures["headline"]["lagging"] == expected["lagging"]
    assert bulletin.figures["area_kind"] == "county"
    assert _docx(bulletin).paragraphs[0].text == "昆明市产业工人队伍建设改革工作通报"


def test_make_bulletin_builds_both_files(yunnan, tmp_path):
    out, tmp_path = io.StringIO(), tmp_path / "out"
    call_command(
        "make_bulletin",
        "--province",
        "53",
        "--from",
        "2026-01-01",
        "--to",
        str(timezone.localdate()),
        "--out",
        str(tmp_path),
        stdout=out,
    )
    files = sorted(p.suffix for p in tmp_path.iterdir())
    assert files == [".docx", ".pdf"]
    Document(str(next(tmp_path.glob("*.docx"))))
    assert (next(tmp_path.glob("*.pdf"))).read_bytes().startswith(b"%PDF")
    assert "云工产改通报" in out.getvalue()


def test_pilots_and_overdue_orders_are_the_scopes_whoever_builds(yunnan):
    from enterprises.models import Enterprise
    from enterprises.pilots.services import fund_record, pilot_designate
    from measures.applicability import applicable_measures
    from reporting.supervision.models import SupervisionOrder
    from reporting.supervision.services import order_issue
    from tests.factories import make_officer

    kunming = Region.objects.get(code="530100")
    officer = make_officer("t-bulletin-pilots", regions=[kunming])
    enterprise = Enterprise.objects.filter(region=kunming).order_by("pk").first()
    designation = pilot_designate(
        enterprise=enterprise,
        region=kunming,
        document_number="昆工发〔2026〕1号",
        designated_on=timezone.localdate(),
        measures=list(applicable_measures(enterprise).order_by("pk")[:2]),
        by=officer,
    )
    fund_record(
        designation=designation,
        kind="granted",
        amount="50000",
        on_date=timezone.localdate(),
        purpose="试点",
        by=officer,
    )
    sasac = make_sasac("t-bulletin-sasac", province_code="530000")
    others = list(Enterprise.objects.filter(region__parent=yunnan).order_by("pk")[:3])
    orders = order_issue(
        enterprises=others,
        measures=list(applicable_measures(others[0]).order_by("pk")[:1]),
        request="请整改",
        due_date=timezone.localdate() + timedelta(days=10),
        by=sasac,
    )
    SupervisionOrder.objects.filter(pk__in=[o.pk for o in orders[:2]]).update(
        due_date=timezone.localdate() - timedelta(days=3)
    )
    call_command(
        "make_bulletin",
        "--province",
        "530000",
        "--from",
        "2026-01-01",
        "--to",
        str(timezone.localdate()),
        stdout=io.StringIO(),
    )
    built = Bulletin.objects.get()  # built by nobody (the command): the same figures as an officer's build
    assert built.created_by is None
    assert built.figures["pilots"]["active"] == 1 and built.figures["pilots"]["granted"] == "50000.00"
    assert built.figures["pilots"]["pilots"]["enterprises"] == 1
    assert built.figures["overdue_orders"]["count"] == 2
    assert [r["days_overdue"] for r in built.figures["overdue_orders"]["rows"]] == [3, 3]
    mine = _built(yunnan, sasac)
    assert mine.figures["pilots"] == built.figures["pilots"]
    text = _pdf_text(built)
    assert "逾期未办结的督办单2件" in text and "在册试点企业1家" in text
