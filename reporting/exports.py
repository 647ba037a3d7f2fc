"""The dashboard's figures as an Excel workbook (openpyxl), one sheet per panel. Every text cell that a spreadsheet
would read as a formula (a name beginning with = + - @) is written as plain text (measures.indicator_values)."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook

from reform_portal.spreadsheets import sheet_row

PANELS = ("headline", "measures", "prefectures", "heat", "trend", "lagging")


def _pct(value):
    return None if value is None else round(value * 100, 2)


def _figure_row(label, f):
    return [
        label,
        f["applicable"],
        f["records"],
        f["not_started"],
        f["in_progress"],
        f["done"],
        f["ongoing"],
        _pct(f["completion_rate"]),
        None if f["mean_percent"] is None else round(f["mean_percent"], 2),
        _pct(f["attainment_rate"]),
        f["lagging"],
        _pct(f["submission_rate"]),
        timezone.localtime(f["computed_at"]).strftime("%Y-%m-%d %H:%M"),
    ]


def _figure_header(first):
    return [
        first,
        _("适用企业"),
        _("适用措施记录"),
        _("未启动"),
        _("推进中"),
        _("已完成"),
        _("常态化推进"),
        _("完成率（%）"),
        _("平均完成百分比"),
        _("指标达标率（%）"),
        _("滞后企业"),
        _("自评提交率（%）"),
        _("计算时间"),
    ]


def dashboard_workbook(*, data: dict, title: str, panels=PANELS, lagging_rows=()) -> bytes:
    wb = Workbook(write_only=True)
    if "headline" in panels:
        ws = wb.create_sheet(_("概况"))
        ws.append(sheet_row(ws, [title]))
        ws.append(sheet_row(ws, [_("统计日期"), str(data.get("day") or "")]))
        ws.append(sheet_row(ws, _figure_header(_("范围"))))
        if data.get("headline"):
            ws.append(sheet_row(ws, _figure_row(_("合计"), data["headline"])))
    if "measures" in panels:
        ws = wb.create_sheet(_("按措施"))
        ws.append(sheet_row(ws, _figure_header(_("措施"))))
        for item in data.get("measures", []):
            ws.append(sheet_row(ws, _figure_row(f"{item['measure'].number} {item['measure'].title}", item["figures"])))
    if "prefectures" in panels:
        ws = wb.create_sheet(_("按州市"))
        ws.append(sheet_row(ws, _figure_header(_("州（市）"))))
        for item in data.get("prefectures", []):
            ws.append(sheet_row(ws, _figure_row(item["prefecture"].name, item["figures"])))
    if "heat" in panels:
        ws = wb.create_sheet(_("措施×州市完成率"))
        heat = data.get("heat") or {"prefectures": [], "measures": [], "cells": []}
        ws.append(sheet_row(ws, [_("措施 \\ 州（市）完成率（%）"), *heat["prefectures"]]))
        grid = {(x, y): v for x, y, v in heat["cells"]}
        for y, measure in enumerate(heat["measures"]):
            ws.append(sheet_row(ws, [measure, *[grid.get((x, y)) for x in range(len(heat["prefectures"]))]]))
    if "trend" in panels:
        ws = wb.create_sheet(_("趋势"))
        ws.append(
            sheet_row(ws, [_("日期"), _("完成率（%）"), _("平均完成百分比"), _("滞后企业"), _("指标达标率（%）")])
        )
        for t in data.get("trend", []):
            ws.append(sheet_row(ws, [t["day"], t["completion"], t["mean_percent"], t["lagging"], t["attainment"]]))
    if "lagging" in panels:
        ws = wb.create_sheet(_("滞后企业"))
        ws.append(sheet_row(ws, [_("企业"), _("州（市）"), _("所有制"), _("最近更新"), _("有未启动措施")]))
        for e in lagging_rows:
            last = e.last_progress_update
            ws.append(
                sheet_row(
                    ws,
                    [
                        e.name,
                        e.region.name,
                        e.get_ownership_display(),
                        timezone.localtime(last).strftime("%Y-%m-%d") if last else "",
                        _("是") if e.has_not_started else _("否"),
                    ],
                )
            )
    out = BytesIO()
    wb.save(out)
    return out.getvalue()
