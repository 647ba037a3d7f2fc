"""generate_load writes, with the tables' triggers off, what the application's own writes would leave: progress
for exactly the tracked measures that apply (counted again here in Python with the tally oracle's `applies`, not
the SQL rule the command uses), one history event per row created, tallies and summaries that agree with the rows,
no orphan row, every trigger on again; and the same seed gives the same data."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection, transaction
from django.utils import timezone

from enterprises.models import Enterprise, EnterpriseEvent
from measures.choices import NUMERIC_KINDS, TRACKED_ADDRESSEES
from measures.models import Indicator, IndicatorValue, IndicatorValueEvent, Measure, Progress, ProgressEvent
from reporting import tallies
from reporting.assessments.models import Assessment, ReportingPeriod
from tests.reporting.tally_oracle import applies, assert_tallies_match_rows

pytestmark = pytest.mark.django_db
N = 300


def load(n=N, seed=2024):
    call_command("generate_load", enterprises=n, seed=seed, stdout=StringIO())


def test_rows_follow_the_rules_counted_independently():
    load()
    enterprises = list(Enterprise.objects.select_related("region"))
    assert len(enterprises) == N
    measures = list(Measure.objects.filter(addressee__in=TRACKED_ADDRESSEES).select_related("scope"))
    expected = {(e.pk, m.pk) for e in enterprises for m in measures if applies(m.scope, e)}
    assert set(Progress.objects.values_list("enterprise_id", "measure_id")) == expected
    assert len(expected) > 10 * N  # realistic: more than ten applicable measures an enterprise on average
    indicators = list(Indicator.objects.filter(kind__in=NUMERIC_KINDS).select_related("scope"))
    possible = {(e.pk, i.pk) for e in enterprises for i in indicators if applies(i.scope, e)}
    values = set(IndicatorValue.objects.values_list("enterprise_id", "indicator_id"))
    assert values <= possible and 0.6 < len(values) / len(possible) < 0.8  # about 70% report


def test_history_one_creation_event_per_row_with_its_values():
    load()
    events = Counter(ProgressEvent.objects.filter(pgh_label="insert").values_list("pgh_obj_id", "status", "percent"))
    rows = Counter(Progress.objects.values_list("pk", "status", "percent"))
    assert events == rows
    assert ProgressEvent.objects.count() == Progress.objects.count()
    assert set(EnterpriseEvent.objects.values_list("pgh_obj_id", flat=True)) == set(
        Enterprise.objects.values_list("pk", flat=True)
    )
    assert IndicatorValueEvent.objects.count() == IndicatorValue.objects.count()


def test_tallies_and_summaries_agree_and_triggers_are_on_again():
    load()
    assert not any(tallies.drift().values())
    assert_tallies_match_rows()
    out = StringIO()
    call_command("rollup", "--check-tallies", stdout=out)
    assert "tallies agree with the source rows" in out.getvalue()
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname, t.tgname, t.tgenabled FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
            " WHERE c.relname IN ('enterprises_enterprise', 'measures_progress', 'measures_indicatorvalue')"
        )
        triggers = cursor.fetchall()
        assert triggers and all(enabled == "O" for _table, _name, enabled in triggers), triggers
        # the foreign keys the load did not check hold
        cursor.execute(
            "SELECT COUNT(*) FROM measures_progress p LEFT JOIN enterprises_enterprise e ON e.id = p.enterprise_id"
            " LEFT JOIN measures_measure m ON m.id = p.measure_id WHERE e.id IS NULL OR m.id IS NULL"
        )
        assert cursor.fetchone() == (0,)
    # and a write after the load is counted by the triggers again
    progress = Progress.objects.filter(status="not_started").first()
    Progress.objects.filter(pk=progress.pk).update(status="done", percent=100)
    assert not any(tallies.drift().values())
    assert ProgressEvent.objects.filter(pgh_obj_id=progress.pk).count() == 2


def test_self_assessments_in_every_state_of_this_years_open_period():
    load()
    year = timezone.localdate().year
    assert ReportingPeriod.objects.filter(year=year, is_open=True).count() == 2
    states = Counter(Assessment.objects.values_list("status", flat=True))
    assert set(states) == {"draft", "submitted", "returned", "accepted"}
    assert 0.7 * N < sum(states.values()) < 0.9 * N  # about a fifth not filled in
    wrong_province = Assessment.objects.exclude(period__province=models_province())
    assert not wrong_province.exists()


def models_province():
    from django.db.models import F

    return F("enterprise__region__parent")


def test_same_seed_same_data_and_a_second_load_adds_new_enterprises():
    def snapshot():
        return sorted(
            Progress.objects.values_list("enterprise__credit_code", "measure__code", "status", "percent")
        ), sorted(Enterprise.objects.values_list("credit_code", "region__code", "ownership", "employees"))

    with transaction.atomic():
        load(n=60)
        first = snapshot()
        transaction.set_rollback(True)
    load(n=60)
    assert snapshot() == first
    load(n=40)  # codes and names carry the ordinal in the register: no clash with the first load
    assert Enterprise.objects.count() == 100
    assert not any(tallies.drift().values())
