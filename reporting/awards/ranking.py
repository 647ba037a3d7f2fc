"""THE rule of an award round's shortlist (issue 15 item 3): `shortlist(round) -> (ranked, excluded)`.

Every enterprise of the round's province that something applies to (measures.applicability) scores, with the
round's weights (a copy of data/weights.json):
- completion: done / applicable measures of its progress summary (reporting.models.ProgressSummary, the figures of
  the enterprise list) × the completion points;
- indicators met: the indicator values of the round's year, of indicators that apply to it, that meet their target
  (measures.targets.met_q) × the points each, at most `max`;
- self-assessment on time: its self-assessment of the round's year eventually accepted AND its first submission (the
  first submit step of its trail) on time by the one rule, reporting.assessments.deadlines.on_time_cutoff of the
  period's due date → the points. A form first submitted on time, returned and resubmitted after the due date
  scores; a form first submitted late does not, whenever it is accepted (docs/awards.md gives the reason).
An enterprise with an open overdue supervision order (reporting.supervision.lights.overdue_q) is excluded, with
the orders as the reason. The rest are ranked within their prefecture by total points, ties by name (then id); the
first `quota[prefecture code]` are proposed. Points are Decimals rounded to 0.01 half up; the same data and weights
give the same list. A constant number of queries whatever the number of enterprises."""

from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Min
from django.utils.translation import gettext as _

from enterprises.models import Enterprise
from measures.applicability import has_applicable_measures_q
from measures.models import IndicatorValue
from measures.targets import met_q
from reporting.assessments.choices import AssessmentStatus, TransitionAction
from reporting.assessments.deadlines import on_time_cutoff
from reporting.assessments.models import AssessmentTransition, ReportingPeriod
from reporting.models import ProgressSummary
from reporting.supervision import lights
from reporting.supervision.models import SupervisionOrder

CENT = Decimal("0.01")


def points(value) -> Decimal:
    return Decimal(str(value)).quantize(CENT, rounding=ROUND_HALF_UP)


@dataclass
class Line:
    fact: str  # the fact's label (from the weights)
    value: str  # what the record shows ("12/20", "3", "是")
    points: Decimal


@dataclass
class Candidate:
    enterprise: Enterprise
    lines: list[Line] = field(default_factory=list)
    total: Decimal = Decimal("0.00")
    rank: int = 0  # within its prefecture
    proposed: bool = False
    decision: object = None  # the latest AwardCandidateDecision, when a page attaches it


@dataclass
class Excluded:
    enterprise: Enterprise
    reasons: list[str]


def _on_time_ids(award_round, ids) -> set[int]:
    period = ReportingPeriod.objects.filter(province_id=award_round.province_id, year=award_round.year).first()
    if period is None:
        return set()
    cutoff = on_time_cutoff(period.due_date)  # the one rule of "on time" (reporting/assessments/deadlines.py)
    first_submits = (
        AssessmentTransition.objects.filter(
            assessment__period=period,
            assessment__enterprise_id__in=ids,
            assessment__status=AssessmentStatus.ACCEPTED,
            action=TransitionAction.SUBMIT,
        )
        .values("assessment__enterprise_id")
        .annotate(first=Min("at"))
    )
    return {row["assessment__enterprise_id"] for row in first_submits if row["first"] < cutoff}


def shortlist(award_round, prefecture_ids=None, today=None):
    """(ranked, excluded): ranked is {prefecture: [Candidate, …] by rank}, prefectures by code; excluded a list
    of Excluded by prefecture code and name. `prefecture_ids` narrows to those prefectures (a prefecture officer's
    part: ranks within a prefecture do not depend on the others)."""
    weights = award_round.weights
    enterprises = Enterprise.objects.filter(region__parent_id=award_round.province_id).filter(
        has_applicable_measures_q()
    )
    if prefecture_ids is not None:
        enterprises = enterprises.filter(region_id__in=list(prefecture_ids))
    enterprises = list(enterprises.select_related("region").order_by("region__code", "name", "pk"))
    ids = [e.pk for e in enterprises]
    summaries = {
        s["enterprise_id"]: s
        for s in ProgressSummary.objects.filter(enterprise_id__in=ids).values("enterprise_id", "done", "applicable")
    }
    met = dict(
        IndicatorValue.objects.applicable()
        .filter(met_q(), enterprise_id__in=ids, year=award_round.year)
        .values("enterprise_id")
        .annotate(n=Count("pk"))
        .values_list("enterprise_id", "n")
    )
    on_time = _on_time_ids(award_round, ids)
    overdue: dict[int, list[str]] = {}
    for number, due, enterprise_id in (
        SupervisionOrder.objects.filter(lights.overdue_q(today), enterprise_id__in=ids)
        .order_by("due_date", "number")
        .values_list("number", "due_date", "enterprise_id")
    ):
        overdue.setdefault(enterprise_id, []).append(
            _("%(reason)s：%(number)s（办结期限 %(due)s）")
            % {"reason": weights["exclusions"]["overdue_order"], "number": number, "due": due.isoformat()}
        )

    ranked: dict = {}
    excluded = []
    for enterprise in enterprises:
        if enterprise.pk in overdue:
            excluded.append(Excluded(enterprise, overdue[enterprise.pk]))
            continue
        summary = summaries.get(enterprise.pk, {"done": 0, "applicable": 0})
        done, applicable = summary["done"], summary["applicable"]
        completion = weights["completion"]
        share = Decimal(done) / Decimal(applicable) if applicable else Decimal(0)
        n_met = met.get(enterprise.pk, 0)
        each = weights["indicators_met"]
        met_points = Decimal(str(each["points"])) * n_met
        if each.get("max") is not None:
            met_points = min(met_points, Decimal(str(each["max"])))
        timely = weights["assessment_on_time"]
        lines = [
            Line(completion["label"], f"{done}/{applicable}", points(Decimal(str(completion["points"])) * share)),
            Line(each["label"], str(n_met), points(met_points)),
            Line(
                timely["label"],
                _("是") if enterprise.pk in on_time else _("否"),
                points(timely["points"] if enterprise.pk in on_time else 0),
            ),
        ]
        candidate = Candidate(enterprise, lines, sum((line.points for line in lines), Decimal("0.00")))
        ranked.setdefault(enterprise.region, []).append(candidate)
    for prefecture, candidates in ranked.items():
        candidates.sort(key=lambda c: (-c.total, c.enterprise.name, c.enterprise.pk))
        quota = int(award_round.quota.get(prefecture.code, 0))
        for position, candidate in enumerate(candidates, start=1):
            candidate.rank = position
            candidate.proposed = position <= quota
    return dict(sorted(ranked.items(), key=lambda item: item[0].code)), excluded
