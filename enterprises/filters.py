import django_filters
from django import forms
from django.db.models import Count, Exists, F, OrderBy, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _
from django_filters.constants import EMPTY_VALUES
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from measures.applicability import applies_to_outer_q
from measures.choices import Status
from measures.lagging import SUMMARY_INPUTS, lagging_q
from measures.models import PolicyDocument, Progress
from reform_portal.inbox.choices import VisitedPage
from reform_portal.inbox.visits import since
from reform_portal.ordering import OrderingFilter
from reform_portal.paging import COUNT_CACHED_FROM, Part, Parts, cached_count, cached_rows
from reform_portal.quick_select import quicken

from .changed_since import changed_q, newly_lagging_q
from .choices import Industry, Ownership, RegionLevel, SizeClass, SupervisionLevel
from .credit_code import normalise_credit_code
from .list_counts import STATUS_IN_SUMMARY, kept_count
from .models import Enterprise, Region
from .selectors import counties_visible, group_heads, in_group, prefectures_visible


@extend_schema_field(OpenApiTypes.STR)
class DocumentCodeFilter(django_filters.ModelChoiceFilter):
    """A policy document by its code (e.g. yn-2022-21)."""


@extend_schema_field(OpenApiTypes.STR)
class CountyCodeFilter(django_filters.ModelChoiceFilter):
    """A county by its 6-digit code (e.g. 530102)."""


class CreditCodeChoiceField(django_filters.fields.ModelChoiceField):
    """An enterprise by its credit code, normalised as the register stores it (spaces, full width, case)."""

    def to_python(self, value):
        return super().to_python(value if value in self.empty_values else normalise_credit_code(value))


@extend_schema_field(OpenApiTypes.STR)
class GroupFilter(django_filters.ModelChoiceFilter):
    """A group by the credit code of the enterprise at its head: that enterprise and all its descendants."""

    field_class = CreditCodeChoiceField


# A sort by a progress figure orders by the summary's column (indexed), not by a figure computed per row; an
# enterprise without a summary row (no applicable progress) has no figure and comes last, whatever the direction
# (so that a page of either direction comes from the summary's index). Ties go by id, in the sort's direction.
FIGURE_COLUMNS = {
    "done_count": "progress_summary__done",
    "mean_percent": "progress_summary__mean_percent",
    "last_update": "progress_summary__last_update",
}


def order_terms(fields) -> list:
    """ORDER BY terms for sort fields (`name`, `-done_count`, …), figures read from the summaries, and the primary
    key last so that pages never overlap or miss a row among equal values. By prefecture alone means by name within
    each prefecture (the default order: `prefecture_segments` walks it on an index)."""
    if [f.lstrip("-") for f in fields] == ["region__code"]:
        return [fields[0], "name", "pk"]
    terms, tie = [], "pk"
    for field in fields:
        descending, name = field.startswith("-"), field.lstrip("-")
        if name in FIGURE_COLUMNS:
            column = F(FIGURE_COLUMNS[name])
            terms.append(column.desc(nulls_last=True) if descending else column.asc(nulls_last=True))
            tie = "-pk" if descending and len(terms) == 1 else tie
        else:
            terms.append(field)
    return [*terms, tie]


def figure_segments(qs: QuerySet, count: int | None = None) -> list[Part] | None:
    """`qs` sorted by one progress figure, as the parts it lists one after the other: the enterprises with a summary
    row, in the order of the summary's index on that figure (ORDER BY … LIMIT walks the index and stops after the
    page, instead of sorting the province: a LEFT JOIN's missing rows cannot come from that index), and those
    without, by id. None for any other order."""
    order = list(qs.query.order_by)
    if len(order) != 2 or not isinstance(order[0], OrderBy) or not isinstance(order[0].expression, F):
        return None
    column, descending, tie = order[0].expression.name, order[0].descending, order[1]
    if column not in FIGURE_COLUMNS.values():
        return None
    key = F(column).desc() if descending else F(column).asc()
    summary = column.split("__")[0]
    present = qs.filter(**{f"{summary}__isnull": False}).order_by(key, tie)
    absent = qs.filter(**{f"{summary}__isnull": True}).order_by(tie)
    # The seek after a row names the summary's own key (not the enterprise's id, equal but not in that index), so
    # that `(done, enterprise_id) < (…)` is a condition on the index `(done, enterprise)`.
    return [Part(present, (column, f"{summary}__enterprise_id"), descending), Part.of(absent)]


def prefecture_segments(qs: QuerySet, prefectures: QuerySet | None, count: int | None = None) -> list[Part] | None:
    """`qs` in the default order (prefecture code, then name) as one part per prefecture of `prefectures` (those it
    may hold, `EnterpriseFilter.prefectures`) that holds some of it, in code order, each walked on the index
    `(region, name, id)` from its first row or a boundary row: a page reads its 25 rows, not the first prefecture
    sorted whole. A list under `COUNT_CACHED_FROM` rows is sorted whole (its count has read those rows already; a
    fixed number of queries). None for any other order."""
    order = list(qs.query.order_by)
    if prefectures is None or order[:1] != ["region__code"]:
        return None
    if (cached_count(qs) if count is None else count) < COUNT_CACHED_FROM:  # count: the paginator's, when it has it
        return None
    # A probe per prefecture for its first row in the part's order (LIMIT 1 on the index; an EXISTS is planned as a
    # semi-join hashing the province, an unordered LIMIT 1 as a scan)
    first = Subquery(qs.filter(region=OuterRef("pk")).order_by(*order[1:]).values("pk")[:1])
    # (the prefectures are listed first: PostgreSQL would probe every prefecture before the access filter drops some)
    candidates = list(prefectures.values_list("pk", flat=True))
    probed = Region.objects.filter(pk__in=candidates).alias(first=first).filter(first__isnull=False)
    held = list(probed.order_by("code").values_list("pk", flat=True))

    def sizes() -> list[int]:
        # one grouped count for a far jump (kept a minute under its SQL, like the list's count)
        by_region = dict(cached_rows(qs.order_by().values_list("region").annotate(n=Count("pk"))))
        return [by_region.get(pk, 0) for pk in held]

    return Parts([Part.of(qs.filter(region=pk).order_by(*order[1:])) for pk in held], sizes=sizes)


def list_segments(qs: QuerySet, prefectures: QuerySet | None = None, count: int | None = None) -> list[Part] | None:
    """The parts a list is paged by (`paging.IdsFirstPaginator`): by a figure, or prefecture by prefecture."""
    return figure_segments(qs) or prefecture_segments(qs, prefectures, count)


class ProgressOrderingFilter(OrderingFilter):
    """The sort; a sort by a progress figure orders by the summaries the database keeps (`order_terms`)."""

    def filter(self, qs, value):
        fields = [self.get_ordering_value(v) for v in value or () if v not in EMPTY_VALUES]
        return qs.order_by(*order_terms(fields)) if fields else qs


# An enterprise with at least one applicable measure in a status, from its summary's counts: the rule and its SQL
# face (the triggers that keep the list's counts per place) are in list_counts.py.
# The filters that leave the list's count to the counts kept per place (`EnterpriseFilter.kept_count`).
KEPT_COUNT_FILTERS = ("document", "status", "sort")


class EnterpriseFilter(django_filters.FilterSet):
    """One definition for the enterprise list page, its Excel export and the API.

    The list filters, sorts and pages the enterprises' ids (`selectors.enterprises_listed`, `paging.IdsFirstPaginator`)
    and reads the rows and figures of the page's ids (`selectors.rows_shown`); the export reads
    `selectors.enterprises_in_charge` (figures joined from the summaries)."""

    q = django_filters.CharFilter(method="search", label=_("名称或信用代码"))
    region = django_filters.ModelChoiceFilter(
        queryset=Region.objects.filter(level__in=[RegionLevel.PROVINCE, RegionLevel.PREFECTURE]).select_related(
            "parent"
        ),
        label=_("州（市）"),
        method="in_region",
    )
    county = CountyCodeFilter(
        queryset=Region.objects.filter(level=RegionLevel.COUNTY), to_field_name="code", label=_("县（市、区）")
    )
    group = GroupFilter(
        queryset=Enterprise.objects.none(),
        to_field_name="credit_code",
        label=_("集团（含各级下属企业）"),
        method="by_group",
    )
    ownership = django_filters.MultipleChoiceFilter(
        choices=Ownership.choices,
        label=_("所有制"),
        widget=forms.CheckboxSelectMultiple(attrs={"class": "form-check-input"}),  # several without Ctrl-click
    )
    supervision_level = django_filters.ChoiceFilter(choices=SupervisionLevel.choices, label=_("国资监管层级"))
    industry = django_filters.ChoiceFilter(choices=Industry.choices, label=_("行业门类"))
    size_class = django_filters.ChoiceFilter(choices=SizeClass.choices, label=_("企业规模"))
    document = DocumentCodeFilter(
        queryset=PolicyDocument.objects.all(), to_field_name="code", label=_("政策文件"), method="by_document"
    )
    status = django_filters.ChoiceFilter(choices=Status.choices, label=_("有措施处于"), method="by_status")
    lagging = django_filters.ChoiceFilter(
        choices=[("true", _("仅看滞后企业")), ("false", _("不含滞后企业")), ("new", _("自上次访问以来新滞后"))],
        empty_label=_("全部"),
        label=_("滞后"),
        method="by_lagging",
    )
    changed = django_filters.ChoiceFilter(
        choices=[("1", _("自上次访问以来有变化"))], empty_label=_("全部"), label=_("变化"), method="by_changed"
    )
    sort = ProgressOrderingFilter(
        fields=(
            ("name", "name"),
            ("region__code", "region"),
            ("done_count", "done"),
            ("mean_percent", "percent"),
            ("last_update", "updated"),
        ),
        field_labels={
            "name": _("名称"),
            "region__code": _("州（市）"),
            "done_count": _("完成措施数"),
            "mean_percent": _("平均进度"),
            "last_update": _("最近更新"),
        },
        label=_("排序"),
    )

    class Meta:
        model = Enterprise
        fields = [
            "q",
            "region",
            "county",
            "group",
            "ownership",
            "supervision_level",
            "industry",
            "size_class",
            "is_pilot",
            "document",
            "status",
            "lagging",
            "changed",
        ]

    def __init__(self, data=None, queryset=None, *, request=None, prefix=None):
        super().__init__(data, queryset, request=request, prefix=prefix)
        # Offer the regions the user works in, prefectures under their province, and the groups they see.
        if request is not None:
            from reform_portal.access import RegionPolicy

            self.filters["region"].queryset = RegionPolicy.visible(
                request.user, self.filters["region"].queryset
            ).order_by("level", "code")
            self.filters["county"].queryset = counties_visible(user=request.user)
            # what the select shows of each head: its name, keyed by credit code
            self.filters["group"].queryset = group_heads(user=request.user).only("pk", "name", "credit_code")

    @property
    def form(self):
        form = super().form
        if self.request is not None and not getattr(form, "_counties_grouped", False):
            quicken(form)  # the page's selects written in Python (reform_portal/quick_select.py)
            # The page's select: counties grouped by prefecture, read when it is drawn (the API draws none; what
            # it accepts does not change).
            field, user, drawn = form.fields["county"], self.request.user, []

            def grouped():
                if not drawn:  # one query, however often the select is drawn
                    groups: dict[int, tuple[str, list]] = {}
                    counties = counties_visible(user=user).order_by("parent__code", "code")
                    names = ("parent_id", "parent__parent__name", "parent__name", "code", "name")
                    for parent, province, prefecture, code, name in counties.values_list(*names):
                        groups.setdefault(parent, (f"{province} {prefecture}", []))[1].append((code, name))
                    drawn.extend([("", field.empty_label), *groups.values()])
                return drawn

            field.widget.choices = grouped
            form._counties_grouped = True
        return form

    def prefectures(self) -> QuerySet:
        """The prefectures the list may hold: those the user works in, narrowed to the region or county chosen."""
        regions = prefectures_visible(user=self.request.user)
        data = self.form.cleaned_data if self.form.is_valid() else {}
        if data.get("county"):
            return regions.filter(pk=data["county"].parent_id)
        region = data.get("region")
        if region:
            return (
                regions.filter(parent=region) if region.level == RegionLevel.PROVINCE else regions.filter(pk=region.pk)
            )
        return regions

    def kept_count(self) -> int | None:
        """The list's count from the counts the database keeps per place (list_counts.py), when only `?status=`
        and/or `?document=` filter it (a sort changes no count); None otherwise (the paginator counts the rows)."""
        if self.request is None or not self.is_bound or not self.form.is_valid():
            return None
        data = self.form.cleaned_data
        if any(data.get(name) not in EMPTY_VALUES for name in data if name not in KEPT_COUNT_FILTERS):
            return None
        status, document = data.get("status") or None, data.get("document")
        if not status and document is None:
            return None
        qs = self.qs
        return kept_count(user=self.request.user, qs=qs, status=status, document_id=getattr(document, "pk", None))

    def search(self, qs, name, value):
        value = value.strip()
        return qs.filter(Q(name__icontains=value) | Q(credit_code__icontains=value.upper())) if value else qs

    def in_region(self, qs, name, region):
        # A province means every prefecture in it.
        if not region:
            return qs
        return qs.filter(region__parent=region) if region.level == RegionLevel.PROVINCE else qs.filter(region=region)

    def by_group(self, qs, name, head):
        return in_group(qs, head) if head else qs

    def _progress(self):
        """Progress rows of the enterprise under consideration, narrowed to the chosen document if any."""
        # Applicability judged against the outer enterprise's facts (no second join of the enterprise per progress
        # row): PostgreSQL then probes each enterprise's progress by index, or hashes the document's rows once.
        rows = Progress.objects.filter(enterprise=OuterRef("pk")).filter(applies_to_outer_q("measure__scope__"))
        document = self.form.cleaned_data.get("document")
        return rows.filter(measure__document=document) if document else rows

    def by_document(self, qs, name, document):
        return qs.filter(Exists(self._progress())) if document else qs

    def by_status(self, qs, name, status):
        if not status:
            return qs
        if self.form.cleaned_data.get("document"):
            # Combined with a document, the status is that of one of the document's measures.
            return qs.filter(Exists(self._progress().filter(status=status)))
        # Alone: the counts per status of the summaries the database keeps (applicable measures only).
        return qs.filter(STATUS_IN_SUMMARY[status])

    def by_lagging(self, qs, name, value):
        if not value:
            return qs
        # The one rule over the summaries the database keeps (reporting's ProgressSummary, reached through the
        # `progress_summary` relation: no import of the read model), not recomputed from every progress row.
        # lagging_q is two-valued (never NULL), so its negation is exactly the enterprises that do not lag.
        if value == "new":  # gone lagging since the user's last visit of the list (enterprises/changed_since.py)
            moment = self.last_visit()
            return qs.filter(newly_lagging_q(moment)) if moment else qs.none()
        lagging = lagging_q(inputs=SUMMARY_INPUTS)
        return qs.filter(lagging) if value == "true" else qs.filter(~lagging)

    def last_visit(self):
        """The moment "since my last visit" compares with: the one the list page noted (`request.last_visit`),
        else read (the export, the API) without noting a visit. None: no visit before."""
        if self.request is None:
            return None
        if not hasattr(self.request, "last_visit"):
            self.request.last_visit = since(user=self.request.user, page=VisitedPage.ENTERPRISES)
        return self.request.last_visit

    def by_changed(self, qs, name, value):
        if not value:
            return qs
        moment = self.last_visit()
        return qs.filter(changed_q(moment)) if moment else qs.none()


# The list's columns that sort by a click on their header, by the sort's parameter values (`EnterpriseFilter.sort`).
SORTABLE_COLUMNS = ("name", "region", "done", "percent", "updated")


def sort_headers(params) -> dict[str, dict[str, str]]:
    """Per sortable column: the list's URL query sorted by it (ascending, or descending when it is the ascending sort
    already), keeping every filter but starting at page 1, and its `aria-sort` state (ascending/descending/none)."""
    current = params.get("sort", "")
    headers = {}
    for column in SORTABLE_COLUMNS:
        query = params.copy()
        for name in ("page", "after", "before"):
            query.pop(name, None)
        query["sort"] = f"-{column}" if current == column else column
        state = {column: "ascending", f"-{column}": "descending"}.get(current, "none")
        headers[column] = {"query": query.urlencode(), "state": state}
    return headers
