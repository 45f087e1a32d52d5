"""`vbn-widgets demo`: prepares the demo, starts JupyterLab on the quickstart notebook, prints its
URL with the token, and stops cleanly on Ctrl-C (SIGINT). Plus the notebook copy from a wheel."""

from __future__ import annotations

import json
import os
import re
import secrets
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from vbn_widgets.cli import main
from vbn_widgets.demo_job import DATA_ENV, DemoData, copy_notebooks, free_port, lab_command

CLI = Path(sys.executable).parent / "vbn-widgets"
URL = re.compile(r"(http://127\.0\.0\.1:(\d+))/lab/tree/01_quickstart\.ipynb\?token=([0-9a-f]+)")


def get(url: str, token: str | None = None) -> tuple[int, bytes]:
    request = urllib.request.Request(url)  # noqa: S310 - a local test server
    if token is not None:
        request.add_header("Authorization", f"token {token}")
    try:
        with urllib.request.urlopen(request, timeout=10) as reply:  # noqa: S310
            return reply.status, reply.read()
    except urllib.error.HTTPError as err:
        return err.code, b""


def read_lines(stream, lines: list[str]) -> None:
    for line in iter(stream.readline, ""):
        lines.append(line)


def test_demo_starts_lab_prints_url_and_stops_on_ctrl_c(tmp_path):
    home = tmp_path / "jupyter"
    env = {
        **os.environ,
        "JUPYTER_CONFIG_DIR": str(home / "config"),
        "JUPYTER_DATA_DIR": str(home / "data"),
        "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
        "IPYTHONDIR": str(home / "ipython"),
        "JUPYTER_PLATFORM_DIRS": "1",
    }
    env.pop(DATA_ENV, None)
    data = tmp_path / "demo data"  # a space in the path must survive the command line
    port = free_port(0)
    cmd = [str(CLI), "demo", "--no-browser", "--port", str(port), "--data", str(data)]
    process = subprocess.Popen(
        [*cmd, "--scale", "0.02"],
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    lines: list[str] = []
    reader = threading.Thread(target=read_lines, args=(process.stdout, lines), daemon=True)
    reader.start()
    try:
        deadline = time.monotonic() + 180
        match = None
        while match is None and time.monotonic() < deadline and process.poll() is None:
            match = next((URL.search(line) for line in lines if URL.search(line)), None)
            time.sleep(0.1)
        assert match, "no URL printed; output:\n" + "".join(lines)
        base, printed_port, token = match.group(1), int(match.group(2)), match.group(3)
        assert printed_port == port
        assert get(f"{base}/api/status?token={token}")[0] == 200
        assert get(f"{base}/api/status")[0] in (401, 403)  # the token is needed
        status, body = get(f"{base}/api/contents/01_quickstart.ipynb?content=0", token)
        assert status == 200 and json.loads(body)["type"] == "notebook"
        status, body = get(f"{base}/vbn-widgets/api/status", token)
        assert status == 200
        assert str(data.resolve()) in json.loads(body)["cache_roots"]
        (server_info,) = (home / "runtime").glob("jpserver-*.json")
        lab_pid = json.loads(server_info.read_text())["pid"]
        assert (data / "release").is_dir() and (data / "cache").is_dir()

        process.send_signal(signal.SIGINT)  # Ctrl-C
        assert process.wait(timeout=60) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    reader.join(timeout=5)
    output = "".join(lines)
    assert "Stopping JupyterLab" in output
    with pytest.raises(ProcessLookupError):
        os.kill(lab_pid, 0)  # the server is gone, not orphaned
    with pytest.raises(urllib.error.URLError):
        urllib.request.urlopen(f"{base}/api/status", timeout=5)  # noqa: S310 - nothing listens


def test_lab_command_points_jupyter_at_the_demo(tmp_path):
    demo = DemoData(tmp_path / "release", tmp_path / "cache")
    token = secrets.token_hex(8)
    cmd = lab_command(tmp_path / "nb", demo, port=9999, token=token, browser=False)
    assert cmd[:3] == [sys.executable, "-m", "jupyterlab"]
    assert f"--ServerApp.root_dir={tmp_path / 'nb'}" in cmd
    assert f"--VBNWidgets.cache_roots={tmp_path}" in cmd
    assert "--ServerApp.port=9999" in cmd and "--no-browser" in cmd
    assert f"--IdentityProvider.token={token}" in cmd
    assert "--LabApp.default_url=/lab/tree/01_quickstart.ipynb" in cmd
    assert "--no-browser" not in lab_command(tmp_path, demo, port=1, token=token, browser=True)


def test_notebooks_from_a_wheel_are_copied_once_and_edits_are_kept(tmp_path):
    packaged = Path(__file__).resolve().parents[1] / "notebooks"
    target = tmp_path / "notebooks"
    first = copy_notebooks(packaged, target)
    assert "01_quickstart.ipynb" in first and "README.md" in first
    edited = target / "01_quickstart.ipynb"
    edited.write_text("my edits")
    (target / "02_quality_metrics.ipynb").unlink()
    assert copy_notebooks(packaged, target) == ["02_quality_metrics.ipynb"]
    assert edited.read_text() == "my edits"


def test_bad_options_are_reported(capsys):
    assert main(["demo", "--port", "70000", "--no-lab"]) == 1
    assert "--port must be in 1..65535, got 70000" in capsys.readouterr().err
    assert main(["demo", "--help"]) == 0
    out = capsys.readouterr().out
    for option in ("--data", "--port", "--no-browser", "--no-lab"):
        assert option in out
    assert "--scale" not in out  # advanced, hidden
    assert "--full-length" in out  # the benchmark's one real-length genuine session
    assert "--nwb-sessions" not in out
