"""Downloads through the Jupyter server survive a kernel restart (issue 7), in JupyterLab.

Its own JupyterLab (the extension enabled by the installed enable file, ``VBNWidgets.cache_roots``
set to a temp folder holding the cache) and the demo release served by SeaweedFS. NWB transfers
go through a ``GateProxy``: the test holds them in flight while it restarts the kernel, so the
order of events is certain without sleeping or timing anything.
"""

from __future__ import annotations

import json
import re
import shutil
from urllib.parse import quote

import pytest
from e2e import lab as labhelpers
from e2e.lab import (
    open_notebook,
    run_cell,
    screenshot,
    wait_for_idle,
    wait_until,
    write_notebook,
)
from vbn_testing.gate_proxy import GateProxy
from vbn_testing.publish import publish_release
from vbn_testing.seaweed import SeaweedS3

from vbn_widgets.data import FileState, VBNCache
from vbn_widgets.data.catalog import build_catalog

pytestmark = [pytest.mark.e2e, pytest.mark.s3]

BUCKET = "visual-behavior-neuropixels-data"
NOTEBOOK = "server_downloads.ipynb"
ACTIVE = {"queued", "running"}


@pytest.fixture(scope="module")
def s3(demo_release, tmp_path_factory):
    with SeaweedS3(base_dir=tmp_path_factory.mktemp("seaweed")) as server:
        server.create_versioned_bucket(BUCKET)
        publish_release(demo_release, server.admin_client(), BUCKET)
        yield server


@pytest.fixture(scope="module")
def proxy(s3):
    with GateProxy("127.0.0.1", s3.port, pattern=r"\.nwb(\?|$)") as gate:
        yield gate


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """This module's own server (overrides the session one for the conftest's `page`)."""
    base = tmp_path_factory.mktemp("e2e-server-downloads")
    caches = base / "caches"
    caches.mkdir()
    server = labhelpers.start_lab(
        home=base / "home",
        root=base / "root",
        extra_args=(f"--VBNWidgets.cache_roots={caches}", "--VBNWidgets.max_workers=2"),
    )
    server.caches = caches
    try:
        yield server
    finally:
        labhelpers.stop_lab_process(server.process)
        artifacts = labhelpers.REPO_ROOT / "ci-artifacts"
        artifacts.mkdir(exist_ok=True)
        shutil.copyfile(server.log_path, artifacts / "e2e-server-downloads-lab.log")


def server_jobs(lab, cache_dir) -> list[dict]:
    return lab.api("GET", f"/vbn-widgets/api/downloads?cache={quote(str(cache_dir), safe='')}")[
        "jobs"
    ]


JS_RESTART = """(id) => {
  window.jupyterapp.shell.activateById(id);
  window.jupyterapp.commands.execute('kernelmenu:restart');
}"""


def kernel_restarts(lab) -> int:
    """How often the server logged a kernel restart."""
    return lab.log_path.read_text().count("Kernel restarted:")


def test_download_survives_a_kernel_restart(lab, page, proxy, s3, tmp_path):
    assert lab.api("GET", "/vbn-widgets/api/status")["cache_roots"] == [str(lab.caches)]
    cache_dir = lab.caches / "cache"
    probe = VBNCache.from_s3_cache(tmp_path / "probe", endpoint_url=s3.endpoint_url)
    session = build_catalog(probe).ecephys[0]
    keys = {f.key for f in session.files}
    assert len(keys) >= 2  # the NWB and at least one LFP file

    write_notebook(
        lab.root,
        NOTEBOOK,
        [
            "from vbn_widgets import CacheBrowser, VBNCache\n"
            f"cache = VBNCache.from_s3_cache({str(cache_dir)!r},\n"
            f"                               endpoint_url={proxy.endpoint_url!r})\n"
            "browser = CacheBrowser(cache)\n"
            "browser",
            "restarted = True",
        ],
    )
    nb = open_notebook(page, lab, NOTEBOOK)
    run_cell(nb, 0)
    backend = nb.locator(".vbn-cb-backend")
    backend.get_by_text("downloads: Jupyter server").wait_for()

    proxy.close_gate()
    row = nb.locator(f'.vbn-cb-row[data-row="s:{session.session_id}"]')
    nb.locator('.vbn-cb-row[data-row="g:ecephys"] .vbn-cb-expander').click()
    row.locator(".vbn-cb-download").click()
    proxy.wait_held(1)  # the server's worker is fetching an NWB file of the session

    def session_jobs():
        jobs = [j for j in server_jobs(lab, cache_dir) if j["key"] in keys]
        return jobs if {j["key"] for j in jobs} == keys else None

    jobs = wait_until(session_jobs, "the server to queue every file of the session")
    assert any(j["state"] == "running" for j in jobs), jobs
    assert all(j["state"] in ACTIVE for j in jobs), jobs
    ids = {j["id"] for j in jobs}

    # Restart the kernel that asked for the downloads, as a user does (Kernel menu, confirm):
    # the server's jobs do not notice. (A restart through the REST API alone would leave
    # JupyterLab 4.6 sending widget messages on the old kernel's comm subshell, which the new
    # kernel drops: not what a user does, and not what this test is about.)
    restarts = kernel_restarts(lab)
    page.evaluate(JS_RESTART, nb.panel_id)
    page.locator(".jp-Dialog .jp-mod-accept").click()
    wait_until(lambda: kernel_restarts(lab) > restarts, "the kernel to restart")
    wait_for_idle(nb)
    after = {j["id"]: j for j in server_jobs(lab, cache_dir)}
    assert ids <= after.keys()
    assert all(after[i]["state"] in ACTIVE for i in ids), after
    assert any(after[i]["state"] == "running" for i in ids), after

    # A new kernel displays a new browser: it finds the server's jobs still running.
    run_cell(nb, 1)  # new execution counts, so run_cell can tell the re-run happened
    run_cell(nb, 0)
    backend.get_by_text("downloads: Jupyter server").wait_for()
    nb.locator('.vbn-cb-row[data-row="g:ecephys"] .vbn-cb-expander').click()
    row.locator(".vbn-cb-cancel").wait_for()  # the row shows an active (server) job
    screenshot(page, "server-downloads-after-restart")
    proxy.open_gate()

    state = row.locator(".vbn-cb-state")
    wait_until(
        lambda: re.fullmatch(r"(\d+)/\1 verified", state.inner_text().strip()),
        f"session {session.session_id} to show every file verified",
    )
    screenshot(page, "server-downloads-verified")
    final = {j["id"]: j for j in server_jobs(lab, cache_dir)}
    assert all(final[i]["state"] == "done" for i in ids), json.dumps(final, indent=1)
    on_disk = VBNCache.from_cache_dir(cache_dir)
    on_disk.load_manifest(jobs[0]["manifest"])
    for f in session.files:
        assert on_disk.file_state(f.ref, verify=True) is FileState.VERIFIED, f.key
    assert sum(k in t for t in proxy.matched for k in keys) == len(keys)  # each fetched once
