"""The SASAC dashboard: figures from the snapshots, drill-downs, Excel downloads and "refresh now"."""

from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.templatetags.static import static
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from enterprises.choices import Industry, Ownership, RegionLevel, SizeClass, SupervisionLevel
from enterprises.models import Enterprise, Region
from measures.models import Measure
from reform_portal.access import LiaisonPolicy, RollupPolicy
from reform_portal.audit.services import record_export
from reform_portal.inbox.choices import VisitedPage
from reform_portal.inbox.visits import visit
from reform_portal.jobs.models import Job
from reform_portal.jobs.services import export_is_large, job_submit
from reform_portal.outbox.services import bound
from reform_portal.paging import IdsFirstPaginator, in_order
from reform_portal.script_json import script_json

from . import rollup, tasks
from .choices import STATE_OWNED
from .exports import (
    PANELS,
    dashboard_workbook,
    drilldown_filename,
    drilldown_title,
    drilldown_workbook,
    export_filename,
    export_parameters,
    export_title,
    lagging_export_rows,
)
from .figures import FIGURES, SORTS, enterprises_behind, sorted_behind, standing_display, with_standing
from .filters import DashboardFilters
from .pilots_panel import pilots_panel
from .selectors import (
    Filters,
    dashboard_data,
    dashboard_scope,
    group_rows,
    latest_runs,
    named_enterprises,
    scope_enterprises,
)
from .since_visit import headline_changes
from .visits_panel import visits_panel

DRILLDOWN_PAGE_SIZE = 50


def _scope_and_filters(request):
    scope = dashboard_scope(user=request.user, province_code=request.GET.get("province"))
    documents = scope.province.documents.order_by("issued_on")
    prefectures = Region.objects.filter(parent=scope.province).order_by("code")
    counties = Region.objects.filter(level=RegionLevel.COUNTY, parent__parent=scope.province).order_by("code")
    if scope.prefecture_ids is not None:
        prefectures = prefectures.filter(pk__in=scope.prefecture_ids)
        counties = counties.filter(Q(parent_id__in=scope.prefecture_ids) | Q(pk__in=sorted(scope.county_ids or ())))
    form = DashboardFilters(request.GET or None, documents=documents, prefectures=prefectures, counties=counties)
    filters = Filters()
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        filters = Filters(
            document=data["document"],
            prefecture=data["prefecture"],
            ownership=data["ownership"] or None,
            industry=data["industry"] or None,
            county=data["county"],
            supervision_level=data["supervision_level"] or None,
            size_class=data["size_class"] or None,
        )
    elif form.is_bound:  # keep what is valid, say what is not next to the field
        data = getattr(form, "cleaned_data", {})
        filters = Filters(document=data.get("document"), prefecture=data.get("prefecture"))
    if filters.county is not None:  # a county stands for its prefecture too
        filters.prefecture = filters.county.parent
    if filters.document is None:
        filters.document = documents.first()
    return scope, form, filters


def _query(filters: Filters, scope, **extra) -> str:
    if "prefecture" in extra and "county" not in extra:  # another prefecture: not the county of this one
        extra["county"] = ""
    params = {
        "province": scope.province.code,
        "document": filters.document.pk if filters.document else "",
        "prefecture": filters.prefecture.pk if filters.prefecture else "",
        "county": filters.county.pk if filters.county else "",
        "ownership": filters.ownership or "",
        "supervision_level": filters.supervision_level or "",
        "industry": filters.industry or "",
        "size_class": filters.size_class or "",
        **extra,
    }
    return urlencode({k: v for k, v in params.items() if v not in ("", None)})


def _filter_labels(filters: Filters) -> list[str]:
    """The chosen attribute filters as the page names them."""
    labels = []
    if filters.ownership == STATE_OWNED:
        labels.append(_("全部国有企业（国有独资和国有控股）"))
    elif filters.ownership:
        labels.append(Ownership(filters.ownership).label)
    if filters.supervision_level:
        labels.append(SupervisionLevel(filters.supervision_level).label)
    if filters.industry:
        labels.append(Industry(filters.industry).label)
    if filters.size_class:
        labels.append(SizeClass(filters.size_class).label)
    return [str(label) for label in labels]


def _heat_with_links(heat, filters, scope, drill):
    """Each heat-map cell leads to its (prefecture, measure) drill-down, like every other figure."""
    if not heat:
        return heat
    places = {pk: f"{drill}?{_query(filters, scope, prefecture=pk)}" for pk in set(heat["prefecture_ids"])}
    hrefs = [
        f"{places[heat['prefecture_ids'][x]]}&figure=completion_rate&measure={heat['measure_ids'][y]}"
        for x, y, _value in heat["cells"]
    ]
    return {**heat, "hrefs": hrefs}


@login_required
@require_GET
def dashboard(request):
    scope, form, filters = _scope_and_filters(request)
    # a large live combination is computed by a worker: the page says 正在计算 and polls (docs/performance/dashboard.md)
    live_later = bound(tasks.rollup_live_figures)
    data = dashboard_data(
        user=request.user,
        scope=scope,
        filters=filters,
        defer=lambda: live_later(request.user.pk, export_parameters(scope, filters, ())),
    )
    if request.headers.get("HX-Trigger") == "live-computing":  # the poll: reload the page once the figures are in
        return HttpResponse(status=204) if data.get("computing") else HttpResponse(headers={"HX-Refresh": "true"})
    base = _query(filters, scope)
    drill, page = reverse("reporting:drilldown"), reverse("reporting:dashboard")
    headline = []
    if data.get("headline"):
        for key in ("applicable", "completion_rate", "mean_percent", "attainment_rate", "lagging", "submission_rate"):
            headline.append({"key": key, "label": FIGURES[key][0], "href": f"{drill}?{base}&figure={key}"})
    charts = {
        "measures": [
            {
                "name": m["measure"].label,
                "value": None
                if m["figures"]["completion_rate"] is None
                else round(m["figures"]["completion_rate"] * 100, 1),
                "href": f"{drill}?{base}&figure=completion_rate&measure={m['measure'].pk}",
            }
            for m in data.get("measures", [])
        ],
        # a prefecture on the map opens its counties in the drill-down table (this page, filtered by it, without JS)
        "map": [
            {
                **item,
                "href": f"{page}?{_query(filters, scope, prefecture=item['ids'][0])}#regions",
            }
            for item in data.get("map", [])
        ],
        "heat": _heat_with_links(data.get("heat"), filters, scope, drill),
        "trend": data.get("trend", []),
        "mapUrl": static(f"vendor/echarts-maps/{data['map_file']}") if data.get("map_file") else None,
        "mapName": scope.province.code,
        "drill": f"{drill}?{base}&figure=completion_rate",
    }
    context = {
        "form": form,
        "scope": scope,
        "filters": filters,
        "data": data,
        "headline": headline,
        "charts": charts,
        "charts_json": script_json(charts),  # the charts' data, as json_script writes it (dashboard.js reads it)
        "query": base,
        "runs": latest_runs(province=scope.province),
        "can_refresh": RollupPolicy.can(request.user, RollupPolicy.REFRESH, scope.province),
        "panels": PANELS,
        "named_enterprises": named_enterprises(user=request.user, province=scope.province) if scope.named_only else [],
        "regions": _regions_with_links(data.get("regions") or [], filters, scope, drill),
        "groups": group_rows(user=request.user, scope=scope, document=filters.document),
        "filter_labels": _filter_labels(filters),
        # "自上次访问以来": this visit noted, the headline compared with the snapshots of the last one's day
        "since_visit": headline_changes(
            scope=scope, filters=filters, data=data, since=visit(user=request.user, page=VisitedPage.DASHBOARD)
        ),
    }
    return render(request, "reporting/dashboard.html", context)


def _percent(rate):
    return None if rate is None else round(rate * 100, 1)


def _with_percent(figures):
    """Figures with their completion and attainment rates as percentages (one decimal), for the tables."""
    if figures is None:
        return None
    return {
        **figures,
        "completion_pct": _percent(figures["completion_rate"]),
        "attainment_pct": _percent(figures["attainment_rate"]),
    }


def _regions_with_links(regions, filters, scope, drill):
    """The prefecture → county table with its links: a prefecture or county name filters this page by it, a figure
    explains it (drill-down), with the other filters kept (the table honours them all)."""
    page = reverse("reporting:dashboard")
    open_ids = {filters.prefecture.pk} if filters.prefecture else set()
    out = []
    for region in regions:
        prefecture = region["prefecture"]
        place = _query(filters, scope, prefecture=prefecture.pk)
        counties = []
        for item in region["counties"]:
            county_place = _query(filters, scope, prefecture=prefecture.pk, county=item["county"].pk)
            counties.append(
                {
                    "county": item["county"],
                    "figures": _with_percent(item["figures"]),
                    "href": f"{page}?{county_place}#regions",
                    "drill": f"{drill}?{county_place}",
                }
            )
        out.append(
            {
                **region,
                "figures": _with_percent(region["figures"]),
                "without_county": _with_percent(region["without_county"]),
                "counties": counties,
                "href": f"{page}?{place}#regions",
                "drill": f"{drill}?{place}",
                # a county officer's counties are all there is to show: open
                "open": prefecture.pk in open_ids or region["figures"] is None,
            }
        )
    return out


def _drilldown(request):
    """The figure, measure, its stored (or live) figures and the enterprises behind it, sorted as asked."""
    scope, form, filters = _scope_and_filters(request)
    figure = request.GET.get("figure", "applicable")
    if figure not in FIGURES or filters.document is None:
        figure = "applicable"
    measure = None
    if request.GET.get("measure", "").isdecimal():
        measure = get_object_or_404(
            Measure.objects.select_related("scope"), pk=int(request.GET["measure"]), document=filters.document
        )
    sort = request.GET.get("sort", "")
    if sort.lstrip("-") not in SORTS:
        sort = ""
    base = scope_enterprises(user=request.user, scope=scope, document=filters.document, filters=filters)
    qs = enterprises_behind(figure, base, measure=measure, year=timezone.localdate().year)
    if sort and not sort.endswith("name"):  # the standing is read for the page's rows; joined here to sort by it
        qs = with_standing(qs, measure=measure)
    return scope, filters, figure, measure, sort, sorted_behind(qs, sort)


@login_required
@require_GET
def drilldown(request):
    """How one figure was computed, and the enterprises behind it (computed live, paginated, sortable), each with
    its status and percent on the measure (or, for the whole document, its measures done of those that apply)."""
    scope, filters, figure, measure, sort, qs = _drilldown(request)
    data = dashboard_data(user=request.user, scope=scope, filters=filters)
    figures = data.get("headline")
    if measure is not None:
        figures = next((m["figures"] for m in data.get("measures", []) if m["measure"].pk == measure.pk), None)
    # The ids of the page first (by default ordered by the primary key: an index walk that stops at the page), then
    # its rows, with their standing.
    fetch = partial(in_order, with_standing(Enterprise.objects.select_related("region", "county"), measure=measure))
    page = IdsFirstPaginator(qs, DRILLDOWN_PAGE_SIZE, fetch=fetch).get_page(request.GET.get("page"))
    for e in page.object_list:
        e.standing = standing_display(e, measure)
    label, explanation = FIGURES[figure]
    here = _query(filters, scope, figure=figure, measure=measure.pk if measure else "")
    sorts = []
    for key, sort_label in SORTS.items():
        next_sort = f"-{key}" if sort == key else key
        sorts.append(
            {
                "key": key,
                "label": sort_label,
                "href": f"?{here}&sort={next_sort}",
                "direction": "asc" if sort == key else "desc" if sort == f"-{key}" else "",
            }
        )
    context = {
        "scope": scope,
        "filters": filters,
        "measure": measure,
        "figure": figure,
        "label": label,
        "explanation": explanation,
        "figures": figures,
        "live": data.get("live", False),
        "filter_labels": _filter_labels(filters),
        "day": data.get("day"),
        "page": page,
        "sort": sort,
        "sorts": {s["key"]: s for s in sorts},
        "page_query": f"{here}&sort={sort}" if sort else here,
        "export_href": f"{reverse('reporting:drilldown_export')}?{here}&sort={sort}",
        "back": f"{reverse('reporting:dashboard')}?{_query(filters, scope)}",
    }
    return render(request, "reporting/dashboard_drilldown.html", context)


@login_required
@require_GET
def drilldown_export(request):
    """The enterprises behind a figure as .xlsx, in the order shown, each with its status and percent; above the one
    threshold (reform_portal.jobs.services.export_is_large) a worker writes it."""
    scope, filters, figure, measure, sort, qs = _drilldown(request)
    if export_is_large(qs):
        parameters = export_parameters(scope, filters, ())
        parameters["drilldown"] = {"figure": figure, "measure": measure.pk if measure else None, "sort": sort}
        job = job_submit(kind=Job.Kind.DASHBOARD_EXPORT, owner=request.user, parameters=parameters)
        record_export(request, "dashboard", target=job)
        return redirect("jobs:detail", pk=job.pk)
    if not sort or sort.endswith("name"):
        qs = with_standing(qs, measure=measure)
    content = drilldown_workbook(
        rows=qs.select_related("region", "county"),
        measure=measure,
        title=drilldown_title(scope, filters, figure, measure),
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{drilldown_filename(scope, figure, measure)}"'
    record_export(request, "dashboard")
    return response


@login_required
@require_GET
def export(request):
    """The dashboard as .xlsx. The figures are a few hundred rows; the lagging panel lists enterprises: above the
    one threshold (reform_portal.jobs.services.export_is_large) a worker writes the file and the user follows it
    on the job's page."""
    scope, form, filters = _scope_and_filters(request)
    panels = tuple(p for p in request.GET.getlist("panel") if p in PANELS) or PANELS
    rows = lagging_export_rows(user=request.user, scope=scope, filters=filters) if "lagging" in panels else None
    if rows is not None and export_is_large(rows):
        parameters = export_parameters(scope, filters, panels)
        job = job_submit(kind=Job.Kind.DASHBOARD_EXPORT, owner=request.user, parameters=parameters)
        record_export(request, "dashboard", target=job)
        return redirect("jobs:detail", pk=job.pk)
    data = dashboard_data(user=request.user, scope=scope, filters=filters)
    content = dashboard_workbook(
        data=data, title=export_title(scope, filters), panels=panels, lagging_rows=rows if rows is not None else ()
    )
    response = HttpResponse(content, content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response["Content-Disposition"] = f'attachment; filename="{export_filename(scope, panels, data.get("day"))}"'
    record_export(request, "dashboard")
    return response


@login_required
@require_POST
def refresh(request):
    """SASAC staff (and administrators) ask for today's figures of the province now."""
    if not RollupPolicy.can(request.user, RollupPolicy.REFRESH):
        raise PermissionDenied(_("只有国资委工作人员可以立即刷新汇总。"))
    scope = dashboard_scope(user=request.user, province_code=request.POST.get("province"))
    enqueue = bound(tasks.rollup_refresh_province)  # recorded with the run, sent after commit
    rollup.rollup_refresh_request(province=scope.province, by=request.user, enqueue=enqueue)
    if enqueue.held:
        messages.warning(
            request, _("已记录刷新请求，但任务队列暂时不可用：恢复后将自动执行，期间页面显示上次汇总的数据。")
        )
    else:
        messages.info(request, _("已提交刷新请求，完成后页面上的“截至”时间会更新。"))
    return redirect(f"{reverse('reporting:dashboard')}?{urlencode({'province': scope.province.code})}")


@login_required
@require_GET
def run_status(request):
    scope = dashboard_scope(user=request.user, province_code=request.GET.get("province"))
    runs = latest_runs(province=scope.province)
    return render(request, "reporting/partials/run_status.html", {"runs": runs, "scope": scope})


@login_required
@require_GET
def pilots_panel_fragment(request):
    """The dashboard's 试点企业 panel (reporting/pilots_panel.py), loaded by the page after it is shown (htmx), so
    that the dashboard's own queries stay what its figures cost; the same province, document and reach."""
    scope, _form, filters = _scope_and_filters(request)
    panel = pilots_panel(user=request.user, scope=scope, document=filters.document)
    if panel is None:
        return HttpResponse("")
    return render(request, "reporting/partials/pilots_panel.html", {"pilots": panel})


@login_required
@require_GET
def visits_panel_fragment(request):
    """The dashboard's 产改直通车走访 panel (reporting/visits_panel.py), loaded by the page after it is shown (htmx):
    visits per prefecture of the same province and reach over the last 90 days."""
    if not LiaisonPolicy.can(request.user, LiaisonPolicy.VISITS):
        raise PermissionDenied
    scope = dashboard_scope(user=request.user, province_code=request.GET.get("province"))
    panel = visits_panel(user=request.user, scope=scope)
    if panel is None:
        return HttpResponse("")
    return render(request, "reporting/partials/visits_panel.html", {"visits": panel})
