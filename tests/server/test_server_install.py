"""The extension is enabled by the shipped enable file: in the dev venv and from the built wheel.

`jupyter server extension list` lists the user, sys.prefix and system config dirs; the enable file
lands in ``<sys.prefix>/etc/jupyter/jupyter_server_config.d/`` through the wheel's shared-data.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import jupyter_server
import pytest

import vbn_widgets

REPO = Path(__file__).resolve().parents[2]
ENABLE_FILE = REPO / "jupyter-config" / "jupyter_server_config.d" / "vbn_widgets.json"
DATA_FILE = "etc/jupyter/jupyter_server_config.d/vbn_widgets.json"
ANSI = re.compile(r"\x1b\[[0-9;]*m")
HEAVY = ("pandas", "numpy", "plotly", "ipywidgets", "anywidget", "boto3", "pyarrow")


def uv() -> str:
    found = Path(sys.executable).with_name("uv")
    if found.exists():
        return str(found)
    which = shutil.which("uv")
    if which is None:
        pytest.fail("uv is needed to build and install the wheel (it is in the dev venv)")
    return which


def uv_run(*args: str) -> None:
    subprocess.run([uv(), *args], check=True, capture_output=True, timeout=600)


def extension_list(python: Path, config_dir: Path) -> dict[str, str]:
    """{config dir: its section of `jupyter server extension list`} for one interpreter."""
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(config_dir), "JUPYTER_PLATFORM_DIRS": "1"}
    env.pop("JUPYTER_CONFIG_PATH", None)
    done = subprocess.run(
        [str(python.with_name("jupyter")), "server", "extension", "list"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=True,
    )
    text = ANSI.sub("", done.stdout + done.stderr)
    sections: dict[str, str] = {}
    for chunk in re.split(r"^Config dir: ", text, flags=re.MULTILINE)[1:]:
        head, _, body = chunk.partition("\n")
        sections[head.strip()] = body
    return sections


def enabled_and_ok(section: str) -> bool:
    return bool(
        re.search(r"^\s+vbn_widgets enabled$", section, re.MULTILINE)
        and re.search(rf"^\s+vbn_widgets {re.escape(vbn_widgets.__version__)} OK$", section, re.M)
    )


def test_enable_file_enables_the_package():
    assert json.loads(ENABLE_FILE.read_text()) == {
        "ServerApp": {"jpserver_extensions": {"vbn_widgets": True}}
    }
    points = vbn_widgets._jupyter_server_extension_points()
    assert [p["module"] for p in points] == ["vbn_widgets.server"]


def test_loading_the_extension_imports_nothing_heavy():
    code = (
        "import sys, vbn_widgets\n"
        "points = vbn_widgets._jupyter_server_extension_points()\n"
        "points[0]['app']\n"
        f"print(','.join(m for m in {HEAVY!r} if m in sys.modules))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stdout.strip() == ""


def test_dev_venv_lists_the_extension_enabled(tmp_path):
    sections = extension_list(Path(sys.executable), tmp_path / "empty-config")
    prefix = str(Path(sys.prefix) / "etc" / "jupyter")
    assert prefix in sections, sections.keys()
    assert enabled_and_ok(sections[prefix]), sections[prefix]
    assert (Path(sys.prefix) / DATA_FILE).read_bytes() == ENABLE_FILE.read_bytes()


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    uv_run("build", "--wheel", "--out-dir", str(out), str(REPO))
    (found,) = out.glob("vbn_widgets-*.whl")
    return found


def test_wheel_ships_the_enable_file_as_shared_data(wheel):
    version = vbn_widgets.__version__
    inside = f"vbn_widgets-{version}.data/data/{DATA_FILE}"
    with zipfile.ZipFile(wheel) as zf:
        assert zf.read(inside) == ENABLE_FILE.read_bytes()
        record = zf.read(f"vbn_widgets-{version}.dist-info/RECORD").decode()
        names = set(zf.namelist())
    # listed in RECORD, so an uninstall removes the installed copy again
    assert inside in {row[0] for row in csv.reader(io.StringIO(record)) if row}
    for module in ("__init__", "config", "handlers", "manager", "validate"):
        assert f"vbn_widgets/server/{module}.py" in names


def test_wheel_install_enables_it_and_uninstall_removes_it(wheel, tmp_path):
    venv = tmp_path / "venv"
    python = venv / "bin" / "python"
    # Only jupyter_server: validating the extension must not need pandas, plotly or anywidget.
    server = f"jupyter_server=={jupyter_server.__version__}"
    uv_run("venv", "-q", "--python", sys.executable, str(venv))
    uv_run("pip", "install", "-q", "--python", str(python), server)
    uv_run("pip", "install", "-q", "--python", str(python), "--no-deps", str(wheel))
    config = tmp_path / "empty-config"
    prefix = str(venv / "etc" / "jupyter")
    assert (venv / DATA_FILE).is_file()
    assert enabled_and_ok(extension_list(python, config)[prefix])

    uv_run("pip", "uninstall", "-q", "--python", str(python), "vbn-widgets")
    assert not (venv / DATA_FILE).exists()
    assert "vbn_widgets" not in extension_list(python, config)[prefix]
