"""The main job on the offline demo: the demo release, a cache filled from it, the notebooks,
and JupyterLab started on the quickstart notebook."""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path

from .data import VBNCache
from .data.demo import is_demo_release, write_demo_release
from .data.demo_nwb.plan import DEFAULT_DURATION_S, NwbOptions

DATA_ENV = "VBN_WIDGETS_DATA"
TABLES = ("ecephys_sessions", "behavior_sessions", "probes", "channels", "units")
FIRST_NOTEBOOK = "01_quickstart.ipynb"
_PACKAGE = Path(__file__).resolve().parent


def default_data_dir() -> Path:
    """``$VBN_WIDGETS_DATA``, else ``~/.cache/vbn-widgets/demo``."""
    return Path(os.environ.get(DATA_ENV) or Path.home() / ".cache" / "vbn-widgets" / "demo")


@dataclass(frozen=True)
class DemoData:
    release: Path  # the "bucket": a folder laid out like S3
    cache_dir: Path  # an AllenSDK-layout cache filled from it

    @property
    def root(self) -> Path:
        return self.cache_dir.parent

    def cache(self) -> VBNCache:
        """A cache over the demo release, on the manifest it last used (the latest at first)."""
        cache = VBNCache.from_mirror(self.release, self.cache_dir)
        _ = cache.manifest  # chosen now, so the cache shows which release it is on
        return cache


def demo_nwb_options(scale: float = 1.0) -> NwbOptions:
    """The genuine NWB files of the demo: at full scale four 20.5-minute ecephys sessions (two
    mice, each on its Familiar and Novel day) with genuine LFP files (30 s) for two probes each;
    a scaled-down demo (tests) gets one short session (~2.5 minutes) with one 5 s LFP file."""
    if scale >= 1.0:
        return NwbOptions(sessions=4, duration_s=DEFAULT_DURATION_S, lfp_s=30.0, lfp_probes=2)
    return NwbOptions(
        sessions=1, duration_s=60.0, lfp_s=5.0, lfp_probes=1, behavior_duration_s=120.0
    )


def ensure_demo_data(
    data_dir: str | os.PathLike[str] | None = None,
    *,
    scale: float = 1.0,
    nwb: NwbOptions | None = None,
) -> DemoData:
    """Write the demo release if it is missing, then download and load its five tables once.

    ``nwb`` says which sessions get genuine NWB files (default :func:`demo_nwb_options`).
    A release already in ``data_dir`` (default :func:`default_data_dir`) is used whatever its
    scale: notebooks call this in their first cell, and a second run writes nothing.
    """
    root = Path(data_dir or default_data_dir()).expanduser().resolve()
    release = root / "release"
    if not is_demo_release(release):
        nwb = demo_nwb_options(scale) if nwb is None else nwb
        write_demo_release(release, scale=scale, seed=0, nwb=nwb)
    demo = DemoData(release, root / "cache")
    cache = demo.cache()
    cache.load_latest_manifest()
    for table in TABLES:
        cache.download(table)
    cache.get_unit_table()  # builds the columnar sidecar, so the first real load is warm
    return demo


# ---- notebooks --------------------------------------------------------------------------------


def packaged_notebooks() -> Path | None:
    """Where the notebooks ship: ``notebooks/`` of a source checkout (an editable install),
    else ``vbn_widgets/notebooks`` inside an installed wheel; None when neither has them."""
    checkout = _PACKAGE.parent
    if (checkout / "pyproject.toml").is_file() and (
        checkout / "notebooks" / FIRST_NOTEBOOK
    ).is_file():
        return checkout / "notebooks"
    if (_PACKAGE / "notebooks" / FIRST_NOTEBOOK).is_file():
        return _PACKAGE / "notebooks"
    return None


def copy_notebooks(source: Path, target: Path) -> list[str]:
    """Copy the notebooks (and README) that ``target`` lacks; never overwrite one. Returns the
    names copied."""
    target.mkdir(parents=True, exist_ok=True)
    copied = []
    for item in sorted(source.iterdir()):
        if item.suffix in (".ipynb", ".md") and not (target / item.name).exists():
            shutil.copyfile(item, target / item.name)
            copied.append(item.name)
    return copied


def prepare_notebooks(demo: DemoData) -> Path:
    """The folder JupyterLab opens: a source checkout's ``notebooks/`` itself; from a wheel,
    ``<data dir>/notebooks``, where missing notebooks are copied and existing ones (perhaps
    edited by the user) are left alone."""
    source = packaged_notebooks()
    if source is None:
        raise FileNotFoundError(
            f"no notebooks in {_PACKAGE.parent / 'notebooks'} or {_PACKAGE / 'notebooks'}"
        )
    if source != _PACKAGE / "notebooks":
        return source
    copy_notebooks(source, demo.root / "notebooks")
    return demo.root / "notebooks"


# ---- JupyterLab -------------------------------------------------------------------------------


def free_port(preferred: int = 8888) -> int:
    """``preferred`` when nothing listens on it, else a free port the system picks."""
    for port in (preferred, 0):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            try:
                s.bind(("127.0.0.1", port))
            except OSError:
                continue
            return s.getsockname()[1]
    raise OSError("no free TCP port on 127.0.0.1")


def lab_command(
    notebooks: Path, demo: DemoData, *, port: int, token: str, browser: bool
) -> list[str]:
    """This interpreter's ``jupyter lab`` on ``notebooks``, allowed to download into the demo."""
    cmd = [
        sys.executable,
        "-m",
        "jupyterlab",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--ServerApp.root_dir={notebooks}",
        f"--IdentityProvider.token={token}",
        f"--LabApp.default_url=/lab/tree/{FIRST_NOTEBOOK}",
        f"--VBNWidgets.cache_roots={demo.root}",
    ]
    if not browser:
        cmd.append("--no-browser")
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        cmd.append("--allow-root")  # containers often run as root; Jupyter refuses otherwise
    return cmd


def _answers(url: str, timeout: float = 2.0) -> bool:
    try:
        with urllib.request.urlopen(url, timeout=timeout) as reply:  # noqa: S310 - our own server
            return reply.status == 200
    except (urllib.error.URLError, OSError):
        return False


def stop(process: subprocess.Popen, timeout: float = 20.0) -> int:
    """SIGTERM (Jupyter shuts its kernels down), then SIGKILL after ``timeout``; its exit code."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=timeout)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)  # kernels left in its session, if any
    return process.returncode


def run_lab(demo: DemoData, notebooks: Path, *, port: int | None, browser: bool) -> int:
    """Start JupyterLab on the quickstart notebook, print its URL, wait until Ctrl-C."""
    port = free_port() if port is None else port
    token = secrets.token_hex(24)
    log_path = demo.root / "jupyter-lab.log"
    env = {**os.environ, DATA_ENV: str(demo.root)}
    env.pop("JUPYTER_TOKEN", None)
    cmd = lab_command(notebooks, demo, port=port, token=token, browser=browser)
    base = f"http://127.0.0.1:{port}"
    with log_path.open("ab") as log:
        process = subprocess.Popen(  # noqa: S603 - our own interpreter, fixed arguments
            cmd,
            cwd=notebooks,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        deadline = time.monotonic() + 120
        while not _answers(f"{base}/api/status?token={token}"):
            if process.poll() is not None or time.monotonic() > deadline:
                tail = log_path.read_text(errors="replace")[-3000:]
                print(f"JupyterLab did not start (log: {log_path}):\n{tail}", file=sys.stderr)
                stop(process)
                return 1
            time.sleep(0.2)
        print(f"JupyterLab is running (log: {log_path}). Open:", flush=True)
        print(f"    {base}/lab/tree/{FIRST_NOTEBOOK}?token={token}", flush=True)
        print("Press Ctrl-C to stop it.", flush=True)
        process.wait()
        return process.returncode or 0
    except KeyboardInterrupt:
        print("Stopping JupyterLab ...", flush=True)
        stop(process)
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        stop(process)


def _interrupt(_signum: int, _frame: object) -> None:
    raise KeyboardInterrupt
