"""Fixtures for the end-to-end tests: one JupyterLab server and one Chromium per session.

- `lab` (session): a running `jupyter lab` from this venv (`lab.LabServer`); notebooks go in
  `lab.root`. Its log is copied to ci-artifacts/e2e-jupyter-server.log at the end.
- `browser` (session): Debian's /usr/bin/chromium, headless, through Playwright's sync API.
- `page` (function): a fresh browser context (1400x900, 60 s default timeouts) in the default light
  theme; on a test failure a screenshot is saved to ci-artifacts/screenshots/FAILED-<test>.png and
  the browser console errors are printed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest
from e2e import lab as labhelpers  # tests/ is on pythonpath (pyproject): tests/e2e/lab.py


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).parent
    for item in items:
        if here in item.path.parents:
            item.add_marker(pytest.mark.e2e)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    rep = yield
    setattr(item, f"rep_{rep.when}", rep)
    return rep


@pytest.fixture(scope="session")
def lab(tmp_path_factory):
    base = tmp_path_factory.mktemp("e2e-lab")
    server = labhelpers.start_lab(home=base / "home", root=base / "root")
    print(f"\njupyter lab ready in {server.startup_seconds:.1f} s at {server.url}", file=sys.stderr)
    try:
        yield server
    finally:
        labhelpers.stop_lab_process(server.process)
        artifacts = labhelpers.REPO_ROOT / "ci-artifacts"
        artifacts.mkdir(exist_ok=True)
        shutil.copyfile(server.log_path, artifacts / "e2e-jupyter-server.log")


@pytest.fixture(scope="session")
def browser():
    if not labhelpers.CHROMIUM.exists():
        pytest.fail(
            f"{labhelpers.CHROMIUM} is missing: run scripts/install.sh as root "
            "(it installs Debian's chromium package)"
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=str(labhelpers.CHROMIUM),
            headless=True,
            args=labhelpers.CHROMIUM_ARGS,
        )
        try:
            yield b
        finally:
            b.close()


@pytest.fixture
def page(request, lab, browser):
    lab.reset_theme()  # a theme set by an earlier test is stored in the session's user settings
    context = browser.new_context(viewport={"width": 1400, "height": 900})
    context.set_default_timeout(labhelpers.TIMEOUT_MS)
    context.set_default_navigation_timeout(labhelpers.TIMEOUT_MS)
    pg = context.new_page()
    console_errors: list[str] = []
    pg.on(
        "console",
        lambda m: (
            console_errors.append(f"console.{m.type}: {m.text}") if m.type == "error" else None
        ),
    )
    pg.on("pageerror", lambda e: console_errors.append(f"pageerror: {e}"))
    pg.console_errors = console_errors  # for tests that want to look
    try:
        yield pg
    finally:
        rep = getattr(request.node, "rep_call", None)
        if rep is not None and rep.failed:
            try:
                path = labhelpers.screenshot(pg, f"FAILED-{request.node.name}")
                print(f"\nscreenshot of the failed test: {path}", file=sys.stderr)
            except Exception as exc:  # a failed screenshot must not hide the test's failure
                print(f"\ncould not take a screenshot: {exc}", file=sys.stderr)
            if console_errors:
                print("browser console errors:\n  " + "\n  ".join(console_errors), file=sys.stderr)
        context.close()
        lab.shutdown_kernels()  # one kernel per opened notebook would otherwise pile up
