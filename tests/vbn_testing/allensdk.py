"""Run code in the AllenSDK 2.16.2 venv (``.venv-allensdk``, built by ``scripts/allensdk_venv.sh``).

AllenSDK pins old numpy/pandas, so it cannot live in the project's venv; tests hand it a snippet
to run in its own interpreter and get JSON (and, for tables, parquet files) back::

    result = run_allensdk(SNIPPET, args={"path": str(nwb)}, timeout=600)

The snippet sees ``args`` (a dict), ``out_dir`` (a pathlib.Path for parquet files) and sets
``result`` to something JSON can encode (pandas' NA/NaT become null, numpy values plain
numbers or lists, anything else its str). ``require_allensdk()`` skips the calling test cleanly
when the venv is absent.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
VENV_ENV = "VBN_ALLENSDK_VENV"
_PRELUDE = """
import json, pathlib, sys, warnings
warnings.simplefilter("ignore")
args = json.loads(pathlib.Path(sys.argv[1]).read_text())
out_dir = pathlib.Path(sys.argv[2])
result = None
"""
_EPILOGUE = """
def _plain(value):
    import numpy, pandas
    if value is pandas.NA or value is pandas.NaT:
        return None
    if isinstance(value, numpy.generic):
        return value.item()
    if isinstance(value, numpy.ndarray):
        return value.tolist()
    return str(value)
pathlib.Path(sys.argv[3]).write_text(json.dumps(result, default=_plain))
"""


def allensdk_python() -> Path:
    """The venv's interpreter (``$VBN_ALLENSDK_VENV`` or ``<checkout>/.venv-allensdk``)."""
    venv = Path(os.environ.get(VENV_ENV) or ROOT / ".venv-allensdk")
    return venv / "bin" / "python"


def allensdk_available() -> bool:
    python = allensdk_python()
    if not python.is_file():
        return False
    probe = subprocess.run(
        [str(python), "-c", "import allensdk"], capture_output=True, timeout=120, check=False
    )
    return probe.returncode == 0


def require_allensdk() -> Path:
    if not allensdk_available():
        pytest.skip(f"AllenSDK venv not built ({allensdk_python()}): run scripts/allensdk_venv.sh")
    return allensdk_python()


def run_allensdk(
    snippet: str, args: dict | None = None, timeout: float = 900
) -> tuple[object, Path]:
    """Run ``snippet`` in the AllenSDK venv; returns (its ``result``, the folder of its files).
    A failing snippet raises AssertionError with its stderr."""
    python = require_allensdk()
    work = Path(tempfile.mkdtemp(prefix="allensdk-"))
    (work / "args.json").write_text(json.dumps(args or {}))
    (work / "snippet.py").write_text(_PRELUDE + textwrap.dedent(snippet) + _EPILOGUE)
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    done = subprocess.run(
        [str(python), str(work / "snippet.py"), str(work / "args.json"), str(work),
         str(work / "result.json")],
        capture_output=True, text=True, timeout=timeout, env=env, check=False, cwd=work,
    )  # fmt: skip
    if done.returncode != 0:
        raise AssertionError(f"AllenSDK snippet failed ({done.returncode}):\n{done.stderr[-6000:]}")
    return json.loads((work / "result.json").read_text()), work
