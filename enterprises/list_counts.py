"""The enterprise list's `?status=` and `?document=` counts, read from counts the database keeps per place.

"An enterprise has at least one applicable measure in a status" is written here once, in both faces:
`status_in_summary_q` (the list's filter, over the summaries reporting keeps, reached as `progress_summary`) and
`status_in_summary_sql` (the triggers that keep `ListedCount`, reporting/list_counts.py). With a document, the
filter is an EXISTS over the enterprise's applicable progress of that document in the status; the triggers read the
same from reporting's per-(enterprise, document) summary, whose columns are the statuses' counts
(`status_in_document_sql`).

`ListedCount` (enterprises/models.py) holds, per place (prefecture, county), how many enterprises are in each
status, every document together (document null) and per document (and, status "", with any applicable progress of
the document). A user's count is the sum of the rows of the places in their scope (`Access.place_q`) plus the
enterprises named to them outside those places, counted from their rows: a few hundred rows for a province, never
its enterprises. It stands for the list's COUNT only when the list has no other filter
(`EnterpriseFilter.kept_count`); any other filter counts the rows (`paging.cached_count`).
"""

from django.db.models import F, Q, QuerySet, Sum

from measures.choices import Status

ANY = ""  # ListedCount.status of "any applicable progress of the document"

# status → (the summary's count, the count it must exceed; none: zero). 已完成 alone is the done count (已完成 and
# 常态化推进, measures.choices.DONE_STATUSES) less 常态化推进.
_IN_SUMMARY = {
    Status.NOT_STARTED: ("not_started", None),
    Status.IN_PROGRESS: ("in_progress", None),
    Status.DONE: ("done", "ongoing"),
    Status.ONGOING: ("ongoing", None),
}


def status_in_summary_q(status: str, prefix: str = "progress_summary__") -> Q:
    """Q over enterprises (their summary under `prefix`) with at least one applicable measure in `status`."""
    column, above = _IN_SUMMARY[status]
    return Q(**{f"{prefix}{column}__gt": F(f"{prefix}{above}") if above else 0})


def status_in_summary_sql(status: str, alias: str) -> str:
    """The same, SQL over a summary row `alias` (reporting.ProgressSummary's columns)."""
    column, above = _IN_SUMMARY[status]
    return f"{alias}.{column} > {f'{alias}.{above}' if above else 0}"


def status_in_document_sql(status: str, alias: str) -> str:
    """SQL over a per-(enterprise, document) summary row `alias` (reporting.DocumentSummary: a count per status,
    applicable rows only): the enterprise has an applicable measure of the document in `status` (`ANY`: any)."""
    return f"{alias}.{status or 'applicable'} > 0"


STATUS_IN_SUMMARY = {status: status_in_summary_q(status) for status in Status}


def kept_count(*, user, qs: QuerySet, status: str | None, document_id: int | None) -> int:
    """How many enterprises of `qs` (the list's: the enterprises `user` sees, filtered by `status` and/or the
    document alone) there are, from ListedCount: the places in the user's scope, plus the enterprises named to the
    user that none of those places holds, counted from `qs` itself."""
    from reform_portal.access import access_for

    from .models import ListedCount

    access = access_for(user)
    rows = ListedCount.objects.filter(document_id=document_id, status=status or ANY)
    place = access.place_q()
    if place is not None:
        rows = rows.filter(place)
    kept = rows.aggregate(n=Sum("enterprises"))["n"] or 0
    if place is None or not access.enterprise_ids:
        return kept
    return kept + qs.filter(pk__in=sorted(access.enterprise_ids)).exclude(place).order_by().count()
