"""The dashboard's figures as an Excel workbook (openpyxl), one sheet per panel. Every text cell that a spreadsheet
would read as a formula (a name beginning with = + - @) is written as plain text (measures.indicator_values).

The figures come from the snapshots (a few hundred rows at most); the lagging panel lists enterprises, as many as a
province has, so an export whose lagging list is large runs as a background job (`reform_portal.jobs`): the page
keeps the export's resolved filters (`export_parameters`), the worker reads them back (`export_scope`) and writes the
file in openpyxl's write-only mode, reading the enterprises in chunks (`dashboard_export_write`)."""

from io import BytesIO

from django.utils import timezone
from django.utils.translation import gettext as _

from enterprises.models import Region
from measures.models import Measure, PolicyDocument
from reform_portal.chunked import in_chunks
from reform_portal.spreadsheets import StreamedWorkbook

from .figures import FIGURES, enterprises_behind, sorted_behind, standing_display, with_standing
from .selectors import Filters, dashboard_data, dashboard_scope, lagging_queryset, scope_enterprises

PANELS = ("headline", "measures", "prefectures", "heat", "trend", "lagging")
CHUNK = 2000


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


def export_title(scope, filters: Filters) -> str:
    return f"{scope.province.name} {filters.document.number if filters.document else ''}"


def export_filename(scope, panels, day) -> str:
    chosen = "-".join(panels) if len(panels) < len(PANELS) else "all"
    return f"rollup-{scope.province.code}-{day or timezone.localdate()}-{chosen}.xlsx"


def export_parameters(scope, filters: Filters, panels) -> dict:
    """What a job needs to write the same export later: the filters as the page resolved them (ids, codes)."""
    return {
        "province": scope.province.code,
        "document": filters.document.pk if filters.document else None,
        "prefecture": filters.prefecture.pk if filters.prefecture else None,
        "county": filters.county.pk if filters.county else None,
        "ownership": filters.ownership,
        "industry": filters.industry,
        "supervision_level": filters.supervision_level,
        "size_class": filters.size_class,
        "panels": list(panels),
    }


def export_scope(*, user, parameters: dict):
    """The scope and filters of `export_parameters`, for `user` now: the scope is narrowed by the access policy
    again (dashboard_scope), and a prefecture or county outside it leaves no row (the selectors narrow by scope)."""
    scope = dashboard_scope(user=user, province_code=parameters["province"])
    document = PolicyDocument.objects.filter(pk=parameters.get("document"), province=scope.province).first()
    regions = Region.objects.in_bulk([pk for pk in (parameters.get("prefecture"), parameters.get("county")) if pk])
    filters = Filters(
        document=document,
        prefecture=regions.get(parameters.get("prefecture")),
        county=regions.get(parameters.get("county")),
        ownership=parameters.get("ownership") or None,
        industry=parameters.get("industry") or None,
        supervision_level=parameters.get("supervision_level") or None,
        size_class=parameters.get("size_class") or None,
    )
    if filters.county is not None:
        filters.prefecture = filters.county.parent
    return scope, filters


def lagging_export_rows(*, user, scope, filters: Filters):
    """The lagging panel's enterprises (none without a document): a queryset, to count or to iterate in chunks."""
    if filters.document is None:
        return None
    return lagging_queryset(user=user, scope=scope, filters=filters)


def dashboard_export_write(*, user, parameters: dict, out, progress=None) -> tuple[int, str]:
    """The export of `export_parameters` written to `out` (a path or a file) in constant memory: (lagging rows
    written, the file's name). `progress(done, total)` after each lagging row."""
    scope, filters = export_scope(user=user, parameters=parameters)
    if parameters.get("drilldown"):
        return _drilldown_export_write(
            user=user, scope=scope, filters=filters, out=out, progress=progress, **parameters["drilldown"]
        )
    panels = tuple(p for p in parameters.get("panels") or () if p in PANELS) or PANELS
    data = dashboard_data(user=user, scope=scope, filters=filters)
    rows = lagging_export_rows(user=user, scope=scope, filters=filters) if "lagging" in panels else None
    total = rows.count() if rows is not None else 0
    if progress is not None:
        progress(0, total)
    written = dashboard_workbook(
        data=data,
        title=export_title(scope, filters),
        panels=panels,
        lagging_rows=in_chunks(rows, CHUNK) if rows is not None else (),
        out=out,
        progress=progress,
    )
    return written, export_filename(scope, panels, data.get("day"))


def dashboard_workbook(*, data: dict, title: str, panels=PANELS, lagging_rows=(), out=None, progress=None):
    """The workbook as bytes, or, given `out` (a path or a file), written there: then the number of lagging rows
    written is returned. `lagging_rows` is only iterated once (an iterator over chunks keeps memory constant)."""
    target = out if out is not None else BytesIO()
    wb = StreamedWorkbook(target)
    count = 0
    if "headline" in panels:
        ws = wb.sheet(_("概况"))
        ws.append([title])
        ws.append([_("统计日期"), str(data.get("day") or "")])
        ws.append(_figure_header(_("范围")))
        if data.get("headline"):
            ws.append(_figure_row(_("合计"), data["headline"]))
    if "measures" in panels:
        ws = wb.sheet(_("按措施"))
        ws.append(_figure_header(_("措施")))
        for item in data.get("measures", []):
            ws.append(_figure_row(item["measure"].label, item["figures"]))
    if "prefectures" in panels:
        ws = wb.sheet(_("按州市"))
        ws.append(_figure_header(_("州（市）")))
        for item in data.get("prefectures", []):
            ws.append(_figure_row(item["prefecture"].name, item["figures"]))
    if "heat" in panels:
        ws = wb.sheet(_("措施×州市完成率"))
        heat = data.get("heat") or {"prefectures": [], "measures": [], "cells": []}
        ws.append([_("措施 \\ 州（市）完成率（%）"), *heat["prefectures"]])
        grid = {(x, y): v for x, y, v in heat["cells"]}
        for y, measure in enumerate(heat["measures"]):
            ws.append([measure, *[grid.get((x, y)) for x in range(len(heat["prefectures"]))]])
    if "trend" in panels:
        ws = wb.sheet(_("趋势"))
        ws.append([_("日期"), _("完成率（%）"), _("平均完成百分比"), _("滞后企业"), _("指标达标率（%）")])
        for t in data.get("trend", []):
            ws.append([t["day"], t["completion"], t["mean_percent"], t["lagging"], t["attainment"]])
    if "lagging" in panels:
        ws = wb.sheet(_("滞后企业"))
        ws.append([_("企业"), _("州（市）"), _("所有制"), _("最近更新"), _("有未启动措施")])
        yes_no = {True: _("是"), False: _("否")}
        ownership = {}  # each ownership's label resolved once per export (a lazy translation), not once per row
        for e in lagging_rows:
            count += 1
            last = e.last_progress_update
            if e.ownership not in ownership:
                ownership[e.ownership] = e.get_ownership_display()
            ws.append(
                [
                    e.name,
                    e.region.name,
                    ownership[e.ownership],
                    timezone.localtime(last).strftime("%Y-%m-%d") if last else "",
                    yes_no[bool(e.has_not_started)],
                ]
            )
            if progress is not None:
                progress(count)
    wb.close()
    return count if out is not None else target.getvalue()


# The enterprises behind one figure (the drill-down) --------------------------------------------------------------


def drilldown_title(scope, filters: Filters, figure: str, measure) -> str:
    parts = [export_title(scope, filters), str(FIGURES[figure][0])]
    if measure is not None:
        parts.append(measure.label)
    return " · ".join(parts)


def drilldown_filename(scope, figure: str, measure) -> str:
    return f"figure-{scope.province.code}-{figure}{f'-{measure.code}' if measure else ''}-{timezone.localdate()}.xlsx"


def drilldown_workbook(*, rows, measure, title: str, out=None, progress=None):
    """The drill-down's enterprises (`rows`: annotated by figures.with_standing, in the order shown; iterated once)
    with their status and percent on the measure (or done / applicable and mean percent), as bytes or written to
    `out` (then the number of rows written is returned)."""
    target = out if out is not None else BytesIO()
    wb = StreamedWorkbook(target)
    ws = wb.sheet(_("对应企业"))
    ws.append([title])
    status_header = _("状态") if measure is not None else _("已完成/适用措施")
    percent_header = _("完成百分比") if measure is not None else _("平均完成百分比")
    ws.append(
        [_("企业"), _("统一社会信用代码"), _("州（市）"), _("县（市、区）"), _("所有制"), _("监管层级"), _("行业门类")]
        + [_("企业规模"), status_header, percent_header]
    )
    count = 0
    for e in rows:
        count += 1
        status, percent = standing_display(e, measure)
        ws.append(
            [
                e.name,
                e.credit_code,
                e.region.name,
                e.county.name if e.county_id else "",
                e.get_ownership_display(),
                e.get_supervision_level_display(),
                e.get_industry_display(),
                e.get_size_class_display(),
                status,
                percent,
            ]
        )
        if progress is not None:
            progress(count)
    wb.close()
    return count if out is not None else target.getvalue()


def _drilldown_export_write(*, user, scope, filters, out, progress, figure, measure, sort) -> tuple[int, str]:
    """A drill-down's export as a job (reform_portal.jobs): the same enterprises, read again for `user` now."""
    if figure not in FIGURES:
        figure = "applicable"
    measure = Measure.objects.filter(pk=measure, document=filters.document).select_related("scope").first()
    base = scope_enterprises(user=user, scope=scope, document=filters.document, filters=filters)
    qs = enterprises_behind(figure, base, measure=measure, year=timezone.localdate().year)
    qs = sorted_behind(with_standing(qs, measure=measure), sort or "").select_related("region", "county")
    if progress is not None:
        progress(0, qs.count())
    written = drilldown_workbook(
        rows=in_chunks(qs, CHUNK),
        measure=measure,
        title=drilldown_title(scope, filters, figure, measure),
        out=out,
        progress=progress,
    )
    return written, drilldown_filename(scope, figure, measure)
