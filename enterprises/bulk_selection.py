"""A campaign's bulk update by filter: which progress rows it reaches, what it would do, and the write.

The selection is the enterprise list's own filter (`filters.EnterpriseFilter`, the list's query string) over the
enterprises the user may list (`selectors.enterprises_listed`, i.e. the access policy), narrowed to the enterprises
the measure applies to (`applicability.enterprises_q`, the one rule) and, optionally, to those whose row on the
measure is in a given status now ("every enterprise of 曲靖 still 未启动 on YN-04"). It is read as the measure's
progress rows of those enterprises, in one query.

The preview shows what the write will do (`services.progress_bulk_plan` on the rows read) and carries a token, a
hash of the selected rows' (enterprise, row, version) and of the values to set. The confirm recomputes the
selection with the rows locked; a different token (someone changed a row, an enterprise left or joined the filter,
the values were altered) refuses the write and nothing is saved. The write itself is `services.progress_bulk_update`
(set-based, scope checked again, one history event per changed row) in the same transaction as the lock.
"""

import hashlib
from dataclasses import dataclass, field

from django.db import transaction
from django.db.models import F, QuerySet

from measures.applicability import enterprises_q
from measures.models import Progress
from measures.services import BulkPlan, BulkResult, progress_bulk_plan, progress_bulk_update
from reform_portal.locks import lock_rows

from .filters import EnterpriseFilter
from .selectors import enterprises_listed

# At most this many enterprises per bulk update (a larger campaign is split by prefecture or document).
MAX_ENTERPRISES = 20_000
SAMPLE_SIZE = 20  # names shown in the preview
# Query-string keys that are not the list's filter: the page number, and the bulk form's own fields.
FORM_PREFIX = "bulk"
_NOT_FILTER = ("page", "token")


def filter_params(query):
    """The list's filter from a query string (a QueryDict): without the page number and the bulk form's fields."""
    params = query.copy()
    for key in list(params):
        if key in _NOT_FILTER or key.startswith(f"{FORM_PREFIX}-"):
            del params[key]
    return params


def enterprise_filter(request, params) -> EnterpriseFilter:
    """The list's FilterSet over the enterprises `request.user` may list (as `views.enterprise_list` builds it)."""
    return EnterpriseFilter(params or None, queryset=enterprises_listed(user=request.user), request=request)


def filter_is_valid(filterset: EnterpriseFilter) -> bool:
    """No filter (the whole charge), or a filter whose every value is valid. django-filter drops an invalid value and
    filters by the rest, which would widen a bulk update's selection: a write refuses it instead."""
    return not filterset.is_bound or filterset.is_valid()


@dataclass(frozen=True)
class BulkValues:
    measure: object
    current: str  # "" = any status now
    status: str
    percent: int
    note: str


def selected_rows(filterset: EnterpriseFilter, values: BulkValues) -> QuerySet:
    """The measure's progress rows of the filter's enterprises that the measure applies to (and, with
    `values.current`, that are in that status now). The filter must be valid: an invalid one would be dropped by
    django-filter, widening the selection to the whole charge."""
    if not filter_is_valid(filterset):
        raise ValueError("an invalid filter selects nothing to write")
    measure = values.measure
    enterprises = filterset.qs.order_by().filter(enterprises_q(measure.scope)).values("pk")
    rows = Progress.objects.filter(measure=measure, enterprise_id__in=enterprises)
    if values.current:
        rows = rows.filter(status=values.current)
    return rows.annotate(enterprise_name=F("enterprise__name")).only(
        "id", "enterprise_id", "status", "percent", "note", "version"
    )


def selection_token(rows, values: BulkValues) -> str:
    """A hash of the selected rows (enterprise, row, version) and of the values to set."""
    digest = hashlib.sha256(
        f"{values.measure.pk}|{values.current}|{values.status}|{values.percent}|{values.note.strip()}".encode()
    )
    for row in sorted(rows, key=lambda r: r.pk):
        digest.update(f";{row.enterprise_id}:{row.pk}:{row.version}".encode())
    return digest.hexdigest()[:40]


@dataclass
class Preview:
    count: int  # enterprises selected
    too_many: bool  # above MAX_ENTERPRISES: neither rows, plan nor token
    token: str = ""
    plan: BulkPlan | None = None
    sample: list = field(default_factory=list)  # the first names (by name) of the enterprises that would change

    @property
    def changes(self) -> int:
        return len(self.plan.updated) if self.plan else 0

    @property
    def can_confirm(self) -> bool:
        return not self.too_many and self.plan is not None and not self.plan.problems and bool(self.plan.updated)


def _judge(rows: list, values: BulkValues) -> BulkPlan:
    return progress_bulk_plan(
        wanted=[r.enterprise_id for r in rows],
        rows={r.enterprise_id: r for r in rows},
        names={r.enterprise_id: r.enterprise_name for r in rows},
        measure=values.measure,
        status=values.status,
        percent=values.percent,
        note=values.note,
    )


def _preview_of(rows: list, values: BulkValues, qs: QuerySet) -> Preview:
    if len(rows) > MAX_ENTERPRISES:
        return Preview(count=qs.count(), too_many=True)
    plan = _judge(rows, values)
    sample = sorted(r.enterprise_name for r in plan.updated)[:SAMPLE_SIZE]
    return Preview(count=len(rows), too_many=False, token=selection_token(rows, values), plan=plan, sample=sample)


def bulk_preview(filterset: EnterpriseFilter, values: BulkValues) -> Preview:
    """What a bulk update of the filter's enterprises would do now (reads only: one query for the rows, one more
    for the count when there are too many)."""
    qs = selected_rows(filterset, values)
    return _preview_of(list(qs.order_by("pk")[: MAX_ENTERPRISES + 1]), values, qs)


class StaleSelection(Exception):
    """The selection or its rows changed since the preview; `preview` is the selection as it is now."""

    def __init__(self, preview: Preview):
        self.preview = preview
        super().__init__("the selection changed since the preview")


class TooMany(Exception):
    def __init__(self, preview: Preview):
        self.preview = preview
        super().__init__("too many enterprises for one bulk update")


def bulk_apply(*, user, filterset: EnterpriseFilter, values: BulkValues, token: str) -> BulkResult:
    """Write the previewed bulk update, all or nothing, if the selection is still the one previewed (`token`).

    The selected rows are locked (primary-key order) and the token recomputed from them: StaleSelection when it
    differs, TooMany above the bound, nothing written either way. Then `progress_bulk_update` (PermissionDenied or
    ValidationError as it raises them) writes, in the same transaction. Statements: the count, the rows locked, then
    the service's (the enterprises in scope, the rows locked again, one UPDATE), whatever the number of rows."""
    with transaction.atomic():
        qs = selected_rows(filterset, values)
        count = qs.count()
        if count > MAX_ENTERPRISES:
            raise TooMany(Preview(count=count, too_many=True))
        # Rows that joined since the count change the token: refused below like any other change.
        rows = lock_rows(qs)
        if selection_token(rows, values) != token:
            raise StaleSelection(_preview_of(rows, values, qs))
        return progress_bulk_update(
            user=user,
            enterprise_ids=[r.enterprise_id for r in rows],
            measure=values.measure,
            status=values.status,
            percent=values.percent,
            note=values.note,
        )
