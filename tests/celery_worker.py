"""A real Celery worker for a test: started on Redis and the test database, polled until a condition holds, stopped.

    from tests.celery_worker import celery_worker

    @pytest.fixture
    def worker(settings, tmp_path):
        with celery_worker(tmp_path, queues=["jobs"]) as started:
            yield started

    def test_...(worker):
        job = worker.wait_for(lambda: Job.objects.filter(pk=pk, finished=True).first(), "the job did not finish")

The worker is a separate process: it reads the environment, not the test's settings. It gets the test database
(`DATABASE_URL` from the test's connection), the broker (`REDIS_URL`: the settings' broker unless given), the suite's
lagging grace period, and whatever `env` adds (MEDIA_ROOT, a settings module of the test's own, ...). Its output goes
to `<log_dir>/worker.log`, quoted when it dies or a wait times out.
"""

import contextlib
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection

ROOT = Path(__file__).resolve().parents[1]


def database_url(settings_dict=None) -> str:
    """The URL of the test database (what `connection` uses), for a process started by the test."""
    db = settings_dict or connection.settings_dict
    return f"postgres://{db['USER']}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class Worker:
    """A running `celery worker` process and its log."""

    def __init__(self, proc: subprocess.Popen, log: Path, new_session: bool):
        self.proc = proc
        self.log = log
        self.new_session = new_session

    @property
    def pid(self) -> int:
        return self.proc.pid

    def poll(self):
        return self.proc.poll()

    def log_text(self, last: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-last:] if self.log.exists() else ""

    def wait_for(self, condition, what: str, timeout: float = 90, interval: float = 0.2):
        """Poll `condition` until it returns something true, and return that; fail with the worker's log when the
        worker dies or `timeout` seconds pass (`what` says what did not happen)."""
        deadline = time.monotonic() + timeout
        while True:
            value = condition()
            if value:
                return value
            if self.proc.poll() is not None:
                pytest.fail(f"the Celery worker died ({what}):\n{self.log_text()}")
            if time.monotonic() > deadline:
                pytest.fail(f"{what} within {timeout}s; worker log:\n{self.log_text()}")
            time.sleep(interval)

    def kill(self) -> None:
        """SIGKILL the worker (with its pool, if it runs in a session of its own) and reap it."""
        if self.proc.poll() is None:
            if self.new_session:
                os.killpg(self.proc.pid, signal.SIGKILL)
            else:
                self.proc.kill()
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        """Warm shutdown (SIGTERM), then SIGKILL after 20 s."""
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.kill()
        if self.new_session and self.proc.poll() is not None:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self.proc.pid, signal.SIGKILL)  # a pool process left behind


def start_worker(
    log_dir: Path,
    *,
    queues: list[str] | None = None,
    concurrency: int = 1,
    redis_url: str | None = None,
    env: dict | None = None,
    name: str = "test",
    new_session: bool = False,
    database: str | None = None,
) -> Worker:
    """Start `celery -A reform_portal worker` on `queues` (all of Celery's default `celery` queue when None) with
    the test database; in a session of its own if `new_session` (so that a test can kill it with its pool)."""
    broker = redis_url or settings.CELERY_BROKER_URL
    if not broker.startswith("redis://"):
        pytest.fail("REDIS_URL must point at a real Redis for a test with a Celery worker")
    full_env = {
        **os.environ,
        "DATABASE_URL": database or database_url(),
        "REDIS_URL": broker,
        # The suite's fixture sets the grace period to 0 in the settings; the worker reads the environment.
        "LAGGING_GRACE_DAYS": str(settings.LAGGING_GRACE_DAYS),
        **(env or {}),
    }
    command = [sys.executable, "-m", "celery", "-A", "reform_portal", "worker", "--concurrency", str(concurrency)]
    command += ["--loglevel", "INFO", "--without-heartbeat", "--without-gossip", "--without-mingle"]
    command += ["-n", f"{name}-{os.getpid()}@%h"]
    if queues:
        command += ["-Q", ",".join(queues)]
    log_dir.mkdir(parents=True, exist_ok=True)
    log = log_dir / "worker.log"
    with log.open("w") as out:
        proc = subprocess.Popen(
            command, cwd=ROOT, env=full_env, stdout=out, stderr=subprocess.STDOUT, start_new_session=new_session
        )
    return Worker(proc, log, new_session)


@contextlib.contextmanager
def celery_worker(log_dir: Path, **options):
    """`start_worker(log_dir, **options)`, stopped when the block ends."""
    worker = start_worker(log_dir, **options)
    try:
        yield worker
    finally:
        worker.stop()
