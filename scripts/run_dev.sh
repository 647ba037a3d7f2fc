#!/usr/bin/env bash
# Serve the portal with a Celery worker and beat beside it; on Ctrl-C (or any exit) stop them all and, when no
# DATABASE_URL is set, the embedded PostgreSQL server in VAR_DIR/postgres that they shared.
set -euo pipefail
PY=${PY:-.venv/bin/python}
CELERY="$(dirname "$PY")/celery"
WORKER=""

stop_all() {
  trap - EXIT INT TERM
  if [ -n "$WORKER" ]; then
    kill "$WORKER" 2>/dev/null || true
    wait "$WORKER" 2>/dev/null || true
  fi
  # Each process stops the server when it is the last to leave; this also covers one that was killed outright.
  if [ -z "${DATABASE_URL:-}" ]; then
    "$PY" -m reform_portal.embedded_postgres stop || true
  fi
}
trap stop_all EXIT INT TERM

# One worker for every queue (no -Q: it takes all of settings.CELERY_QUEUE_NAMES: celery, rollups, jobs, notifications);
# on several machines each queue gets workers of its own (README, "Several machines").
"$CELERY" -A reform_portal worker --beat --loglevel INFO --concurrency 2 &
WORKER=$!
echo "产改通: http://${HOST:-127.0.0.1}:${PORT:-8000}/"
"$PY" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
