"""Loaded first (`-p tests.xdist_env` in pyproject's addopts), before pytest-django imports the settings.

Under pytest-xdist each worker process gets its own test database from pytest-django (a `_gwN` suffix); this gives
it its own Redis database too, so one worker's cache, broker queue and results are never another's (the dashboard's
cached figures of one worker's data would otherwise be read by the other's tests, and a real Celery worker started by
one could take the other's tasks). Worker gwN uses database 15 − N of the configured Redis server."""

import os
from urllib.parse import urlsplit, urlunsplit

_worker = os.environ.get("PYTEST_XDIST_WORKER", "")
_url = os.environ.get("REDIS_URL", "")
if _worker.startswith("gw") and _url:
    parts = urlsplit(_url)
    os.environ["REDIS_URL"] = urlunsplit(parts._replace(path=f"/{15 - int(_worker[2:])}"))
