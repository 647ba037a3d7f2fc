"""The processes `make bench` measures through: gunicorn (2 workers, production settings: DEBUG=0) and a Celery
worker on the `jobs` queue, both on the bench database, started on a free port and stopped by the bench; and a
sampler of their resident memory (psutil when installed, else /proc)."""

import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
VENV_BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def server_env(database_url: str, redis_url: str, var_dir: Path) -> dict:
    """Production settings (DEBUG=0) on plain HTTP on the loopback: no HTTPS redirect, and no second factor (the
    bench's sessions are made directly, the login steps are not what it measures)."""
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
        "DEBUG": "0",
        "SECRET_KEY": "bench-only-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz-ABCDEFGHIJ",
        "SECURE_SSL_REDIRECT": "0",
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "TWO_FACTOR_REQUIRED_ROLES": "",
        "VAR_DIR": str(var_dir),
        "STATIC_ROOT": str(var_dir / "static"),
        "MEDIA_ROOT": str(var_dir / "media"),
        "DJANGO_SETTINGS_MODULE": "reform_portal.settings",
        "PYTHONUNBUFFERED": "1",
    }


class Processes:
    """gunicorn and the jobs worker; `stop()` ends exactly the processes it started (their process groups)."""

    def __init__(self, env: dict, log_dir: Path, web_workers: int = 2):
        self.env, self.log_dir, self.web_workers = env, log_dir, web_workers
        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.web = self.worker = None
        log_dir.mkdir(parents=True, exist_ok=True)

    def start(self):
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"], cwd=ROOT, env=self.env, check=True
        )
        self.web = subprocess.Popen(
            [
                str(VENV_BIN / "gunicorn"),
                "reform_portal.wsgi",
                "-b",
                f"127.0.0.1:{self.port}",
                "-w",
                str(self.web_workers),
                "--timeout",
                "120",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log_dir / "gunicorn.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.worker = subprocess.Popen(
            [
                str(VENV_BIN / "celery"),
                "-A",
                "reform_portal",
                "worker",
                "-Q",
                "jobs",
                "--concurrency",
                "1",
                "--loglevel",
                "INFO",
                "-n",
                f"bench-jobs-{self.port}@%h",
            ],
            cwd=ROOT,
            env=self.env,
            stdout=open(self.log_dir / "celery.log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if requests.get(self.base + "/login/", timeout=5).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.web.poll() is not None:
                raise RuntimeError(f"gunicorn exited: see {self.log_dir / 'gunicorn.log'}")
            time.sleep(0.5)
        else:
            raise RuntimeError("gunicorn did not answer within 60 s")
        self._wait_worker_ready()

    def _wait_worker_ready(self):
        log = self.log_dir / "celery.log"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if "ready." in log.read_text(errors="replace"):
                return
            if self.worker.poll() is not None:
                raise RuntimeError(f"the Celery worker exited: see {log}")
            time.sleep(0.5)
        raise RuntimeError("the Celery worker was not ready within 60 s")

    def web_worker_pids(self) -> list[int]:
        return children(self.web.pid)

    def job_worker_pids(self) -> list[int]:
        return [self.worker.pid, *children(self.worker.pid)]

    def stop(self):
        for process in (self.web, self.worker):
            if process is not None and process.poll() is None:
                try:
                    os.killpg(process.pid, 15)
                    process.wait(timeout=30)
                except (ProcessLookupError, subprocess.TimeoutExpired):
                    try:
                        os.killpg(process.pid, 9)
                    except ProcessLookupError:
                        pass


def children(pid: int) -> list[int]:
    try:
        import psutil

        return [c.pid for c in psutil.Process(pid).children(recursive=True)]
    except ImportError:
        out = subprocess.run(["pgrep", "-P", str(pid)], capture_output=True, text=True).stdout
        return [int(x) for x in out.split()]
    except Exception:
        return []


def rss_bytes(pid: int) -> int:
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss
    except ImportError:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except Exception:
        pass
    return 0


class PeakMemory:
    """While running: the highest resident memory of each of the processes `pids()` names (sampled every 20 ms),
    and what each held at the start."""

    def __init__(self, pids):
        self.pids, self.peak, self.start = pids, {}, {}
        self._stop = threading.Event()

    def __enter__(self):
        self.start = {pid: rss_bytes(pid) for pid in self.pids()}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()
        return self

    def _run(self):
        while not self._stop.is_set():
            for pid in self.pids():
                self.peak[pid] = max(self.peak.get(pid, 0), rss_bytes(pid))
            time.sleep(0.02)

    def __exit__(self, *exc):
        self._stop.set()
        self.thread.join()
        return False

    def worst(self) -> tuple[int, int]:
        """(peak, peak − start) of the process that grew most, in bytes."""
        if not self.peak:
            return 0, 0
        pid = max(self.peak, key=lambda p: self.peak[p] - self.start.get(p, self.peak[p]))
        return self.peak[pid], self.peak[pid] - self.start.get(pid, self.peak[pid])
