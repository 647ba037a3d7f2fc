#!/usr/bin/env bash
# Prints the Python the virtualenv is made with: the first CPython 3.12 or 3.13 that runs (on PATH, or installed by
# pyenv), else python3. From 3.12 coverage measures through sys.monitoring (`core = "sysmon"` in pyproject.toml),
# which makes `make test` about a quarter faster than 3.11's tracer; the portal itself runs on 3.11 and later.
set -u
candidates=(python3.12 python3.13)
if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root 2>/dev/null)
  for v in "$root"/versions/3.12.* "$root"/versions/3.13.*; do candidates+=("$v/bin/python3"); done
fi
for p in "${candidates[@]}"; do
  if "$p" -c 'import sys, venv, ssl; sys.exit(sys.version_info[:2] not in ((3, 12), (3, 13)))' >/dev/null 2>&1; then
    command -v "$p"
    exit 0
  fi
done
echo python3
