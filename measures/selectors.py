"""Reads of the catalogue and of progress."""

from itertools import groupby

from django.db.models import OuterRef, Prefetch, QuerySet, Subquery

from reform_portal.choices import ChangeSource

from .applicability import progress_applicable_to
from .models import (
    Evidence,
    EvidenceEvent,
    Indicator,
    IndicatorValue,
    IndicatorValueEvent,
    Measure,
    PolicyDocument,
    Progress,
    ProgressEvent,
    Section,
)


def documents_with_counts() -> QuerySet:
    from django.db.models import Count

    return PolicyDocument.objects.select_related("province").annotate(measure_count=Count("measures"))


def document_outline(*, document: PolicyDocument) -> list[Section]:
    """Top-level sections with `.subsections` and `.measure_list` filled, in document order."""
    measures = Measure.objects.filter(document=document).prefetch_related(
        Prefetch("indicators", queryset=Indicator.objects.order_by("position"))
    )
    by_section: dict[int, list] = {}
    for m in measures:
        by_section.setdefault(m.section_id, []).append(m)
    sections = list(Section.objects.filter(document=document).order_by("position"))
    for s in sections:
        s.measure_list = by_section.get(s.pk, [])
        s.subsections = [c for c in sections if c.parent_id == s.pk]
    return [s for s in sections if s.parent_id is None]


def progress_for_enterprise(*, enterprise, indicators: bool = True) -> QuerySet:
    """The enterprise's progress on the measures that apply to it now (rows of measures that no longer apply are
    kept in the database, not shown or counted), with each measure's indicators unless `indicators` is False."""
    evidence = Prefetch(
        "evidence", queryset=Evidence.objects.current().select_related("uploaded_by").order_by("-created_at")
    )
    return (
        progress_applicable_to(enterprise)
        .select_related("measure", "measure__section", "measure__section__parent", "measure__document", "updated_by")
        .prefetch_related(*(["measure__indicators"] if indicators else []), evidence)
        .order_by("measure__document__issued_on", "measure__position")
    )


def progress_grouped(*, enterprise) -> list[tuple]:
    """[(document, [(section, [progress, …]), …]), …] for an enterprise user's home (no indicators shown)."""
    return group_progress(list(progress_for_enterprise(enterprise=enterprise, indicators=False)))


def progress_counts(*, enterprise) -> dict:
    """{"done": …, "applicable": …}: the enterprise page's “已完成 x/n” (done or ongoing, of the applicable measures),
    counted again after an in-place save so the page's header follows."""
    from django.db.models import Count, Q

    from .choices import DONE_STATUSES

    return progress_applicable_to(enterprise).aggregate(
        done=Count("pk", filter=Q(status__in=DONE_STATUSES)), applicable=Count("pk")
    )


def group_progress(rows: list) -> list[tuple]:
    """Group already loaded progress rows (in document, position order) by document and section."""
    grouped = []
    for document, doc_rows in groupby(rows, key=lambda p: p.measure.document):
        sections = [(section, list(items)) for section, items in groupby(doc_rows, key=lambda p: p.measure.section)]
        grouped.append((document, sections))
    return grouped


def progress_visible(*, user) -> QuerySet:
    """Progress rows of the enterprises `user` may see."""
    from reform_portal.access import EnterprisePolicy

    qs = Progress.objects.select_related(
        "enterprise", "enterprise__region", "measure", "measure__document", "updated_by"
    ).order_by("enterprise__name", "measure__document__issued_on", "measure__position")
    return EnterprisePolicy.visible(user, qs, prefix="enterprise__")


def progress_history(*, progress: Progress) -> list:
    """Changes, uploads and removed files of one progress record, newest first: [(when, kind, object), …]."""
    changes = ProgressEvent.objects.filter(pgh_obj=progress).select_related("changed_by")
    uploads = Evidence.objects.filter(progress=progress).select_related("uploaded_by")
    removed = EvidenceEvent.objects.filter(progress=progress, pgh_label="delete").select_related("changed_by")
    withdrawn = EvidenceEvent.objects.filter(
        progress=progress, pgh_label="update", withdrawn_at__isnull=False, old_withdrawn_at__isnull=True
    ).select_related("changed_by")
    timeline = [(c.changed_at, "change", c) for c in changes] + [(e.created_at, "evidence", e) for e in uploads]
    timeline += [(r.changed_at, "evidence_removed", r) for r in removed]
    timeline += [(w.changed_at, "evidence_withdrawn", w) for w in withdrawn]
    return sorted(timeline, key=lambda item: item[0], reverse=True)


def evidence_visible(*, user) -> QuerySet:
    from reform_portal.access import EnterprisePolicy

    qs = Evidence.objects.select_related("progress", "progress__enterprise", "progress__measure", "uploaded_by")
    return EnterprisePolicy.visible(user, qs, prefix="progress__enterprise__")


def indicator_row(*, indicator: Indicator, value: IndicatorValue | None, measure=None) -> dict:
    """One line of the enterprise page's indicator table."""
    return {
        "indicator": indicator,
        "measure": measure or indicator.measure,
        "value": value,
        "met": indicator.is_met(value.value) if value else None,
        "last_source": ChangeSource(value.last_source).label if value and getattr(value, "last_source", None) else "",
    }


def indicator_values_with_last_source(*, enterprise, year: int) -> QuerySet:
    """The enterprise's values for `year`, each annotated with `last_source`: where its latest change came from."""
    latest = IndicatorValueEvent.objects.filter(pgh_obj=OuterRef("pk")).order_by("-pgh_created_at", "-pgh_id")
    return (
        IndicatorValue.objects.filter(enterprise=enterprise, year=year)
        .select_related("updated_by")
        .annotate(last_source=Subquery(latest.values("source")[:1]))
    )


def indicator_rows(*, enterprise, year: int, progress_rows=None) -> list[dict]:
    """Every indicator that applies to `enterprise` (measures.applicability: of a measure that applies, and meeting
    the indicator's own conditions), with its value for `year` and whether it meets the target. Reuses already
    loaded progress rows (with indicators prefetched) when given."""
    from .applicability import applicable_indicators

    if progress_rows is None:
        progress_rows = list(progress_for_enterprise(enterprise=enterprise))
    applicable = set(applicable_indicators(enterprise).values_list("pk", flat=True))
    values = {v.indicator_id: v for v in indicator_values_with_last_source(enterprise=enterprise, year=year)}
    return [
        indicator_row(indicator=indicator, value=values.get(indicator.pk), measure=p.measure)
        for p in progress_rows
        for indicator in p.measure.indicators.all()
        if indicator.pk in applicable
    ]


def indicator_history(*, enterprise, indicator) -> list[tuple[int, list]]:
    """[(year, [changes newest first]), …] for one enterprise and indicator, newest year first; one query."""
    changes = (
        IndicatorValueEvent.objects.filter(pgh_obj__enterprise=enterprise, pgh_obj__indicator=indicator)
        .select_related("changed_by", "pgh_obj")
        .order_by("-pgh_obj__year", "-pgh_created_at", "-pgh_id")
    )
    return [(year, list(rows)) for year, rows in groupby(changes, key=lambda c: c.pgh_obj.year)]
