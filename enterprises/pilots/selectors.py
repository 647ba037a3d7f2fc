"""Reads of pilots: every list starts from `PilotPolicy.visible`; a page's rows, their scope's progress and their funds
are read by the page's ids in a fixed number of queries, whatever the page size (the list, the export, the API)."""

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet

from measures.applicability import scope_applies
from measures.choices import DONE_STATUSES
from measures.models import Measure, Progress
from reform_portal.access import PilotPolicy
from reform_portal.paging import in_order

from .models import PilotDesignation, PilotFund
from .services import fund_totals

LIST_ORDER = ("-designated_on", "-id")


def pilots_visible(*, user) -> QuerySet:
    """The designations the user sees, newest first (the list's order, on the `pilot_designated` index)."""
    return PilotPolicy.visible(user, PilotDesignation.objects.all()).order_by(*LIST_ORDER)


def pilot_detail_queryset(*, user) -> QuerySet:
    return pilots_visible(user=user).select_related(
        "enterprise__region__parent", "enterprise__county", "region", "created_by"
    )


@dataclass
class ScopeProgress:
    done: int
    applicable: int

    @property
    def percent(self) -> float | None:
        return round(self.done * 100 / self.applicable, 1) if self.applicable else None


def scope_progress(designations) -> dict[int, ScopeProgress]:
    """Per designation (its `measures` prefetched with their scopes, its enterprise with its region): of its scope's
    measures, how many apply to the enterprise now (measures.applicability) and how many of those are done
    (已完成 or 常态化推进, measures.choices.DONE_STATUSES), from the enterprise's progress. One query for the page."""
    designations = list(designations)
    pairs = {(d.enterprise_id, m.pk) for d in designations for m in d.measures.all()}
    done = set()
    if pairs:
        rows = Progress.objects.filter(
            enterprise_id__in={e for e, _m in pairs},
            measure_id__in={m for _e, m in pairs},
            status__in=DONE_STATUSES,
        ).values_list("enterprise_id", "measure_id")
        done = set(rows) & pairs
    result = {}
    for d in designations:
        applying = [m for m in d.measures.all() if scope_applies(m.scope, d.enterprise)]
        result[d.pk] = ScopeProgress(
            done=sum((d.enterprise_id, m.pk) in done for m in applying), applicable=len(applying)
        )
    return result


def pilot_rows(ids: list) -> list[PilotDesignation]:
    """The designations `ids` in that order, each with its enterprise, region, scope measures, `progress`
    (ScopeProgress), `granted` and `paid` (Decimal): four queries whatever their number."""
    qs = PilotDesignation.objects.select_related("enterprise__region", "region").prefetch_related(
        Prefetch("measures", queryset=Measure.objects.select_related("scope").order_by("document_id", "position"))
    )
    rows = in_order(qs, ids)
    progress = scope_progress(rows)
    totals = fund_totals([d.pk for d in rows])
    for d in rows:
        d.progress = progress[d.pk]
        d.granted, d.paid = totals[d.pk]["granted"], totals[d.pk]["paid"]
        d.unpaid = d.granted - d.paid
    return rows


def funds_of(designation) -> list[PilotFund]:
    return list(designation.funds.select_related("recorded_by").order_by("on_date", "id"))


def totals_of(designation) -> dict[str, Decimal]:
    return fund_totals([designation.pk])[designation.pk]


def applicable_measures_for(enterprise) -> list[Measure]:
    """The measures a designation of `enterprise` may pilot: the tracked measures that apply to it."""
    from measures.applicability import applicable_measures

    return list(applicable_measures(enterprise).select_related("scope").order_by("document_id", "position"))


def enterprise_designations(*, user, enterprise) -> list[PilotDesignation]:
    """An enterprise's designations the user sees (its page's panel), newest first, with their rows' figures."""
    ids = list(pilots_visible(user=user).filter(enterprise=enterprise).values_list("pk", flat=True)[:20])
    return pilot_rows(ids)
