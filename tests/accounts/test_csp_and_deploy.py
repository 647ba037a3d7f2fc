"""The Content-Security-Policy header, no inline handler left in a template, and `check --deploy` clean with the
second factor and the policy on (a subprocess with DEBUG=0, as production starts)."""

import os
import re
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import make_officer

ROOT = Path(__file__).resolve().parents[2]


def _policy(response) -> dict[str, set[str]]:
    header = response["Content-Security-Policy"]
    return {d.split()[0]: set(d.split()[1:]) for d in header.split(";") if d.strip()}


@pytest.mark.django_db
def test_pages_carry_the_policy(client):
    client.force_login(make_officer("t-csp"))
    policy = _policy(client.get("/"))
    assert policy["default-src"] == {"'self'"}
    assert policy["script-src"] == {"'self'"}  # no inline script, no eval
    assert policy["style-src"] == {"'self'"}
    assert policy["frame-ancestors"] == {"'none'"}
    assert policy["form-action"] == {"'self'"}
    assert policy["object-src"] == {"'none'"}
    assert policy["base-uri"] == {"'self'"}
    assert _policy(client.get("/login/"))["script-src"] == {"'self'"}


@pytest.mark.django_db
def test_swagger_ui_runs_under_its_own_policy(client):
    client.force_login(make_officer("t-csp-docs"))
    response = client.get("/api/docs/")
    assert response.status_code == 200
    assert "<script>" not in response.content.decode()  # its settings come as a script file
    policy = _policy(response)
    assert policy["script-src"] == {"'self'"} and "'unsafe-inline'" in policy["style-src"]


INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.IGNORECASE)
INLINE_SCRIPT = re.compile(r"<script(?![^>]*(?:\ssrc=|type=\"application/json\"))[^>]*>", re.IGNORECASE)


def test_no_template_carries_inline_script():
    found = []
    for path in sorted(ROOT.glob("**/templates/**/*.html")):
        if ".venv" in path.parts:
            continue
        text = path.read_text(encoding="utf-8")
        found += [f"{path.relative_to(ROOT)}: {m.group(0)[:60]}" for m in INLINE_HANDLER.finditer(text)]
        found += [f"{path.relative_to(ROOT)}: {m.group(0)[:60]}" for m in INLINE_SCRIPT.finditer(text)]
    assert not found, "\n".join(found)


def test_the_scan_sees_an_inline_handler():
    assert INLINE_HANDLER.search('<select name="x" onchange="this.form.submit()">')
    assert INLINE_SCRIPT.search("<script>alert(1)</script>")
    assert not INLINE_SCRIPT.search('<script type="application/json" id="x">{}</script>')


def test_check_deploy_is_clean_with_two_factor_and_csp():
    env = {
        **os.environ,
        "DEBUG": "0",
        "SECRET_KEY": secrets.token_urlsafe(50)[:50],
        "ALLOWED_HOSTS": "x",
        "TWO_FACTOR_REQUIRED_ROLES": "admin,sasac",
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)  # the browser tests set it in this process; production never
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    # the policy and the second factor are really on in that configuration
    probe = subprocess.run(
        [
            sys.executable,
            "-c",
            "import django; django.setup(); from django.conf import settings as s; "
            "print('csp.middleware.CSPMiddleware' in s.MIDDLEWARE, 'django_otp.middleware.OTPMiddleware' in "
            "s.MIDDLEWARE, s.TWO_FACTOR_REQUIRED_ROLES, s.SESSION_COOKIE_SECURE)",
        ],
        cwd=ROOT,
        env={**env, "DJANGO_SETTINGS_MODULE": "reform_portal.settings"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.stdout.strip().splitlines()[-1] == "True True ['admin', 'sasac'] True", probe.stdout + probe.stderr
