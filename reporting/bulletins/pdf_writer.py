"""The bulletin as PDF with fpdf2, from the same figures and sentences as the .docx (text.py), in the CJK font the
self-assessment PDF uses (reporting.assessments.exports), with page numbers "— n —"."""

import io

from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos
from fpdf.fonts import FontFace

from reporting.assessments.exports import _font  # the portal's one CJK font choice

from . import text

RED = (255, 0, 0)


class _PDF(FPDF):
    def footer(self):
        self.set_y(-20)
        self.set_font("cjk", size=12)
        self.cell(0, 8, f"— {self.page_no()} —", align="C")


def bulletin_pdf(bulletin, figures: dict, charts: dict) -> bytes:
    path, index = _font()
    pdf = _PDF(format="A4")
    pdf.set_margins(28, 37, 26)
    pdf.set_auto_page_break(True, margin=35)
    pdf.add_font("cjk", "", path, collection_font_number=index)
    pdf.set_title(bulletin.title)
    pdf.add_page()
    width = pdf.epw

    def body(words):
        # the first line indented two characters, as in the .docx; a salutation (主送机关, "各有关单位：") flush left
        line(words if text.is_salutation(words) else f"\u3000\u3000{words}")

    def line(words, size=14, height=9, align="L", colour=None):
        pdf.set_font("cjk", size=size)
        if colour:
            pdf.set_text_color(*colour)
        pdf.multi_cell(width, height, words, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_text_color(0, 0, 0)

    def table(head, rows, widths=None):
        if not rows:
            line(_("（无）"))
            return
        pdf.set_font("cjk", size=9)
        with pdf.table(
            col_widths=widths, text_align="CENTER", line_height=6, headings_style=FontFace(fill_color=(235, 235, 235))
        ) as t:
            for row in [head, *rows]:
                r = t.row()
                for value in row:
                    r.cell(value)
        pdf.ln(2)

    def picture(png):
        if png:
            pdf.image(io.BytesIO(png), w=width)
            pdf.ln(2)

    masthead = text.masthead(figures)
    line(masthead, size=min(26, int(156 / max(len(masthead), 1) * 2.83)), height=14, align="C", colour=RED)
    pdf.ln(4)
    line(bulletin.number, align="C")
    y = pdf.get_y() + 2
    pdf.set_draw_color(*RED)
    pdf.set_line_width(0.6)
    pdf.line(pdf.l_margin, y, pdf.l_margin + width, y)
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    pdf.ln(8)
    line(bulletin.title, size=20 if len(bulletin.title) <= 22 else 17, height=12, align="C")
    pdf.ln(4)

    heads = text.sections()
    for block in (bulletin.opening or "").splitlines():
        if block.strip():
            body(block.strip())
    line(heads["overall"], size=15)
    body(text.headline_sentence(figures))
    table([_("指标"), _("数值")], [list(r) for r in text.headline_rows(figures)])
    for block in (bulletin.assessment or "").splitlines():
        if block.strip():
            body(block.strip())
    picture(charts.get("trend"))
    line(heads["areas"], size=15)
    table(*text.area_table(figures))
    picture(charts.get("areas"))
    body(text.area_moves_sentence(figures))
    line(heads["measures"], size=15)
    head, rows = text.measure_table(figures)
    table(head, rows, widths=(10, 70, 25, 25, 20))
    line(heads["enterprises"], size=15)
    table(*text.enterprise_table(figures))
    line(heads["orders"], size=15)
    body(text.orders_sentence(figures))
    if figures["overdue_orders"]["rows"]:
        table(*text.orders_table(figures))
    line(heads["pilots"], size=15)
    body(text.pilots_sentence(figures))
    line(heads["next"], size=15)
    for block in (bulletin.next_steps or "").splitlines():
        if block.strip():
            body(block.strip())
    pdf.ln(6)
    line(text.issuer(figures), align="R")
    line(text.cn_date(figures["range"]["to"]), align="R")
    return bytes(pdf.output())
