# 产改通: `make run` serves the portal, `make test` runs the whole suite.
SHELL := /bin/bash
VENV ?= .venv
PY := $(VENV)/bin/python
# 3.12 or 3.13 where found (coverage is cheaper there: scripts/find_python.sh), else python3
PYTHON ?= $(shell scripts/find_python.sh)
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/reform_portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15
TEST_WORKERS ?= 2
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) DEBUG=1
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install browser fonts setup run test lint bench vendor messages

$(VENV)/.installed: requirements.txt requirements-dev.txt scripts/find_python.sh
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed

# Debian's Chromium (never a browser downloaded by Playwright) and a CJK font for PDFs.
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -d /usr/share/fonts/opentype/noto ] || [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk fonts-wqy-zenhei >/dev/null; \
	  else echo "Install Debian's chromium, fonts-noto-cjk and fonts-wqy-zenhei (sudo apt-get install chromium fonts-noto-cjk fonts-wqy-zenhei)"; exit 1; fi; \
	fi

# A CJK font for the self-assessment PDFs (WenQuanYi Zen Hei; Noto Sans CJK also works).
fonts:
	@if [ ! -f /usr/share/fonts/truetype/wqy/wqy-zenhei.ttc ] && [ ! -d /usr/share/fonts/opentype/noto ]; then \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq fonts-wqy-zenhei >/dev/null; \
	  else echo "warning: no CJK font, PDF exports will fail: sudo apt-get install fonts-wqy-zenhei"; fi; \
	fi

setup: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_regions
	$(PY) manage.py load_catalogue
	$(PY) manage.py seed_demo
	$(PY) manage.py seed_assessment_demo
	$(PY) manage.py setup_schedule

run: setup fonts
	PY=$(PY) HOST=$(HOST) PORT=$(PORT) ./scripts/run_dev.sh

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/lint-imports --no-cache

test: install browser lint
	$(TEST_ENV) $(PY) manage.py check --fail-level WARNING
	$(TEST_ENV) $(PY) manage.py makemigrations --check --dry-run
	$(TEST_ENV) $(PY) manage.py spectacular --validate --fail-on-warn --file /dev/null
	$(TEST_ENV) $(PY) -m pytest -q -n $(TEST_WORKERS) --dist worksteal --cov --cov-report=term:skip-covered

# A database of its own (created and filled if missing: reform_portal_bench, or reform_portal_bench_1m for
# BENCH_ENTERPRISES=1000000), gunicorn and a Celery worker started by the bench; writes BENCHMARKS.md's section of
# that N (docs/performance/bench.md). BENCH_ARGS: more options of scripts/bench.py (e.g. --only pages).
BENCH_ENTERPRISES ?= 100000
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/reform_portal_bench$(if $(filter 1000000,$(BENCH_ENTERPRISES)),_1m,)
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/9
bench: install
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) BENCH_REDIS_URL=$(BENCH_REDIS_URL) $(PY) scripts/bench.py --enterprises $(BENCH_ENTERPRISES) $(BENCH_ARGS)

vendor:
	./scripts/vendor_static.sh

# The English catalogue: extract msgids (the Chinese strings), translate what is new or fuzzy in
# locale/en/LC_MESSAGES/django.po, run again to compile, commit django.po and django.mo (needs GNU gettext).
.PHONY: messages
messages: install
	$(PY) manage.py makemessages -l en --ignore=.venv --ignore=var --ignore=node_modules --ignore=static --ignore="tests/*"
	$(PY) manage.py compilemessages --ignore=.venv
