from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from enterprises.models import Enterprise
from measures.applicability import enterprises_for_document
from measures.models import IndicatorValue, PolicyDocument, Progress, ProgressEvent
from reporting.models import RollupRun, RollupSnapshot
from tests.reporting.rollup_data import assert_figures_equal, expected_figures, snapshot_figures
from tests.reporting.tally_oracle import assert_tallies_match_rows

pytestmark = pytest.mark.django_db


def test_generate_load_then_rollup_command():
    # given
    out = StringIO()
    # when
    call_command("generate_load", enterprises=300, stdout=out)
    call_command("rollup", "--date", "2025-03-01", stdout=out)
    # then realistic data: both provinces, progress for every applicable measure, history and indicator values
    assert Enterprise.objects.count() == 300
    assert {"530000", "610000"} <= set(Enterprise.objects.values_list("region__parent__code", flat=True))
    for document in PolicyDocument.objects.all():
        applicable = enterprises_for_document(document).count()
        measures = document.measures.tracked().count()
        assert Progress.objects.filter(measure__document=document).count() == applicable * measures
    assert ProgressEvent.objects.count() >= Progress.objects.count()
    # registered over the years, as a real register is: nearly all past the lagging grace period, none in the future
    ages = [(timezone.now() - created).days for created in Enterprise.objects.values_list("created_at", flat=True)]
    assert min(ages) >= 0 and max(ages) > 1000
    assert sum(age >= 30 for age in ages) > 0.9 * len(ages)
    assert IndicatorValue.objects.exists()
    assert set(Progress.objects.values_list("status", flat=True)) == {"not_started", "in_progress", "done", "ongoing"}
    # and the rollup command stored that day's figures without a worker
    run = RollupRun.objects.get()
    assert run.status == "succeeded" and str(run.day) == "2025-03-01"
    for document in PolicyDocument.objects.all():
        snap = RollupSnapshot.objects.get(
            day="2025-03-01", document=document, prefecture=None, measure=None, ownership=None, industry=None
        )
        assert snap.applicable == enterprises_for_document(document).count()
        assert snap.records == snap.not_started + snap.in_progress + snap.done + snap.ongoing
    assert "rollup 2025-03-01" in out.getvalue()


def test_rollup_command_rejects_a_bad_date():
    with pytest.raises(CommandError, match="YYYY-MM-DD"):
        call_command("rollup", "--date", "01/03/2025")


def test_rollup_command_today_matches_python(users):
    call_command("generate_load", enterprises=50, stdout=StringIO())
    call_command("rollup", stdout=StringIO())
    for document in PolicyDocument.objects.all():
        snap = RollupSnapshot.objects.get(
            document=document, prefecture=None, measure=None, ownership=None, industry=None
        )
        expected = expected_figures(document)
        assert_figures_equal(snapshot_figures(snap), expected)


def test_rollup_command_checks_and_rebuilds_the_tallies():
    from reporting.models import ProgressTally

    call_command("generate_load", enterprises=40, stdout=StringIO())
    assert_tallies_match_rows()
    out = StringIO()
    call_command("rollup", "--check-tallies", stdout=out)
    assert "tallies agree with the source rows" in out.getvalue()
    assert "the triggers agree with the code" in out.getvalue()
    # given a tally row that no change explains
    t = ProgressTally.objects.first()
    t.pk, t.done = None, t.done + 7
    t.save()
    # then the check names it and fails, and a rollup with --rebuild-tallies repairs it
    out = StringIO()
    with pytest.raises(CommandError, match="rebuild-tallies"):
        call_command("rollup", "--check-tallies", stdout=out)
    assert "progress: 1 keys differ" in out.getvalue()
    call_command("rollup", "--rebuild-tallies", stdout=StringIO())
    assert_tallies_match_rows()
    call_command("rollup", "--check-tallies", stdout=StringIO())
