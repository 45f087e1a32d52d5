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
    assert_no_error_outputs,
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


def test_cancel_all_then_download_and_wait_in_server_mode(lab, page, proxy, s3, tmp_path):
    """Issue 13.6: start downloading every behavior-only session from the page, Cancel all (one
    request), and within 5 s nothing is queued or running and no file sits unverified under its
    final name; then ``browser.download(...); browser.wait()`` in the same notebook, while the
    kernel is too busy to read the page's answers, prints "verified" for every file."""
    cache_dir = lab.caches / "cancel-all"
    probe = VBNCache.from_s3_cache(tmp_path / "probe", endpoint_url=s3.endpoint_url)
    catalog = build_catalog(probe)
    behavior = {f.key for s in catalog.behavior for f in s.files}
    two = [s.session_id for s in catalog.ecephys[:2]]
    write_notebook(
        lab.root,
        "server_cancel_all.ipynb",
        [
            "from vbn_widgets import CacheBrowser, VBNCache\n"
            f"cache = VBNCache.from_s3_cache({str(cache_dir)!r},\n"
            f"                               endpoint_url={proxy.endpoint_url!r})\n"
            "browser = CacheBrowser(cache)\n"
            "browser",
            f"browser.download(sessions={two!r})\n"
            "states = browser.wait(timeout=300)\n"
            "for key, state in sorted(states.items()):\n"
            "    print(key.rsplit('/', 1)[-1], state)",
        ],
    )
    nb = open_notebook(page, lab, "server_cancel_all.ipynb")
    run_cell(nb, 0)
    root = nb.locator(".vbn-cache-browser")
    root.locator(".vbn-cb-backend").get_by_text("downloads: Jupyter server").wait_for()

    proxy.close_gate()
    nb.locator('.vbn-cb-row[data-row="g:behavior"] .vbn-cb-download').click()  # one request

    def active():
        path = quote(str(cache_dir), safe="")
        return lab.api("GET", f"/vbn-widgets/api/downloads?cache={path}&state=queued,running")[
            "jobs"
        ]

    wait_until(lambda: len(active()) == len(behavior), "the server to queue every file")
    proxy.wait_held(1)
    batch = root.locator(".vbn-cb-batch").first
    wait_until(lambda: batch.get_attribute("data-state") in ("queued", "running"), "progress")
    screenshot(page, "server-downloads-before-cancel-all")

    root.locator(".vbn-cb-cancel-all").click()
    proxy.open_gate()  # bytes flow again: a running transfer sees its cancel at the next chunk
    wait_until(lambda: active() == [], "nothing queued or running on the server", timeout=5)
    wait_until(lambda: batch.get_attribute("data-state") == "cancelled", "the page to say so")
    assert root.locator(".vbn-cb-cancel-all").is_disabled()
    on_disk = VBNCache.from_cache_dir(cache_dir)
    on_disk.load_manifest(catalog.manifest_name)
    for f in (f for s in catalog.behavior for f in s.files):
        path = on_disk.local_path(f.ref)
        if path.exists():  # only a verified file ever sits under its final name
            assert on_disk.file_state(f.ref, verify=True) is FileState.VERIFIED, f.key
    screenshot(page, "server-downloads-cancelled-all")

    run_cell(nb, 1)
    lines = nb.outputs(1).all_inner_texts()[0].strip().splitlines()
    keys = sorted(f.key for s in catalog.ecephys[:2] for f in s.files)
    expected = [key.rsplit("/", 1)[-1] for key in keys]
    assert [line.split()[0] for line in lines] == expected
    assert {line.split()[1] for line in lines} == {"verified"}
    screenshot(page, "server-downloads-waited")
    assert_no_error_outputs(nb)
