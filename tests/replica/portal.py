"""The portal served by gunicorn in a process of its own, with the environment a test gives it (a replica, a
pooler), for tests that need settings the test process cannot have: `DATABASE_REPLICA_URL`, `DATABASE_POOLER`."""

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    """A port no one listens on now, chosen by the kernel (so that parallel test processes do not pick the same)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class PortalServer:
    def __init__(self, log_dir: Path, env: dict):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.log = log_dir / "gunicorn.log"
        self.env = env
        full_env = {
            **{k: v for k, v in os.environ.items() if k not in {"DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}},
            "DEBUG": "1",
            # what the suite's fixtures set in the test's own settings
            "LAGGING_GRACE_DAYS": str(settings.LAGGING_GRACE_DAYS),
            "TWO_FACTOR_REQUIRED_ROLES": "",
            **env,
        }
        with self.log.open("w") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "reform_portal.wsgi", "-b", f"127.0.0.1:{self.port}"]
                + ["-w", "1", "--threads", "2", "--timeout", "120"],
                cwd=ROOT,
                env=full_env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 120  # the first request loads the portal: slow on a busy machine
        while True:
            try:
                requests.get(f"{self.url}/login/", timeout=60)
                return
            except requests.RequestException:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    self.stop()
                    pytest.fail(f"gunicorn did not start:\n{self.log.read_text()[-3000:]}")
                time.sleep(0.2)

    def session(self, cookies) -> requests.Session:
        """A browser of this server with `cookies`: a Django test client's (signed in with force_login), or another
        browser's."""
        browser = requests.Session()
        for name, value in cookies.items():
            browser.cookies.set(name, getattr(value, "value", value))
        return browser

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
