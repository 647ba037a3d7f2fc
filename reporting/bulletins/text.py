"""The sentences and tables a bulletin prints, from its figures (figures.bulletin_figures), shared by the .docx and
the PDF so that both say the same thing."""

from datetime import date

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


def cn_date(iso: str | None) -> str:
    if not iso:
        return "—"
    d = date.fromisoformat(iso)
    return _("%(y)s年%(m)s月%(d)s日") % {"y": d.year, "m": d.month, "d": d.day}


def is_salutation(line: str) -> bool:
    """A line addressing the recipients (主送机关, "各州（市）总工会："): printed flush left."""
    return line.endswith(("：", ":")) and len(line) <= 60


def pct(value) -> str:
    return "—" if value is None else f"{value:.1f}%"


def masthead(figures: dict) -> str:
    """发文机关标志."""
    return _("%(scope)s产业工人队伍建设改革工作通报") % {"scope": figures["scope"]["name"]}


def issuer(figures: dict) -> str:
    return _("%(scope)s产业工人队伍建设改革协调小组办公室") % {"scope": figures["scope"]["name"]}


def headline_sentence(figures: dict) -> str:
    h = figures["headline"]
    return _(
        "截至%(day)s，%(scope)s纳入统计企业%(enterprises)s家，适用措施记录%(records)s条，已完成%(done)s条，"
        "完成率%(rate)s，滞后企业%(lagging)s家。"
    ) % {
        "day": cn_date(figures["as_of"]),
        "scope": figures["scope"]["name"],
        "enterprises": h["enterprises"],
        "records": h["records"],
        "done": h["done"],
        "rate": pct(h["completion"]),
        "lagging": h["lagging"],
    }


def headline_rows(figures: dict) -> list[tuple[str, str]]:
    h = figures["headline"]
    return [
        (_("纳入统计企业（家）"), str(h["enterprises"])),
        (_("适用措施记录（条）"), str(h["records"])),
        (_("已完成措施记录（条）"), str(h["done"])),
        (_("完成率"), pct(h["completion"])),
        (_("滞后企业（家）"), str(h["lagging"])),
    ]


def area_label(figures: dict) -> str:
    return _("县（市、区）") if figures["area_kind"] == "county" else _("州（市）")


def area_table(figures: dict) -> tuple[list[str], list[list[str]]]:
    head = [
        _("排名"),
        area_label(figures),
        _("企业（家）"),
        _("措施记录（条）"),
        _("已完成（条）"),
        _("完成率"),
        _("滞后企业（家）"),
    ]
    rows = [
        [
            str(a["rank"]),
            a["name"],
            str(a["enterprises"]),
            str(a["records"]),
            str(a["done"]),
            pct(a["completion"]),
            str(a["lagging"]),
        ]
        for a in figures["areas"]
    ]
    return head, rows


def measure_table(figures: dict) -> tuple[list[str], list[list[str]]]:
    head = [_("排名"), _("措施"), _("适用企业（家）"), _("已完成（家）"), _("完成率")]
    rows = [
        [str(m["rank"]), m["name"], str(m["records"]), str(m["done"]), pct(m["completion"])]
        for m in figures["measures"]
    ]
    return head, rows


def area_moves_sentence(figures: dict) -> str:
    moves = [m for m in figures["area_moves"] if m["change"] > 0][:3]
    if not moves:
        return _("本期各%(kind)s完成率无明显变化。") % {"kind": area_label(figures)}
    parts = "、".join(
        _("%(name)s（%(from)s→%(to)s，提高%(change)s个百分点）")
        % {"name": m["name"], "from": pct(m["from"]), "to": pct(m["to"]), "change": f"{m['change']:.1f}"}
        for m in moves
    )
    return _("本期（%(start)s至%(end)s）完成率提高较快的%(kind)s：%(parts)s。") % {
        "start": cn_date(figures.get("start_day")),
        "end": cn_date(figures["as_of"]),
        "kind": area_label(figures),
        "parts": parts,
    }


def enterprise_table(figures: dict) -> tuple[list[str], list[list[str]]]:
    head = [_("企业"), _("所在地区"), _("本期完成措施（项）"), _("本期提高（百分点）")]
    rows = [[e["name"], e["area"], str(e["completed"]), str(e["gained"])] for e in figures["enterprise_moves"]]
    return head, rows


def orders_sentence(figures: dict) -> str:
    return _("截至%(day)s，逾期未办结的督办单%(n)s件。") % {
        "day": cn_date(figures["range"]["to"]),
        "n": figures["overdue_orders"]["count"],
    }


def orders_table(figures: dict) -> tuple[list[str], list[list[str]]]:
    head = [_("督办单编号"), _("企业"), _("所在地区"), _("办结期限"), _("逾期（天）")]
    rows = [
        [o["number"], o["enterprise"], o["area"], cn_date(o["due_date"]), str(o["days_overdue"])]
        for o in figures["overdue_orders"]["rows"]
    ]
    return head, rows


def pilots_sentence(figures: dict) -> str:
    p = figures.get("pilots") or {}
    if not p.get("active") and not (p.get("pilots") or {}).get("enterprises"):
        return _("本期暂无在册试点企业。")
    pilots, others = p.get("pilots") or {}, p.get("others") or {}
    return _(
        "在册试点企业%(active)s家，措施完成率%(pilots)s，其他企业%(others)s；累计下达工作经费%(granted)s元，"
        "已拨付%(paid)s元。"
    ) % {
        "active": p.get("active", 0),
        "pilots": pct(pilots.get("completion")),
        "others": pct(others.get("completion")),
        "granted": p.get("granted", "0"),
        "paid": p.get("paid", "0"),
    }


SECTIONS = {
    "overall": gettext_lazy("一、总体情况"),
    "areas": gettext_lazy("二、各地推进情况"),
    "measures": gettext_lazy("三、各项措施完成情况"),
    "enterprises": gettext_lazy("四、进展较快的企业"),
    "orders": gettext_lazy("五、督办事项"),
    "pilots": gettext_lazy("六、试点企业"),
    "next": gettext_lazy("七、下一步工作"),
}


def sections() -> dict:
    """The headings, translated when drawn."""
    return {key: str(value) for key, value in SECTIONS.items()}
