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
# The e2e tests (tests/e2e) drive Debian's Chromium; Playwright cannot download browsers here.
if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null
    apt-get install -y -qq --no-install-recommends chromium >/dev/null
  else
    echo "install.sh: /usr/bin/chromium is missing and cannot be installed here (needs root and" \
      "apt-get): the e2e tests (tests/e2e) will fail. Install Debian's chromium package." >&2
  fi
fi
.venv/bin/uv pip install --quiet --python .venv/bin/python --compile-bytecode -e ".[test,e2e]"
# AllenSDK 2.16.2 in a venv of its own (it pins old numpy/pandas): tests/session/test_allensdk_agrees.py
# and tests/data/test_demo_nwb_allensdk.py check the demo files and our reader against it, and
# skip when it is missing.
bash scripts/allensdk_venv.sh || echo "install.sh: .venv-allensdk not built; the AllenSDK comparison tests will be skipped" >&2
