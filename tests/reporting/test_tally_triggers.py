"""The tally triggers are declared with the models (reporting/triggers.py): every change of their SQL is in a
migration, and a database whose triggers differ from the code is reported."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from pgtrigger.core import UNINSTALLED

from measures.choices import Status
from measures.models import IndicatorValue, Progress
from reporting import triggers
from reporting.tasks import tallies_check
from reporting.triggers import (
    TalliedEnterprise,
    TalliedIndicator,
    TalliedIndicatorValue,
    TalliedMeasure,
    TalliedProgress,
    TalliedScope,
)
from tests.reporting.rollup_data import make_enterprises
from tests.reporting.tally_oracle import assert_tallies_match_rows

pytestmark = pytest.mark.django_db

TALLIED = (TalliedProgress, TalliedIndicatorValue, TalliedIndicator, TalliedEnterprise, TalliedMeasure, TalliedScope)


def _pgid(model, name: str) -> str:
    return next(t.get_pgid(model) for t in model._meta.triggers if t.name == name)


def test_every_tally_trigger_of_the_code_is_what_the_migrations_install():
    # given the triggers the migrations leave (the migration graph's final state)
    state = MigrationLoader(None, ignore_no_migrations=True).project_state()
    for model in TALLIED:
        migrated = {t.name: t.sql.hash for t in state.models["reporting", model._meta.model_name].options["triggers"]}
        # then each trigger of the code is there with the same SQL (else: run makemigrations)
        assert migrated == {t.name: t.compile(model).hash for t in model._meta.triggers}, model


def test_the_watched_tables_carry_the_tally_triggers():
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_tally_%'")
        installed = set(cursor.fetchall())
    declared = {(m._meta.db_table, t.get_pgid(m)) for m in TALLIED for t in m._meta.triggers}
    assert installed == declared
    assert {table for table, _ in installed} == {
        "measures_progress",
        "measures_indicatorvalue",
        "measures_indicator",
        "measures_measure",
        "measures_scope",
        "enterprises_enterprise",
    }


def test_the_installed_triggers_agree_with_the_code():
    assert triggers.installed_differences() == []
    assert triggers.check_installed_triggers(databases=["default"]) == []


def test_a_trigger_function_changed_by_hand_is_reported():
    # given the function of the value triggers rewritten in the database (≥ turned into >), its trigger untouched
    pgid = _pgid(TalliedIndicatorValue, "tally_value_insert")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_get_functiondef(%s::regproc)", [pgid])
        definition = cursor.fetchone()[0]
        assert ">=" in definition
        cursor.execute(definition.replace(">=", ">"))
    # then the check, the system check and `rollup --check-tallies` report it
    assert triggers.installed_differences() == [
        f"reporting.TalliedIndicatorValue:tally_value_insert: its function {pgid}() differs from the code"
    ]
    (warning,) = triggers.check_installed_triggers(databases=["default"])
    assert warning.id == "reporting.W001" and "tally_value_insert" in warning.msg
    with pytest.raises(CommandError, match="triggers differ from the code"):
        call_command("rollup", "--check-tallies", stdout=StringIO())


def test_the_weekly_check_logs_a_trigger_that_differs_from_the_code(caplog):
    # given a tally trigger disabled by hand
    enterprise = _pgid(TalliedEnterprise, "tally_enterprise_insert")
    with connection.cursor() as cursor:
        cursor.execute(f"ALTER TABLE enterprises_enterprise DISABLE TRIGGER {enterprise}")
    # when the weekly task runs
    with caplog.at_level("ERROR", logger="reporting.tasks"):
        tallies_check()
    # then the operator is told which trigger, not only that the counts drifted
    assert "reporting.TalliedEnterprise:tally_enterprise_insert: disabled" in caplog.text


def test_a_missing_or_disabled_trigger_is_reported():
    progress = _pgid(TalliedProgress, "tally_progress_update")
    enterprise = _pgid(TalliedEnterprise, "tally_enterprise_insert")
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TRIGGER {progress} ON measures_progress")
        cursor.execute(f"ALTER TABLE enterprises_enterprise DISABLE TRIGGER {enterprise}")
    assert triggers.installed_differences() == [
        "reporting.TalliedProgress:tally_progress_update: not installed (run `manage.py migrate`)",
        "reporting.TalliedEnterprise:tally_enterprise_insert: disabled",
    ]
    # and pgtrigger's own listing agrees that one is missing
    status = TalliedProgress._meta.triggers[1].get_installation_status(TalliedProgress)
    assert status == (UNINSTALLED, None)


def _hand_written_triggers() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'reporting_%'")
        return {row[0] for row in cursor.fetchall()}


@pytest.mark.django_db(transaction=True)
def test_a_database_with_the_hand_written_triggers_moves_to_the_declared_ones():
    call_command("load_regions", verbosity=0)
    call_command("load_catalogue", verbosity=0)
    latest = MigrationLoader(connection).graph.leaf_nodes()
    try:
        # given a database at migration 0003 (the hand-written triggers), with rows they counted
        MigrationExecutor(connection).migrate([("reporting", "0003_tallies_kept_by_the_database")])
        assert len(_hand_written_triggers()) == 13
        make_enterprises(8, seed=21)
        Progress.objects.filter(measure__position=2).update(status=Status.DONE, percent=100)
        # when it migrates to the declared triggers
        MigrationExecutor(connection).migrate(latest)
        # then the old triggers are gone, the new ones installed, the tallies unchanged, and writes still counted
        assert _hand_written_triggers() == set()
        assert triggers.installed_differences() == []
        assert_tallies_match_rows()
        Progress.objects.filter(measure__position=3).update(status=Status.ONGOING, percent=100)
        IndicatorValue.objects.filter(year=2026).delete()
        assert_tallies_match_rows()
    finally:
        MigrationExecutor(connection).migrate(latest)
