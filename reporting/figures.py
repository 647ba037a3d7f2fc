"""What each dashboard figure means: its label, how it is computed, and which enterprises are behind it."""

from django.conf import settings
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Subquery, Value, When
from django.db.models.functions import Coalesce
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from measures.applicability import applies_to_outer_q, enterprises_q
from measures.choices import STATUS_ORDER, Comparison, Status
from measures.lagging import LAGGING_DAYS, SUMMARY_INPUTS, lagging_q
from measures.models import IndicatorValue, Progress
from measures.targets import met_q
from reporting.assessments.choices import SUBMITTED_STATUSES

FIGURES = {
    "applicable": (_("适用企业"), _("本范围内适用该政策文件的企业数（按企业所在省份、所有制和国资监管层级判定）。")),
    "completion_rate": (
        _("完成率"),
        _("（已完成 + 常态化推进）÷ 适用措施记录数。每家适用企业的每项适用措施计一条记录，尚无记录的按未启动计。"),
    ),
    "mean_percent": (_("平均完成百分比"), _("适用措施记录的完成百分比平均值，尚无记录的按 0 计。")),
    "attainment_rate": (
        _("指标达标率"),
        _(
            "本年度数值达到目标的（企业 × 量化指标）组合 ÷（适用企业数 × 有目标的指标数）；"
            "仅统计类指标不计入，未填报按未达标计。"
        ),
    ),
    "lagging": (_("滞后企业"), lazy(lambda: _lagging_explanation(), str)()),
    "submission_rate": (_("自评提交率"), _("本年度自评已提交或已通过的适用企业 ÷ 适用企业数。")),
    "not_started": (_("未启动"), _("状态为“未启动”的适用措施记录数（含尚未建立记录的）。")),
    "in_progress": (_("推进中"), _("状态为“推进中”的适用措施记录数。")),
    "done": (_("已完成"), _("状态为“已完成”的适用措施记录数。")),
    "ongoing": (_("常态化推进"), _("状态为“常态化推进”的适用措施记录数。")),
}


def _lagging_explanation() -> str:
    # Read when shown: the grace period is a setting and the language the request's.
    return gettext(
        "有适用措施且登记已满 %(grace)d 天的企业中，仍有措施处于“未启动”或 %(days)d 天内没有任何推进更新的企业。"
    ) % {"grace": settings.LAGGING_GRACE_DAYS, "days": LAGGING_DAYS}


# The figures counted over progress records (an enterprise × a measure that applies to it).
PROGRESS_FIGURES = (
    "completion_rate",
    "mean_percent",
    Status.NOT_STARTED,
    Status.IN_PROGRESS,
    Status.DONE,
    Status.ONGOING,
)


def enterprises_behind(figure: str, base, *, measure=None, year: int):
    """The enterprises behind `figure` among `base` (the scope's applicable enterprises, already narrowed by the
    access policy), computed live from the scope keys.

    Each test is a condition on the outer enterprise row that PostgreSQL answers by index for the rows it keeps:
    lagging from the progress summaries the database keeps (measures.lagging's one rule, `SUMMARY_INPUTS`), never
    from the progress rows; a measure's applicability as conditions on the enterprise's own columns
    (`enterprises_q(measure.scope)`), then one (enterprise, measure) progress row looked up by its unique index;
    without a measure, the progress rows of the enterprise (enterprise_id index) whose measure applies to it,
    judged against the outer row (`applies_to_outer_q`) rather than by joining the enterprise again."""
    if figure == "lagging":
        return base.filter(lagging_q(inputs=SUMMARY_INPUTS))
    progress = Progress.objects.filter(enterprise=OuterRef("pk"))
    if measure is not None:
        progress = progress.filter(measure=measure)
        if figure in PROGRESS_FIGURES:  # the measure's records: only where it applies (as the rollup counts them)
            base = base.filter(enterprises_q(measure.scope))
    else:
        progress = progress.filter(applies_to_outer_q("measure__scope__"))
    if figure in ("completion_rate", "mean_percent"):
        # a rate is a ratio over every record: behind it are all the enterprises asked the measure (each listed with
        # its status and percent, `with_standing`), those done among them counted in the rate's numerator
        return base
    if figure in (Status.IN_PROGRESS, Status.DONE, Status.ONGOING):
        return base.filter(Exists(progress.filter(status=figure)))
    if figure == Status.NOT_STARTED:
        return base.filter(Exists(progress.filter(status=Status.NOT_STARTED)) | ~Exists(progress))
    if figure == "attainment_rate":  # enterprises meeting at least one target in scope
        values = (
            IndicatorValue.objects.filter(enterprise=OuterRef("pk"), year=year)
            .filter(applies_to_outer_q("indicator__scope__"))
            .exclude(indicator__comparison=Comparison.INFO)
        )
        if measure is not None:
            values = values.filter(indicator__measure=measure)
        return base.filter(Exists(values.filter(met_q())))
    if figure == "submission_rate":
        from .rollup import _assessment_tables

        tables = _assessment_tables()
        if not tables:
            return base.none()
        assessment = tables[0].objects.filter(
            enterprise=OuterRef("pk"), period__year=year, status__in=SUBMITTED_STATUSES
        )
        return base.filter(Exists(assessment))
    return base


# The drill-down's sorts: (label, the annotation or field it orders by). Each ends on the primary key.
SORTS = {
    "name": _("名称"),
    "status": _("状态"),
    "percent": _("完成百分比"),
}
STATUS_RANK = Case(
    *(When(standing_status=status, then=Value(rank)) for status, rank in STATUS_ORDER.items()),
    default=Value(0),
    output_field=IntegerField(),
)


def with_standing(qs, *, measure=None):
    """Annotate each enterprise's standing on the figure: on `measure`, its status (未启动 without a record) and
    percent (0 without a record) from its one progress row; without a measure, its measures done and applicable and
    its mean percent, from the progress summary the database keeps (`standing_done`, `standing_applicable`)."""
    if measure is not None:
        row = Progress.objects.filter(enterprise=OuterRef("pk"), measure=measure)
        return qs.annotate(
            standing_status=Coalesce(Subquery(row.values("status")[:1]), Value(Status.NOT_STARTED)),
            standing_percent=Coalesce(Subquery(row.values("percent")[:1]), Value(0)),
        ).annotate(standing_rank=STATUS_RANK)
    return qs.annotate(
        standing_done=Coalesce(F("progress_summary__done"), Value(0)),
        standing_applicable=Coalesce(F("progress_summary__applicable"), Value(0)),
        standing_percent=Coalesce(F("progress_summary__mean_percent"), Value(0.0)),
        standing_rank=F("standing_done"),
    )


def sorted_behind(qs, sort: str):
    """`qs` (annotated by `with_standing`) in the order `sort` names ("name", "-status", "percent"…; unknown or
    empty: the primary key's, an index walk that stops at the page)."""
    key = sort.lstrip("-")
    if key not in SORTS:
        return qs.order_by("pk")
    field = {"name": "name", "status": "standing_rank", "percent": "standing_percent"}[key]
    if sort.startswith("-"):
        return qs.order_by(F(field).desc(nulls_last=True), "-pk")
    return qs.order_by(F(field).asc(nulls_first=True), "pk")


def standing_display(e, measure) -> tuple[str, str]:
    """(status, percent) of a row annotated by `with_standing`, as the drill-down and its workbook show them."""
    if measure is not None:
        return str(Status(e.standing_status).label), f"{e.standing_percent}%"
    return f"{e.standing_done}/{e.standing_applicable}", f"{round(e.standing_percent, 1):g}%"
