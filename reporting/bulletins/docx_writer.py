"""The bulletin as a Word document laid out as an official document (党政机关公文格式, GB/T 9704-2012), with
python-docx.

- Page: A4; margins 天头 37 mm, 订口 (left) 28 mm, right 26 mm, bottom 35 mm (版心 156 × 225 mm).
- 发文机关标志: red (#FF0000), centred, 小标宋 → here 宋体 bold (小标宋 is a commercial font no server ships; every
  Chinese Word has 宋体), sized so that it fits the line (at most 36 pt); the document number (发文字号) centred
  under it in 仿宋 三号; then the red separator line (a red bottom border of that paragraph, 红色分隔线).
- Title: 二号 (22 pt) 宋体 bold (小标宋 fallback), centred. Body: 仿宋 三号 (16 pt), first lines indented two
  characters, line spacing 28 pt; first-level headings 黑体 三号. Each run names its East Asian font
  (`w:rFonts w:eastAsia`), as Word picks the Chinese face from that attribute only.
- Tables in 仿宋 四号 / 小四; the charts as PNG images; page numbers in the footer as "— 1 —" (4号 宋体), the number
  a PAGE field that Word fills in.
"""

import io

from django.utils.translation import gettext as _
from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.table import WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor

from . import text

FANGSONG = "仿宋"  # GB/T 9704: 仿宋_GB2312; 仿宋 (FangSong) is what Windows and WPS ship
SONG = "宋体"  # in place of 方正小标宋简体
HEITI = "黑体"
RED = RGBColor(0xFF, 0x00, 0x00)
SIZE_2 = Pt(22)  # 二号
SIZE_3 = Pt(16)  # 三号
SIZE_4 = Pt(14)  # 四号
SIZE_SMALL_4 = Pt(12)  # 小四
TEXT_WIDTH_MM = 156


def _font(run, name: str, size, *, bold=False, colour=None) -> None:
    run.font.name = name
    run.font.size = size
    run.font.bold = bold
    if colour is not None:
        run.font.color.rgb = colour
    fonts = run._element.get_or_add_rPr().get_or_add_rFonts()
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attribute), name)


def _paragraph(
    doc_or_cell, words: str, *, font=FANGSONG, size=SIZE_3, bold=False, colour=None, align=None, indent=True
):
    p = doc_or_cell.add_paragraph()
    if align is not None:
        p.alignment = align
    fmt = p.paragraph_format
    fmt.line_spacing_rule = WD_LINE_SPACING.EXACTLY
    fmt.line_spacing = Pt(28)
    fmt.space_before = fmt.space_after = Pt(0)
    if indent:
        fmt.first_line_indent = Pt(size.pt * 2)
    _font(p.add_run(words), font, size, bold=bold, colour=colour)
    return p


def _red_line(paragraph) -> None:
    """A red bottom border under `paragraph`: the separator line (红色分隔线)."""
    pPr = paragraph._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "12"), ("w:space", "6"), ("w:color", "FF0000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    pPr.append(borders)


def _field(run, instruction: str) -> None:
    """A Word field (e.g. PAGE) inside `run`."""
    begin, code, separate, value, end = (
        OxmlElement(t) for t in ("w:fldChar", "w:instrText", "w:fldChar", "w:t", "w:fldChar")
    )
    begin.set(qn("w:fldCharType"), "begin")
    code.set(qn("xml:space"), "preserve")
    code.text = f" {instruction} "
    separate.set(qn("w:fldCharType"), "separate")
    value.text = "1"
    end.set(qn("w:fldCharType"), "end")
    for element in (begin, code, separate, value, end):
        run._r.append(element)


def _footer(section) -> None:
    p = section.footer.paragraphs[0] if section.footer.paragraphs else section.footer.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run("— "), SONG, SIZE_4)
    number = p.add_run()
    _font(number, SONG, SIZE_4)
    _field(number, "PAGE")
    _font(p.add_run(" —"), SONG, SIZE_4)


def _table(doc, head: list[str], rows: list[list[str]]) -> None:
    if not rows:
        _paragraph(doc, _("（无）"), indent=True)
        return
    table = doc.add_table(rows=1, cols=len(head))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    for cell, words in zip(table.rows[0].cells, head, strict=True):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(words), HEITI, SIZE_SMALL_4)
        cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER
    for row in rows:
        cells = table.add_row().cells
        for cell, words in zip(cells, row, strict=True):
            _font(cell.paragraphs[0].add_run(words), FANGSONG, SIZE_SMALL_4)
            cell.paragraphs[0].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _picture(doc, png: bytes | None) -> None:
    if png:
        doc.add_picture(io.BytesIO(png), width=Mm(150))
        doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER


def _blocks(doc, words: str) -> None:
    for line in (words or "").splitlines():
        if line.strip():
            _paragraph(doc, line.strip(), indent=not text.is_salutation(line.strip()))


def bulletin_docx(bulletin, figures: dict, charts: dict) -> bytes:
    """The .docx of `bulletin` printing `figures`, with `charts` ({"areas": png, "trend": png})."""
    doc = Document()
    section = doc.sections[0]
    section.start_type = WD_SECTION.NEW_PAGE
    section.page_width, section.page_height = Mm(210), Mm(297)
    section.top_margin, section.bottom_margin = Mm(37), Mm(35)
    section.left_margin, section.right_margin = Mm(28), Mm(26)
    section.footer_distance = Mm(20)
    _footer(section)
    style = doc.styles["Normal"]
    style.font.name, style.font.size = FANGSONG, SIZE_3
    style.element.get_or_add_rPr().get_or_add_rFonts().set(qn("w:eastAsia"), FANGSONG)

    masthead = text.masthead(figures)
    size = Pt(min(36, int(TEXT_WIDTH_MM / max(len(masthead), 1) * 2.83)))
    _paragraph(
        doc, masthead, font=SONG, size=size, bold=True, colour=RED, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False
    )
    doc.add_paragraph()
    number = _paragraph(doc, bulletin.number, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    _red_line(number)
    doc.add_paragraph()
    _paragraph(doc, bulletin.title, font=SONG, size=SIZE_2, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, indent=False)
    doc.add_paragraph()

    heads = text.sections()
    _blocks(doc, bulletin.opening)
    _paragraph(doc, heads["overall"], font=HEITI)
    _paragraph(doc, text.headline_sentence(figures))
    _table(doc, [_("指标"), _("数值")], [list(r) for r in text.headline_rows(figures)])
    _blocks(doc, bulletin.assessment)
    _picture(doc, charts.get("trend"))

    _paragraph(doc, heads["areas"], font=HEITI)
    _table(doc, *text.area_table(figures))
    _picture(doc, charts.get("areas"))
    _paragraph(doc, text.area_moves_sentence(figures))

    _paragraph(doc, heads["measures"], font=HEITI)
    _table(doc, *text.measure_table(figures))

    _paragraph(doc, heads["enterprises"], font=HEITI)
    _table(doc, *text.enterprise_table(figures))

    _paragraph(doc, heads["orders"], font=HEITI)
    _paragraph(doc, text.orders_sentence(figures))
    if figures["overdue_orders"]["rows"]:
        _table(doc, *text.orders_table(figures))

    _paragraph(doc, heads["pilots"], font=HEITI)
    _paragraph(doc, text.pilots_sentence(figures))

    _paragraph(doc, heads["next"], font=HEITI)
    _blocks(doc, bulletin.next_steps)

    doc.add_paragraph()
    _paragraph(doc, text.issuer(figures), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    _paragraph(doc, text.cn_date(figures["range"]["to"]), align=WD_ALIGN_PARAGRAPH.RIGHT, indent=False)
    out = io.BytesIO()
    doc.save(out)
    return out.getvalue()
