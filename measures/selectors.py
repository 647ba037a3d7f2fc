"""Reads of the catalogue and of progress."""

from itertools import groupby

from django.db.models import Prefetch, QuerySet

from .models import Indicator, Measure, PolicyDocument, Progress, Section


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


def progress_for_enterprise(*, enterprise) -> QuerySet:
    return (
        Progress.objects.filter(enterprise=enterprise)
        .select_related("measure", "measure__section", "measure__section__parent", "measure__document", "updated_by")
        .prefetch_related("measure__indicators")
        .order_by("measure__document__issued_on", "measure__position")
    )


def progress_grouped(*, enterprise) -> list[tuple]:
    """[(document, [(section, [progress, …]), …]), …] for the enterprise page."""
    rows = list(progress_for_enterprise(enterprise=enterprise))
    grouped = []
    for document, doc_rows in groupby(rows, key=lambda p: p.measure.document):
        sections = [(section, list(items)) for section, items in groupby(doc_rows, key=lambda p: p.measure.section)]
        grouped.append((document, sections))
    return grouped
