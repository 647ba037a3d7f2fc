"""With nothing configured the portal runs on SQLite, and a Celery worker with beat runs real tasks
through the filesystem broker: no Redis needed. This is what `make run` starts."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CELERY = Path(sys.executable).with_name("celery")


@pytest.fixture
def embedded_env(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE"}}
    env.update(VAR_DIR=str(tmp_path), DEBUG="1")
    return env


def manage(env, *args, timeout=120):
    result = subprocess.run(
        [sys.executable, "manage.py", *args, *(["--no-imports"] if args[0] == "shell" else [])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_worker_and_beat_run_tasks_without_redis(embedded_env, tmp_path):
    # given: a fresh SQLite portal with one enterprise whose progress rows are missing
    manage(embedded_env, "migrate", "--noinput")
    manage(embedded_env, "load_regions")
    manage(embedded_env, "load_catalogue")
    manage(embedded_env, "setup_schedule")
    manage(
        embedded_env,
        "shell",
        "-c",
        "from tests.factories import EnterpriseFactory; EnterpriseFactory(region=__import__('enterprises.models')"
        ".models.Region.objects.get(code='530100'))",
    )
    count = "from measures.models import Progress; print(Progress.objects.count())"
    assert manage(embedded_env, "shell", "-c", count).strip() == "0"
    log = tmp_path / "worker.log"
    worker = subprocess.Popen(
        [str(CELERY), "-A", "reform_portal", "worker", "--beat", "--pool", "solo", "--loglevel", "INFO"],
        cwd=ROOT,
        env=embedded_env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        # when: the task is sent the way the portal sends it
        manage(
            embedded_env, "shell", "-c", "from measures.tasks import progress_ensure_all; progress_ensure_all.delay()"
        )
        # then: the worker picks it up from the filesystem queue and creates the rows
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if manage(embedded_env, "shell", "-c", count).strip() == "13":
                break
            time.sleep(1)
        output = log.read_text()
        assert manage(embedded_env, "shell", "-c", count).strip() == "13", output
        assert "filesystem" in output and "beat: Starting" in output
    finally:
        worker.terminate()
        worker.wait(timeout=30)


def test_rollup_on_sqlite_equals_an_independent_computation(embedded_env):
    # given the embedded SQLite portal with the demo data (no triggers there: the rollup rebuilds the tallies)
    for command in ("migrate --noinput", "load_regions", "load_catalogue", "seed_demo"):
        manage(embedded_env, *command.split())
    # when the operators' command runs the full rollup
    assert "2 parts" in manage(embedded_env, "rollup")
    # then every document's province-wide figures equal a row-by-row computation in Python
    check = (
        "from django.utils import timezone; from measures.models import PolicyDocument;"
        "from reporting.models import RollupSnapshot;"
        "from tests.reporting.rollup_data import assert_figures_equal, expected_figures, snapshot_figures;"
        "docs = list(PolicyDocument.objects.all());"
        "[assert_figures_equal(snapshot_figures(RollupSnapshot.objects.get(day=timezone.localdate(), document=d,"
        " prefecture=None, measure=None, ownership=None, industry=None)), expected_figures(d)) for d in docs];"
        "print('agree', len(docs))"
    )
    assert manage(embedded_env, "shell", "-c", check).strip() == "agree 2"
