"""Helpers for the end-to-end tests: a real JupyterLab (or Notebook 7, or Voila) server driven
in headless Chromium.

The fixtures in conftest.py start one server per test session (`lab`, a `LabServer`) and give each
test a fresh browser context (`page`). A test writes a notebook into `lab.root` with
`write_notebook`, opens it with `open_notebook` (in a workspace of its own, see below), runs it with
`run_all` / `run_cell`, and reads results back with `cell_output_text` / `read_kernel_value`.

Workspaces: every page on one server shares the default workspace, so a new page would restore the
notebooks of earlier tests and locators could match the wrong notebook (a false pass).
`open_notebook` therefore opens each notebook in a workspace with a fresh random id and `?reset`,
and every locator of the returned `Notebook` is scoped to that notebook's `.jp-NotebookPanel`.

Execution state is read from JupyterLab's own models through `window.jupyterapp` (the server runs
with `--LabApp.expose_app_in_browser=True`): a cell has run when its execution count changed from
the value it had before the run, and the kernel is idle when the session's kernel says so *and* the
panel's execution indicator shows it. The DOM prompt (`[N]:`) is checked as well.

The same helpers drive Jupyter Notebook 7 (`start_server("notebook", ...)`: one notebook per page,
the same `window.jupyterapp`, no status bar). Voila (`start_server("voila", ...)`) runs every cell
itself when a page opens and shows only the outputs: `open_voila` opens a notebook there.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from vbn_widgets.demo_job import stop

if TYPE_CHECKING:
    from playwright.sync_api import Locator, Page

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = REPO_ROOT / "ci-artifacts" / "screenshots"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
TIMEOUT_S = 60.0
TIMEOUT_MS = int(TIMEOUT_S * 1000)
VALUE_MARKER = "VBN-E2E-VALUE:"
STDERR_MIME = "application/vnd.jupyter.stderr"

# --------------------------------------------------------------------------------------------
# The server


APPS = ("lab", "notebook", "voila")


@dataclass
class LabServer:
    """A running `jupyter lab`, `jupyter notebook` or `voila` (see `start_server`)."""

    url: str  # e.g. http://127.0.0.1:41234 (no trailing slash)
    token: str
    root: Path  # the server's root_dir: tests write their notebooks here
    home: Path  # the temp dir holding config/data/runtime/ipython dirs
    log_path: Path
    process: subprocess.Popen = field(repr=False)
    startup_seconds: float = 0.0
    app: str = "lab"  # one of APPS

    @property
    def config_dir(self) -> Path:
        return self.home / "config"

    @property
    def user_settings_dir(self) -> Path:
        return self.config_dir / "lab" / "user-settings"

    def workspace_url(self, notebook: str, workspace: str | None = None) -> str:
        """The URL that opens `notebook` alone: in JupyterLab in a fresh (or the given)
        workspace, in Notebook 7 in a page of its own, in Voila rendered."""
        if self.app == "notebook":
            return f"{self.url}/notebooks/{notebook}?token={self.token}"
        if self.app == "voila":
            return f"{self.url}/voila/render/{notebook}?token={self.token}"
        ws = workspace or f"e2e-{uuid.uuid4().hex}"
        return f"{self.url}/lab/workspaces/{ws}/tree/{notebook}?reset&token={self.token}"

    def api(self, method: str, path: str) -> Any:
        """A call to the server's REST API (path like "/api/kernels"); the decoded JSON or None."""
        import urllib.request

        req = urllib.request.Request(f"{self.url}{path}", method=method)  # noqa: S310
        req.add_header("Authorization", f"token {self.token}")
        with urllib.request.urlopen(req, timeout=30) as r:  # noqa: S310
            body = r.read()
        return json.loads(body) if body else None

    def shutdown_kernels(self) -> None:
        """Shut down every kernel (the page fixture does this after each test; Voila shuts a
        page's kernel down itself when the page goes)."""
        if self.app == "voila":
            return
        for kernel in self.api("GET", "/api/kernels"):
            self.api("DELETE", f"/api/kernels/{kernel['id']}")

    def reset_theme(self) -> None:
        """Forget a theme chosen by an earlier test: the next page loads the default (light)."""
        f = (
            self.user_settings_dir
            / "@jupyterlab"
            / "apputils-extension"
            / "themes.jupyterlab-settings"
        )
        f.unlink(missing_ok=True)


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_user_settings(config_dir: Path) -> None:
    settings = config_dir / "lab" / "user-settings" / "@jupyterlab"
    files = {
        # Without this, cells outside the viewport are painted lazily and locators miss them.
        "notebook-extension/tracker.jupyterlab-settings": '{"windowingMode": "none"}\n',
        # No news/update prompts (they would also try to reach the internet).
        "apputils-extension/notification.jupyterlab-settings": (
            '{"fetchNews": "false", "checkForUpdates": false}\n'
        ),
    }
    for rel, text in files.items():
        path = settings / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def _status_ok(url: str, token: str, app: str = "lab") -> bool:
    import urllib.error
    import urllib.request

    path = "/" if app == "voila" else "/api/status"  # Voila has no REST API: its tree page
    try:
        with urllib.request.urlopen(f"{url}{path}?token={token}", timeout=2) as r:  # noqa: S310
            return r.status == 200
    except (urllib.error.URLError, OSError):
        return False


def _command(app: str, jupyter: Path, port: int, token: str, root: Path) -> list[str]:
    """The command line that starts `app` on 127.0.0.1:`port` with `token`, serving `root`."""
    if app == "voila":
        return [
            str(jupyter.parent / "voila"),
            "--no-browser",
            "--Voila.ip=127.0.0.1",
            f"--Voila.port={port}",
            "--Voila.port_retries=0",
            f"--Voila.token={token}",
            f"--Voila.root_dir={root}",
            "--VoilaConfiguration.show_tracebacks=True",
        ]
    common = [
        "--no-browser",
        "--allow-root",
        "--ServerApp.ip=127.0.0.1",
        f"--ServerApp.port={port}",
        "--ServerApp.port_retries=0",
        f"--IdentityProvider.token={token}",
        f"--ServerApp.root_dir={root}",
    ]
    if app == "notebook":
        return [
            str(jupyter),
            "notebook",
            *common,
            "--JupyterNotebookApp.expose_app_in_browser=True",
        ]
    return [
        str(jupyter),
        "lab",
        *common,
        "--LabApp.news_url=None",
        "--LabApp.check_for_updates_class=jupyterlab.handlers.announcements.NeverCheckForUpdate",
        "--LabApp.expose_app_in_browser=True",
    ]


def start_lab(
    home: Path,
    root: Path,
    *,
    attempts: int = 3,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> LabServer:
    """Start `jupyter lab` from this interpreter's environment and wait for /api/status == 200.

    `home` gets the Jupyter config/data/runtime dirs and the IPython dir, `root` is the root_dir.
    `extra_args` go on the command line (e.g. server extension config); `env` is added to the
    server's environment, which its kernels inherit.
    Retries on a fresh port when the server dies early (e.g. the free port was taken meanwhile).
    """
    return start_server("lab", home, root, attempts=attempts, extra_args=extra_args, env=env)


def start_server(
    app: str,
    home: Path,
    root: Path,
    *,
    attempts: int = 3,
    extra_args: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
) -> LabServer:
    """`start_lab` for any of APPS: "lab", "notebook" (Jupyter Notebook 7) or "voila"."""
    if app not in APPS:
        raise ValueError(f"app must be one of {APPS}, got {app!r}")
    jupyter = Path(sys.executable).parent / "jupyter"
    needed = jupyter.parent / "voila" if app == "voila" else jupyter
    if not needed.exists():
        raise RuntimeError(f"{needed} missing: install the e2e extra (pip install -e '.[e2e]')")
    home.mkdir(parents=True, exist_ok=True)
    root.mkdir(parents=True, exist_ok=True)
    dirs = {
        "JUPYTER_CONFIG_DIR": home / "config",
        "JUPYTER_DATA_DIR": home / "data",
        "JUPYTER_RUNTIME_DIR": home / "runtime",
        "IPYTHONDIR": home / "ipython",
    }
    for d in dirs.values():
        d.mkdir(parents=True, exist_ok=True)
    _write_user_settings(dirs["JUPYTER_CONFIG_DIR"])
    extra_env = env or {}
    env = dict(os.environ)
    env.update({k: str(v) for k, v in dirs.items()})
    env["JUPYTER_PLATFORM_DIRS"] = "1"
    env["PATH"] = f"{jupyter.parent}{os.pathsep}{env.get('PATH', '')}"
    if os.environ.get("VBN_WIDGETS_DATA"):
        env["VBN_WIDGETS_DATA"] = os.environ["VBN_WIDGETS_DATA"]
    env.pop("JUPYTER_TOKEN", None)
    env.update(extra_env)

    last_error = ""
    for attempt in range(1, attempts + 1):
        port = free_port()
        token = uuid.uuid4().hex
        url = f"http://127.0.0.1:{port}"
        log_path = home / f"jupyter-{app}-{attempt}.log"
        cmd = [*_command(app, jupyter, port, token, root), *extra_args]
        t0 = time.monotonic()
        with log_path.open("wb") as log:
            proc = subprocess.Popen(
                cmd,
                env=env,
                cwd=root,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = t0 + TIMEOUT_S
        while time.monotonic() < deadline and proc.poll() is None:
            if _status_ok(url, token, app):
                return LabServer(
                    url=url,
                    token=token,
                    root=root,
                    home=home,
                    log_path=log_path,
                    process=proc,
                    startup_seconds=time.monotonic() - t0,
                    app=app,
                )
            time.sleep(0.1)
        stop_lab_process(proc)
        last_error = log_path.read_text(errors="replace")[-4000:]
    raise RuntimeError(f"{app} did not start after {attempts} attempts; log:\n{last_error}")


def stop_lab_process(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """terminate, wait, kill: the server and the kernels it started (its own process group)."""
    stop(proc, timeout=timeout)


# --------------------------------------------------------------------------------------------
# Notebooks


def write_notebook(root: Path, name: str, cells: list[str]) -> Path:
    """Write an nbformat v4.5 notebook (python3 kernelspec) of code cells; return its path.

    A cell whose source starts with '%%md\\n' becomes a markdown cell (without that line).
    The JSON is written directly: importing nbformat costs 2-3 s under pytest (jsonschema compiles
    a grammar at import) and the server validates the notebook when it loads it anyway.
    """
    nb_cells: list[dict[str, Any]] = []
    for src in cells:
        cell_id = uuid.uuid4().hex[:8]
        if src.startswith("%%md\n"):
            nb_cells.append(
                {
                    "cell_type": "markdown",
                    "id": cell_id,
                    "metadata": {},
                    "source": src.removeprefix("%%md\n"),
                }
            )
        else:
            nb_cells.append(
                {
                    "cell_type": "code",
                    "id": cell_id,
                    "metadata": {},
                    "source": src,
                    "execution_count": None,
                    "outputs": [],
                }
            )
    notebook = {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {
                "name": "python3",
                "display_name": "Python 3 (ipykernel)",
                "language": "python",
            },
            "language_info": {"name": "python"},
        },
        "cells": nb_cells,
    }
    path = Path(root) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(notebook, indent=1) + "\n", encoding="utf-8")
    return path


# JS: the NotebookPanel widget with a given DOM id (window.jupyterapp is exposed by the server).
_JS_PANEL = """
function vbnPanel(id) {
  for (const w of window.jupyterapp.shell.widgets('main')) { if (w.id === id) return w; }
  throw new Error('notebook panel ' + id + ' is not open');
}
"""

_JS_CURRENT_PANEL_ID = """
(name) => {
  const app = window.jupyterapp;
  if (!app || !app.shell) return null;
  const w = app.shell.currentWidget;
  if (!w || !w.context || w.context.path !== name || !w.content) return null;
  if (!w.node.classList.contains('jp-NotebookPanel')) return null;
  return w.id;
}
"""

_JS_KERNEL_IDLE = (
    "(id) => {"
    + _JS_PANEL
    + """
  const w = vbnPanel(id);
  const s = w.sessionContext;
  const k = s && s.session && s.session.kernel;
  return !!(k && k.status === 'idle' && k.connectionStatus === 'connected' && !s.pendingInput);
}"""
)

_JS_CELL_STATE = (
    "(id) => {"
    + _JS_PANEL
    + """
  const w = vbnPanel(id);
  return w.content.widgets.map((c) => {
    const m = c.model;
    const st = { type: m.type, source: m.sharedModel.getSource(), count: null, error: null };
    if (m.type === 'code') {
      st.count = m.executionCount;
      for (let i = 0; i < m.outputs.length; i++) {
        const o = m.outputs.get(i).toJSON();
        if (o.output_type === 'error') {
          st.error = o.ename + ': ' + o.evalue + '\\n' + (o.traceback || []).join('\\n');
        }
      }
    }
    return st;
  });
}"""
)

_JS_ACTIVATE = (
    "(id) => {"
    + _JS_PANEL
    + """
  const w = vbnPanel(id);
  window.jupyterapp.shell.activateById(id);
  return true;
}"""
)

_JS_RUN_ALL = (
    "async (id) => {"
    + _JS_PANEL
    + """
  vbnPanel(id);
  window.jupyterapp.shell.activateById(id);
  window.jupyterapp.commands.execute('notebook:run-all-cells');
  return true;
}"""
)

_JS_RUN_CELL = (
    "async ([id, index]) => {"
    + _JS_PANEL
    + """
  const w = vbnPanel(id);
  window.jupyterapp.shell.activateById(id);
  w.content.activeCellIndex = index;
  w.content.deselectAll();
  window.jupyterapp.commands.execute('notebook:run-cell');
  return true;
}"""
)

_JS_APPEND_CELL = (
    "([id, source]) => {"
    + _JS_PANEL
    + """
  const w = vbnPanel(id);
  const shared = w.content.model.sharedModel;
  const index = shared.cells.length;
  shared.insertCell(index, { cell_type: 'code', source: source, metadata: {} });
  return index;
}"""
)


@dataclass
class Notebook:
    """An open notebook: every locator is scoped to its own `.jp-NotebookPanel`."""

    page: Page
    lab: LabServer
    name: str
    panel_id: str
    workspace: str

    @property
    def panel(self) -> Locator:
        return self.page.locator(f'.jp-NotebookPanel[id="{self.panel_id}"]')

    def locator(self, selector: str) -> Locator:
        """A locator inside this notebook's panel only."""
        return self.panel.locator(selector)

    def cells(self) -> Locator:
        return self.panel.locator(".jp-Notebook .jp-Cell")

    def cell(self, index: int) -> Locator:
        """Cell `index` (markdown cells count, as in the .ipynb)."""
        return self.cells().nth(index)

    def outputs(self, index: int) -> Locator:
        return self.cell(index).locator(".jp-OutputArea-output")

    def cell_states(self) -> list[dict[str, Any]]:
        """[{type, source, count, error}] per cell, from JupyterLab's notebook model."""
        return self.page.evaluate(_JS_CELL_STATE, self.panel_id)

    def kernel_idle(self) -> bool:
        if not self.page.evaluate(_JS_KERNEL_IDLE, self.panel_id):
            return False
        indicator = self.panel.locator(".jp-Notebook-ExecutionIndicator")
        return indicator.count() == 0 or indicator.first.get_attribute("data-status") == "idle"


def wait_until(predicate, what: str, timeout: float = TIMEOUT_S, poll: float = 0.05):
    """Poll `predicate()` until it returns a truthy value (returned); fail naming `what`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(poll)


def open_notebook(page: Page, lab: LabServer, name: str) -> Notebook:
    """Open `name` (relative to lab.root) alone in a fresh workspace; wait for an idle kernel."""
    workspace = f"e2e-{uuid.uuid4().hex}"
    page.goto(lab.workspace_url(name, workspace), wait_until="domcontentloaded")
    handle = page.wait_for_function(_JS_CURRENT_PANEL_ID, arg=name, timeout=TIMEOUT_MS, polling=100)
    panel_id = handle.json_value()
    nb = Notebook(page=page, lab=lab, name=name, panel_id=panel_id, workspace=workspace)
    nb.panel.wait_for(state="visible", timeout=TIMEOUT_MS)
    nb.cells().first.wait_for(state="visible", timeout=TIMEOUT_MS)
    wait_for_idle(nb)
    wait_for_no_splash(page)
    return nb


def wait_for_idle(nb: Notebook, timeout: float = TIMEOUT_S) -> None:
    wait_until(nb.kernel_idle, f"the kernel of {nb.name} to be idle", timeout)
    if nb.lab.app == "notebook":  # Notebook 7 has no status bar: its kernel indicator instead
        nb.page.locator(".jp-NotebookKernelStatus-idle, [data-status='idle']").first.wait_for(
            state="attached", timeout=timeout * 1000
        )
        return
    nb.page.locator("#jp-main-statusbar").get_by_text(re.compile(r"\|\s*Idle")).first.wait_for(
        timeout=timeout * 1000
    )


def open_voila(page: Page, server: LabServer, name: str, *, theme: str = "light") -> Locator:
    """Open `name` in Voila (which runs every cell) in its "light" or "dark" theme; return the
    page's body once the kernel has sent the outputs (Voila's spinner is gone)."""
    if server.app != "voila":
        raise ValueError(f"open_voila needs a Voila server, got {server.app!r}")
    page.goto(f"{server.workspace_url(name)}&theme={theme}", wait_until="domcontentloaded")
    body = page.locator("body")
    wait_until(
        lambda: (
            page.evaluate("() => document.readyState") == "complete"
            and page.locator("#loading, .voila-spinner").count() == 0
        ),
        f"Voila to render {name}",
    )
    return body


def voila_errors(page: Page) -> list[str]:
    """Tracebacks and error outputs Voila shows (it renders them with show_tracebacks)."""
    outputs = page.locator(
        f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"], .jp-RenderedText[data-mime-type'
        f'="application/vnd.jupyter.error"], .jp-OutputArea-output:has-text("Traceback")'
    )
    return outputs.all_inner_texts()


def _raise_cell_error(nb: Notebook, states: list[dict[str, Any]]) -> None:
    for i, st in enumerate(states):
        if st["error"]:
            raise AssertionError(f"{nb.name}: cell {i} raised\n{_strip_ansi(st['error'])}")


def _wait_ran(nb: Notebook, indices: list[int], before: list[dict[str, Any]], what: str) -> None:
    """Wait until each cell in `indices` has a new execution count (or a cell errored)."""

    def done():
        states = nb.cell_states()
        _raise_cell_error(nb, states)
        for i in indices:
            count = states[i]["count"]
            if count is None or count == before[i]["count"]:
                return False
        return states

    wait_until(done, what)
    wait_for_idle(nb)
    for i in indices:  # the DOM agrees: the prompt shows a number
        prompt = nb.cell(i).locator(".jp-InputPrompt").first
        wait_until(
            lambda p=prompt: re.fullmatch(r"\[\d+\]:?", p.inner_text().strip()),
            f"cell {i}'s prompt to show [N]",
        )


def run_all(nb: Notebook) -> None:
    """Run all cells; return when every non-empty code cell ran and the kernel is idle again.

    Fails at once (with the traceback) when a cell raises, rather than waiting for the rest.
    """
    before = nb.cell_states()
    code = [i for i, st in enumerate(before) if st["type"] == "code" and st["source"].strip()]
    nb.page.evaluate(_JS_RUN_ALL, nb.panel_id)
    _wait_ran(nb, code, before, f"all cells of {nb.name} to run")


def run_cell(nb: Notebook, index: int) -> None:
    """Run one code cell; return when its prompt shows a new number and the kernel is idle."""
    before = nb.cell_states()
    if before[index]["type"] != "code":
        raise ValueError(f"cell {index} of {nb.name} is a {before[index]['type']} cell")
    nb.page.evaluate(_JS_RUN_CELL, [nb.panel_id, index])
    _wait_ran(nb, [index], before, f"cell {index} of {nb.name} to run")


def cell_output_text(nb: Notebook, index: int) -> str:
    """The visible text of all outputs of cell `index`, joined by newlines."""
    return "\n".join(t.rstrip("\n") for t in nb.outputs(index).all_inner_texts())


def read_kernel_value(nb: Notebook, expr: str) -> str:
    """`repr(expr)` evaluated in the notebook's kernel now, as a string.

    Appends a new code cell `print(MARKER + repr(expr))` to the open notebook (in the browser only:
    the file on disk is not changed), runs it the way a person would, and parses its output. Use it
    after interacting with a widget; wait for the widget to show the kernel's echo first.
    """
    source = f"print({VALUE_MARKER!r} + repr({expr}))"
    index = nb.page.evaluate(_JS_APPEND_CELL, [nb.panel_id, source])
    nb.cell(index).wait_for(timeout=TIMEOUT_MS)
    run_cell(nb, index)
    text = cell_output_text(nb, index)
    for line in text.splitlines():
        if line.startswith(VALUE_MARKER):
            return line.removeprefix(VALUE_MARKER)
    raise AssertionError(f"no value printed for {expr!r}; the cell's output was:\n{text}")


_ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")


def _strip_ansi(text: str) -> str:
    return _ANSI.sub("", text)


def error_outputs(nb: Notebook) -> list[str]:
    """Texts of error-looking outputs: stderr streams, tracebacks, widgets that failed to show."""
    found: list[str] = []
    found += [
        f"stderr/traceback output: {t}"
        for t in nb.locator(
            f'.jp-OutputArea-output[data-mime-type="{STDERR_MIME}"]'
        ).all_inner_texts()
    ]
    found += [
        f"error in cell {i}: {_strip_ansi(st['error'])}"
        for i, st in enumerate(nb.cell_states())
        if st["error"]
    ]
    found += [
        f"widget error: {t}"
        for t in nb.locator(".jp-OutputArea-output")
        .filter(
            has_text=re.compile(
                r"Error displaying widget|Failed to load model class|Error rendering"
            )
        )
        .all_inner_texts()
    ]
    return found


def assert_no_error_outputs(nb: Notebook) -> None:
    """No cell shows stderr, a traceback or a widget that failed to render."""
    errors = error_outputs(nb)
    assert not errors, f"{nb.name} shows error outputs:\n" + "\n---\n".join(errors)


# --------------------------------------------------------------------------------------------
# The page


def set_theme(page: Page, dark: bool) -> None:
    """Switch JupyterLab's theme and wait until the body says it is applied."""
    theme = "JupyterLab Dark" if dark else "JupyterLab Light"
    page.wait_for_function("() => !!(window.jupyterapp && window.jupyterapp.commands)")
    page.evaluate(
        "(theme) => window.jupyterapp.commands.execute('apputils:change-theme', {theme})", theme
    )
    light = "false" if dark else "true"
    page.locator(f'body[data-jp-theme-light="{light}"][data-jp-theme-name="{theme}"]').wait_for(
        state="attached", timeout=TIMEOUT_MS
    )
    wait_for_no_splash(page)


def wait_for_no_splash(page: Page) -> None:
    """JupyterLab covers the page with a splash while it loads (and while a theme loads)."""
    page.locator("#jupyterlab-splash").wait_for(state="detached", timeout=TIMEOUT_MS)


def screenshot(target: Page | Locator, name: str) -> Path:
    """Save a PNG of a page or locator as ci-artifacts/screenshots/<name>.png; return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", name).strip("_") or "screenshot"
    path = SCREENSHOT_DIR / f"{safe}.png"
    target.screenshot(path=str(path))
    return path
