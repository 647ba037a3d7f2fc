#!/usr/bin/env bash
# Serve the portal with a Celery worker and beat beside it; stop them all on Ctrl-C.
set -euo pipefail
PY=${PY:-.venv/bin/python}
CELERY="$(dirname "$PY")/celery"
"$CELERY" -A reform_portal worker --beat --loglevel INFO --concurrency 2 &
WORKER=$!
trap 'kill $WORKER 2>/dev/null || true; wait $WORKER 2>/dev/null || true' EXIT INT TERM
echo "产改通: http://${HOST:-127.0.0.1}:${PORT:-8000}/"
"$PY" manage.py runserver "${HOST:-127.0.0.1}:${PORT:-8000}"
