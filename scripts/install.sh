#!/usr/bin/env bash
# Installs vbn-widgets for development into ./.venv (Python deps, JS deps, the JS build).
# Works on a fresh machine with python3 (>=3.10), node and npm; safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install --quiet --disable-pip-version-check uv 2>&1 | grep -v "is ignored" || true
(cd js && npm ci --no-audit --no-fund --loglevel=error)
(cd js && npm run --silent build)
.venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode -e ".[test]"
