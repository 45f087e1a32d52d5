#!/usr/bin/env bash
# The whole test suite: lint, JS type check and unit tests, the wheel's contents, then pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.venv/bin:$PATH"
ruff check vbn_widgets tests bench
ruff format --check vbn_widgets tests bench
(cd js && npm run --silent typecheck && npx vitest run --reporter=dot)
rm -rf dist && uv build --quiet --wheel --out-dir dist 2>&1 | grep -v "is ignored" || true
python scripts/check_wheel.py dist
mkdir -p .pytest-tmp
status=0
python -m pytest --basetemp=.pytest-tmp/run -p no:cacheprovider "$@" || status=$?
if [ "$status" -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi
exit "$status"
