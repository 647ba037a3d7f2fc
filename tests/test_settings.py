"""Production settings pass Django's deployment checks; a missing secret is refused."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def manage(*args, **env):
    inherited = {"DEBUG", "SECRET_KEY", "DJANGO_SETTINGS_MODULE", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    base = {k: v for k, v in os.environ.items() if k not in inherited}
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env={**base, **env}, capture_output=True, text=True, timeout=120
    )


def test_check_deploy_is_clean_with_debug_off_and_a_real_secret():
    result = manage(
        "check",
        "--deploy",
        "--fail-level",
        "DEBUG",
        DEBUG="0",
        SECRET_KEY="x" * 20 + "9f$Kq2!LmZ" * 5,
        ALLOWED_HOSTS="portal.example.gov.cn",
    )
    assert result.returncode == 0, result.stderr + result.stdout
    assert "no issues" in result.stdout


def test_debug_off_without_a_secret_refuses_to_start():
    result = manage("check", DEBUG="0")
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr


def test_without_redis_the_web_server_sees_the_rollups_of_the_worker(tmp_path):
    # given two processes of the no-Redis default (the web server and the worker of `make run`)
    def generation(code: str) -> str:
        env = {k: v for k, v in os.environ.items() if k not in {"REDIS_URL", "CELERY_BROKER_URL"}}
        env.update(VAR_DIR=str(tmp_path), DEBUG="1")
        result = subprocess.run(
            [
                sys.executable,
                "manage.py",
                "shell",
                "-c",
                f"from reporting import rollup; {code}; print(rollup.generation())",
            ],
            cwd=ROOT,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert result.returncode == 0, result.stderr
        return result.stdout.strip().splitlines()[-1]

    # when the worker finishes a rollup part (which bumps the dashboard's cache generation)
    bumped = generation("rollup._current_generation_bump()")
    # then the web server's dashboard keys change with it
    assert generation("pass") == bumped
