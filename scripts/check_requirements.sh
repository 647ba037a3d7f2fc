#!/usr/bin/env bash
# A server installed from requirements.txt alone (no dev requirements) runs: in a fresh virtualenv, `manage.py check`,
# migrations, gunicorn serving the login page, and a Celery worker on Redis that runs a real task against PostgreSQL.
#
#   DATABASE_URL=postgres://postgres@127.0.0.1:5432/reform_portal_requirements \
#   REDIS_URL=redis://127.0.0.1:6379/13 scripts/check_requirements.sh
#
# The database is created if missing and migrated; the Redis db should be one nothing else uses (its queue is
# flushed). pip's cache is reused: with it warm the whole check takes about a minute and a half.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
export DATABASE_URL=${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/reform_portal_requirements}
export REDIS_URL=${REDIS_URL:-redis://127.0.0.1:6379/13}
export DJANGO_SETTINGS_MODULE=reform_portal.settings DEBUG=0
export SECRET_KEY=check-requirements-not-secret-0123456789abcdefghijklmnopqrstuvwxyz
export ALLOWED_HOSTS=127.0.0.1 SECURE_SSL_REDIRECT=0
PORT=${CHECK_PORT:-8093}

work=$(mktemp -d)
export STATIC_ROOT="$work/static"
worker_pid="" web_pid=""
cleanup() {
  for pid in $worker_pid $web_pid; do kill "$pid" 2>/dev/null || true; done
  for pid in $worker_pid $web_pid; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
fail() {
  echo "check_requirements: $*" >&2
  for log in "$work"/*.log; do [ -f "$log" ] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }; done
  exit 1
}
step() { echo "check_requirements [${SECONDS}s]: $*"; }

step "fresh virtualenv, pip install -r requirements.txt (nothing else)"
"$PYTHON" -m venv "$work/venv"
"$work/venv/bin/pip" install --quiet --disable-pip-version-check -r requirements.txt
py="$work/venv/bin/python"

step "manage.py check, migrate $DATABASE_URL"
"$py" - <<'EOF'
# Create the database named by DATABASE_URL if it does not exist yet.
import os
from urllib.parse import urlparse

import psycopg2

url = urlparse(os.environ["DATABASE_URL"])
name = url.path.lstrip("/")
conn = psycopg2.connect(url._replace(path="/postgres").geturl())
conn.autocommit = True
with conn.cursor() as cursor:
    cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
    if cursor.fetchone() is None:
        cursor.execute(f'CREATE DATABASE "{name}"')
conn.close()
EOF
"$py" manage.py check
"$py" manage.py migrate --noinput >"$work/migrate.log" 2>&1 || fail "migrate failed"

step "collectstatic, gunicorn serves the login page"
"$py" manage.py collectstatic --noinput >"$work/collectstatic.log" 2>&1 || fail "collectstatic failed"
"$work/venv/bin/gunicorn" reform_portal.wsgi -b "127.0.0.1:$PORT" -w 1 >"$work/gunicorn.log" 2>&1 &
web_pid=$!
status=""
for _ in $(seq 60); do
  status=$("$py" -c "import sys, urllib.request as u; print(u.urlopen(sys.argv[1], timeout=5).status)" \
    "http://127.0.0.1:$PORT/login/" 2>/dev/null || true)
  [ "$status" = 200 ] && break
  sleep 0.5
done
[ "$status" = 200 ] || fail "gunicorn: GET /login/ answered '$status', not 200"

step "Celery worker on $REDIS_URL runs a task"
"$py" -c "import redis, os; redis.Redis.from_url(os.environ['REDIS_URL']).flushdb()"
"$work/venv/bin/celery" -A reform_portal worker --loglevel INFO --concurrency 1 >"$work/worker.log" 2>&1 &
worker_pid=$!
WORKER_PID=$worker_pid "$py" - <<'EOF' || fail "the task did not succeed"
import os
import time

import django

django.setup()

from measures.tasks import progress_ensure_all

# The worker starts, takes the task from Redis, runs it against PostgreSQL and stores the result in Redis.
result = progress_ensure_all.delay()
deadline = time.monotonic() + 120
while not result.ready():
    os.kill(int(os.environ["WORKER_PID"]), 0)  # raises once the worker has died (e.g. an import it lacks)
    assert time.monotonic() < deadline, "no result after 120 s"
    time.sleep(0.5)
created = result.get()
assert result.successful() and isinstance(created, int), (result.state, created)
print(f"check_requirements: task {result.id} succeeded on the worker (created {created} progress rows)")
EOF
step "ok: requirements.txt alone serves the portal and runs a Celery worker"
