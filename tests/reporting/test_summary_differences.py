"""The progress triggers move each enterprise's summary by the statement's differences (reporting/tallies.py
`_summary_delta_sql`) instead of recomputing it from all its progress rows: the summaries stay equal to a count made
in Python, on every path (the maximum of `updated_at` moving back, rows deleted, rows moved to another enterprise or
measure, rows of measures that do not apply), and a bulk update reads no progress row besides those it writes."""

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from measures.choices import Status
from measures.models import Measure, Progress
from reporting import tallies
from reporting.models import ProgressSummary
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.tally_oracle import applies, assert_tallies_match_rows

pytestmark = pytest.mark.django_db


def assert_counted():
    assert_tallies_match_rows()
    assert tallies.drift() == {"progress": {}, "indicators": {}, "scopes": {}, "summaries": {}}


def _rows_of(enterprise_id) -> list[Progress]:
    return list(Progress.objects.filter(enterprise_id=enterprise_id).select_related("measure__scope", "enterprise"))


def _applicable_rows(enterprise_id) -> list[Progress]:
    return [r for r in _rows_of(enterprise_id) if applies(r.measure.scope, r.enterprise)]


def test_the_summaries_follow_every_shape_of_write():
    make_enterprises(10, seed=21)
    assert_counted()
    enterprise_ids = sorted(ProgressSummary.objects.values_list("enterprise_id", flat=True))
    first, second, third = enterprise_ids[:3]

    # the row holding an enterprise's latest update moves back while its other rows stay: the maximum is another
    # row's (the summary's last update must come down to it, which differences alone cannot tell)
    latest = max(_applicable_rows(first), key=lambda r: r.updated_at)
    Progress.objects.filter(pk=latest.pk).update(updated_at=timezone.now() - timedelta(days=400))
    assert ProgressSummary.objects.get(pk=first).last_update == max(r.updated_at for r in _applicable_rows(first))
    assert_counted()

    # the row holding the latest update is deleted
    latest = max(_applicable_rows(second), key=lambda r: r.updated_at)
    Progress.objects.filter(pk=latest.pk).delete()
    assert ProgressSummary.objects.get(pk=second).last_update == max(r.updated_at for r in _applicable_rows(second))
    assert_counted()

    # a row that is not the latest is deleted, another changed in the same statement as rows of other enterprises
    rows = sorted(_applicable_rows(third), key=lambda r: r.updated_at)
    Progress.objects.filter(pk=rows[0].pk).delete()
    Progress.objects.filter(enterprise_id__in=enterprise_ids[2:6]).update(status=Status.ONGOING, percent=100)
    assert_counted()

    # a row moved to another enterprise and to another measure in one statement (the old enterprise loses it,
    # the new one gains it, whichever applies)
    mover = Progress.objects.filter(enterprise_id=enterprise_ids[6]).order_by("pk").first()
    taken = set(Progress.objects.filter(enterprise_id=enterprise_ids[7]).values_list("measure_id", flat=True))
    free = Measure.objects.exclude(pk__in=taken).order_by("pk").first()
    if free is not None:
        Progress.objects.filter(pk=mover.pk).update(enterprise_id=enterprise_ids[7], measure_id=free.pk)
        assert_counted()

    # every applicable row of an enterprise deleted but one, then that one: its summary goes
    rows = _applicable_rows(enterprise_ids[8])
    Progress.objects.filter(pk__in=[r.pk for r in rows[1:]]).delete()
    assert ProgressSummary.objects.get(pk=enterprise_ids[8]).applicable == 1
    Progress.objects.filter(pk=rows[0].pk).delete()
    assert not ProgressSummary.objects.filter(pk=enterprise_ids[8]).exists()
    assert_counted()

    # and comes back with a new row (inserted): a summary is created with the row's figures
    Progress.objects.create(
        enterprise_id=enterprise_ids[8], measure=rows[0].measure, status=Status.IN_PROGRESS, percent=30
    )
    summary = ProgressSummary.objects.get(pk=enterprise_ids[8])
    assert (summary.applicable, summary.in_progress, summary.percent_sum) == (1, 1, 30)
    assert_counted()

    # an update that moves every row's time back (all of an enterprise's rows in one statement)
    Progress.objects.filter(enterprise_id=enterprise_ids[9]).update(updated_at=timezone.now() - timedelta(days=200))
    assert_counted()


def _progress_reads() -> int:
    """Progress rows this transaction has read so far (through indexes or scans), PostgreSQL's own count."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(idx_tup_fetch, 0) + COALESCE(seq_tup_read, 0) FROM pg_stat_xact_user_tables"
            " WHERE relid = 'measures_progress'::regclass"
        )
        return cursor.fetchone()[0]


def test_a_bulk_update_reads_no_progress_row_besides_those_it_writes():
    # given enterprises with many progress rows each (every measure of their province)
    make_enterprises(40, seed=22)
    measure = Measure.objects.filter(code="YN-04").get()
    ids = list(Progress.objects.filter(measure=measure).values_list("pk", flat=True))
    per_enterprise = Progress.objects.filter(enterprise__progress__measure=measure).count() / len(ids)
    assert len(ids) >= 15 and per_enterprise >= 10
    # when one measure is updated for all of them in one statement (as the bulk update writes)
    with connection.cursor() as cursor:  # a table this small is scanned whole: count reads through indexes only
        cursor.execute("SET LOCAL enable_seqscan = off")
    before = _progress_reads()
    updated = Progress.objects.filter(pk__in=ids).update(status=Status.DONE, percent=100, updated_at=timezone.now())
    reads = _progress_reads() - before
    # then the statement and its triggers read the written rows (the UPDATE finds them), not each enterprise's
    # other rows (the recomputation read every row of every enterprise touched: ~ per_enterprise × updated)
    assert updated == len(ids)
    assert reads <= len(ids) + 2, (reads, len(ids))
    assert_counted()
