#!/usr/bin/env bash
# Builds .venv-allensdk: AllenSDK 2.16.2 on Python 3.11, from PyPI only, to check that the real
# reader opens the demo's NWB files (tests/data/test_demo_nwb_allensdk.py; tests/vbn_testing/allensdk.py).
# AllenSDK pins old numpy/pandas/scipy but leaves pynwb/hdmf open; the pins below are the releases
# of its time (autumn 2023: pynwb 2.5.0 caches NWB core 2.6.0-alpha, as the real files do), and
# statsmodels' newest 0.13 release, the first with Python 3.11 wheels. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${ALLENSDK_VENV:-.venv-allensdk}
UV=${UV:-.venv/bin/uv}
PYTHON=${PYTHON:-python3.11}
[ -x "$VENV/bin/python" ] || "$UV" venv --quiet --python "$PYTHON" "$VENV"
overrides=$(mktemp)
trap 'rm -f "$overrides"' EXIT
cat >"$overrides" <<'PINS'
statsmodels==0.13.5
pynwb==2.5.0
hdmf==3.10.0
ndx-events==0.2.0
PINS
"$UV" pip install --quiet --python "$VENV/bin/python" --override "$overrides" "allensdk==2.16.2"
"$VENV/bin/python" -c "import allensdk, pynwb, hdmf, numpy, pandas; print('allensdk', allensdk.__version__, 'pynwb', pynwb.__version__, 'hdmf', hdmf.__version__, 'numpy', numpy.__version__, 'pandas', pandas.__version__)"
