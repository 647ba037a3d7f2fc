"""The pages and API lists of issue 12's table, each with the bare SQL of the rows it shows.

The bare SQL is what a hand-tuned page would send: the rows shown (one page, with the figures the page shows, read
from the summaries the database keeps) and the total the pager needs, built with the ORM from the same rules' faces
(`measures.lagging.lagging_q` over the summaries, the access scope's province) and run as SQL through a cursor, with
no Python rendering. A page's ratio is its median through gunicorn over that SQL's median."""

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass
class Case:
    name: str
    path: str
    bare: Callable[[], list[tuple[str, list]]] | None  # the SQL statements (sql, params) of the same rows
    note: str = ""
    who: str = "sasac"  # the user of the bench's context who asks: sasac, officer or enterprise_user


def _sql(qs) -> tuple[str, list]:
    sql, params = qs.query.sql_with_params()
    return sql, list(params)


def _count(qs) -> tuple[str, list]:
    sql, params = _sql(qs.order_by().values("pk"))
    return f"SELECT COUNT(*) FROM ({sql}) t", params


def _page_and_count(qs, size: int, columns) -> list[tuple[str, list]]:
    return [_sql(qs.values(*columns)[:size]), _count(qs)]


def time_sql(statements: list[tuple[str, list]], repeat: int = 7) -> list[float]:
    """Median seconds of each of `statements` (after one run not counted)."""
    from django.db import connection

    medians = []
    with connection.cursor() as cursor:
        for sql, params in statements:
            times = []
            for _ in range(repeat + 1):
                t = time.perf_counter()
                cursor.execute(sql, params)
                cursor.fetchall()
                times.append(time.perf_counter() - t)
                if times[0] > 3 and len(times) == 2:  # a statement of seconds: one timed run is enough
                    break
            medians.append(statistics.median(times[1:]))
    return medians


def summary_columns() -> list[str]:
    """The list's figures as the database keeps them (those the summary model has at this commit)."""
    from reporting.models import ProgressSummary

    have = {f.name for f in ProgressSummary._meta.get_fields()}
    wanted = ("applicable", "done", "mean_percent", "last_update", "not_started")
    return [f"progress_summary__{f}" for f in wanted if f in have]


def cases(ctx) -> list[Case]:
    """`ctx`: the bench's context (province, document, prefecture, measure, period)."""
    from django.db.models import Count, Exists, F, OuterRef, Subquery, Sum

    from enterprises.models import Enterprise
    from measures.choices import DONE_STATUSES
    from measures.lagging import SUMMARY_INPUTS, lagging_q
    from measures.models import Progress
    from reporting.assessments.models import Assessment
    from reporting.models import ProgressSummary

    province, document, prefecture, measure = ctx.province, ctx.document, ctx.prefecture, ctx.measure
    in_province = Enterprise.objects.filter(region__parent=province)
    listed = in_province.order_by("region__code", "name", "pk")
    columns = ["pk", "name", "credit_code", "region__name", "ownership", *summary_columns()]

    def progress(**kw):
        return Progress.objects.filter(enterprise=OuterRef("pk"), **kw)

    lagging = lagging_q(inputs=SUMMARY_INPUTS)
    state = Assessment.objects.filter(period=ctx.period, enterprise=OuterRef("pk"))
    overview = in_province.annotate(state=Subquery(state.values("status")[:1])).order_by("region__code", "name")

    def overview_bare():
        counts = _sql(Assessment.objects.filter(period=ctx.period).values("status").annotate(n=Count("pk")).order_by())
        return [*_page_and_count(overview, 50, ["pk", "name", "region__name", "state"]), counts]

    def home_bare(scope, summaries):
        """A home page's SQL: its 20 slowest lagging enterprises with their figures, the number of enterprises in
        scope and of those lagging (COUNTs), the document summary (sums of the summaries)."""
        slowest = scope.filter(lagging).order_by(
            "progress_summary__done", F("progress_summary__mean_percent").asc(nulls_first=True), "name"
        )
        sums = {f: Sum(f) for f in ("applicable", "done", "not_started", "in_progress", "percent_sum")}
        return [
            _sql(slowest.values("pk", "name", "region__name", *summary_columns())[:20]),
            _count(scope),
            _count(scope.filter(lagging)),
            _sql(
                summaries.filter(applicable__gt=0).order_by().values("region__parent").annotate(n=Count("pk"), **sums)
            ),
        ]

    own = ctx.enterprise_user.profile.enterprise
    own_progress = Progress.objects.filter(enterprise=own).order_by("measure__position")
    home_cases = [
        Case(
            "home, SASAC 云南",
            "/",
            lambda: home_bare(in_province, ProgressSummary.objects.filter(region__parent=province)),
        ),
        Case(
            f"home, officer of {prefecture.name}",
            "/",
            lambda: home_bare(
                Enterprise.objects.filter(region=prefecture), ProgressSummary.objects.filter(region=prefecture)
            ),
            who="officer",
        ),
        Case(
            "home, enterprise user",
            "/",
            lambda: [
                _sql(own_progress.values("measure__document__title", "measure__title", "status", "percent", "note"))
            ],
            who="enterprise_user",
        ),
    ]
    all_progress = Progress.objects.filter(enterprise__region__parent=province).order_by("pk")
    progress_columns = ["pk", "enterprise_id", "measure_id", "status", "percent", "note", "version", "updated_at"]
    drill = f"/reporting/dashboard/figure/?province={province.code}&document={document.pk}"
    return [
        Case("enterprise list, page 1", "/enterprises/", lambda: _page_and_count(listed, 25, columns)),
        Case(
            "enterprise list `?document=`",
            f"/enterprises/?document={document.code}",
            lambda: _page_and_count(listed.filter(Exists(progress(measure__document=document))), 25, columns),
        ),
        Case(
            "enterprise list `?status=not_started`",
            "/enterprises/?status=not_started",
            lambda: _page_and_count(listed.filter(Exists(progress(status="not_started"))), 25, columns),
        ),
        Case(
            "enterprise list `?lagging=true`",
            "/enterprises/?lagging=true",
            lambda: _page_and_count(listed.filter(lagging), 25, columns),
        ),
        Case(
            "drill-down 滞后企业, province",
            f"{drill}&figure=lagging",
            lambda: _page_and_count(in_province.filter(lagging).order_by("name"), 50, columns),
        ),
        Case(
            "drill-down heat-map cell (prefecture × measure, 完成率)",
            f"{drill}&prefecture={prefecture.pk}&figure=completion_rate&measure={measure.pk}",
            lambda: _page_and_count(
                Enterprise.objects.filter(region=prefecture)
                .filter(Exists(progress(measure=measure, status__in=DONE_STATUSES)))
                .order_by("name"),
                50,
                columns,
            ),
        ),
        Case("self-assessment overview, page 1", "/reporting/assessments/", overview_bare),
        Case(
            "`/api/enterprises/`",
            "/api/enterprises/",
            lambda: _page_and_count(in_province.order_by("name"), 50, columns),
        ),
        Case(
            "`/api/progress/?page_size=500&cursor=` (first page)",
            "/api/progress/?page_size=500&cursor=",
            lambda: [_sql(all_progress.values(*progress_columns)[:501])],
        ),
        Case(
            "`/api/progress/?page_size=500&cursor=…` (last page)",
            f"/api/progress/?page_size=500&cursor={ctx.deep_cursor}",
            lambda: [_sql(all_progress.filter(pk__gt=ctx.deep_pk).values(*progress_columns)[:501])],
        ),
        Case(
            f"`/api/progress/?page_size=500&page={ctx.deep_page}` (last page, page numbers)",
            f"/api/progress/?page_size=500&page={ctx.deep_page}",
            lambda: [
                _sql(all_progress.values(*progress_columns)[(ctx.deep_page - 1) * 500 : ctx.deep_page * 500]),
                _count(all_progress),
            ],
            note="OFFSET",
        ),
        *home_cases,
    ]
