"""The server's download manager over its REST API, against the demo release served by SeaweedFS.

A kernel would build the cache and record its source (``remember_source``); here the test does
that. The server rebuilds the cache from ``<cache>/.vbn_widgets/source.json``. NWB downloads go
through a ``GateProxy`` so a test can hold a transfer in flight (no sleeps, no timing asserts).
The fixtures (``s3``, ``proxy``, ``root``, ``kernel_cache``) are in this folder's conftest.
"""

from __future__ import annotations

import asyncio
import json

import pytest

from vbn_widgets.data import FileState, VBNCache
from vbn_widgets.data.job_board import read_board
from vbn_widgets.data.jobs import FINISHED as FINISHED_STATES

pytestmark = pytest.mark.s3

API = ("vbn-widgets", "api")
BUCKET = "visual-behavior-neuropixels-data"
FINISHED = {s.value for s in FINISHED_STATES}


def nwb_ids(cache: VBNCache, count: int) -> list[int]:
    sessions = cache.get_ecephys_session_table(filter_abnormalities=False)
    return [int(i) for i in sessions["file_id"].iloc[:count]]


async def call(jp_fetch, method, *parts, body=None, params=None):
    response = await jp_fetch(
        *API,
        *parts,
        method=method,
        params=params,
        body=None if body is None else json.dumps(body),
        raise_error=False,
    )
    return response.code, json.loads(response.body)


async def wait_for(jp_fetch, job_id, states, timeout=120.0):
    """Poll the job until its state is one of ``states``; the last job JSON."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        code, job = await call(jp_fetch, "GET", "downloads", job_id)
        assert code == 200, job
        if job["state"] in states:
            return job
        assert job["state"] not in FINISHED, job
        assert loop.time() < deadline, f"job still {job['state']}: {job}"
        await asyncio.sleep(0.05)


async def test_cache_info_reports_manifests_source_and_jobs(jp_fetch, kernel_cache, proxy):
    code, info = await call(jp_fetch, "GET", "cache", params={"path": str(kernel_cache.cache_dir)})
    assert code == 200, info
    assert info["path"] == str(kernel_cache.cache_dir)
    assert info["manifests"] == kernel_cache.list_all_downloaded_manifests()
    assert info["current"] == kernel_cache.current_manifest()
    assert info["source"] == {
        "kind": "s3",
        "bucket": BUCKET,
        "endpoint_url": proxy.endpoint_url,
        "region": "us-west-2",
    }
    assert info["jobs"] == []


async def test_enqueue_downloads_verifies_and_records(jp_fetch, kernel_cache):
    (file_id,) = nwb_ids(kernel_cache, 1)
    plan = {
        "cache": str(kernel_cache.cache_dir),
        "manifest": kernel_cache.current_manifest(),
        "files": [str(file_id), "probes"],
    }
    code, reply = await call(jp_fetch, "POST", "downloads", body=plan)
    assert code == 202, reply
    jobs = reply["jobs"]
    assert [j["ref"] for j in jobs] == [file_id, "probes"]
    assert {j["state"] for j in jobs} <= {"queued", "running", "done"}
    for job in jobs:
        done = await wait_for(jp_fetch, job["id"], {"done"})
        assert done["bytes_done"] == done["bytes_total"] > 0
        assert done["cache_dir"] == str(kernel_cache.cache_dir)
    # the kernel's cache sees what the server fetched, verified against the manifest's hash
    fresh = VBNCache.from_cache_dir(kernel_cache.cache_dir)
    assert fresh.file_state(file_id, verify=True) is FileState.VERIFIED
    assert fresh.file_state("probes", verify=True) is FileState.VERIFIED
    code, listed = await call(
        jp_fetch, "GET", "downloads", params={"cache": str(kernel_cache.cache_dir)}
    )
    assert code == 200
    assert {j["id"] for j in listed["jobs"]} == {j["id"] for j in jobs}


async def test_progress_then_cancel(jp_fetch, kernel_cache, proxy):
    (file_id,) = nwb_ids(kernel_cache, 1)
    plan = {
        "cache": str(kernel_cache.cache_dir),
        "manifest": kernel_cache.current_manifest(),
        "files": [file_id],
    }
    proxy.close_gate()
    code, reply = await call(jp_fetch, "POST", "downloads", body=plan)
    assert code == 202, reply
    (job,) = reply["jobs"]
    await asyncio.to_thread(proxy.wait_held, 1)
    running = await wait_for(jp_fetch, job["id"], {"running"})
    assert running["bytes_done"] == 0
    code, cancelled = await call(jp_fetch, "DELETE", "downloads", job["id"])
    assert code == 200, cancelled
    assert cancelled["id"] == job["id"]
    proxy.open_gate()
    final = await wait_for(jp_fetch, job["id"], {"cancelled"})
    assert final["finished"] is not None
    assert not kernel_cache.local_path(file_id).exists()
    assert kernel_cache.file_state(file_id) is not FileState.VERIFIED
    code, again = await call(jp_fetch, "DELETE", "downloads", "f" * 32)
    assert code == 404
    assert "f" * 32 in again["message"]


async def test_same_file_twice_is_one_job_and_one_download(jp_fetch, kernel_cache, proxy):
    ids = nwb_ids(kernel_cache, 2)
    plan = {
        "cache": str(kernel_cache.cache_dir),
        "manifest": kernel_cache.current_manifest(),
        "files": ids,
    }
    proxy.close_gate()
    (c1, r1), (c2, r2) = await asyncio.gather(
        call(jp_fetch, "POST", "downloads", body=plan),
        call(jp_fetch, "POST", "downloads", body={**plan, "files": [str(ids[1]), ids[0]]}),
    )
    assert c1 == c2 == 202, (r1, r2)
    first = {j["ref"]: j["id"] for j in r1["jobs"]}
    second = {j["ref"]: j["id"] for j in r2["jobs"]}
    assert first == second
    assert len(set(first.values())) == 2
    proxy.open_gate()
    for job_id in first.values():
        await wait_for(jp_fetch, job_id, {"done"})
    keys = [kernel_cache.manifest.data_entry(i).key for i in ids]
    for key in keys:
        assert sum(key in target for target in proxy.matched) == 1, proxy.matched


async def test_manifest_must_be_on_disk_and_refs_in_it(jp_fetch, kernel_cache):
    cache = str(kernel_cache.cache_dir)
    older = next(
        n for n in kernel_cache.list_manifest_file_names() if n != kernel_cache.current_manifest()
    )
    code, reply = await call(
        jp_fetch, "POST", "downloads", body={"cache": cache, "manifest": older, "files": [1]}
    )
    assert code == 400
    assert older in reply["message"]
    assert "not in" in reply["message"]
    plan = {"cache": cache, "manifest": kernel_cache.current_manifest()}
    for files, needle in [([999_999_999], "999999999"), (["no_such_table"], "no_such_table")]:
        code, reply = await call(jp_fetch, "POST", "downloads", body={**plan, "files": files})
        assert code == 400, reply
        assert needle in reply["message"]
    code, listed = await call(jp_fetch, "GET", "downloads", params={"cache": cache})
    assert listed["jobs"] == []  # all or none: nothing was queued


async def test_server_stop_cancels_running_downloads(jp_fetch, jp_serverapp, kernel_cache, proxy):
    (file_id,) = nwb_ids(kernel_cache, 1)
    plan = {
        "cache": str(kernel_cache.cache_dir),
        "manifest": kernel_cache.current_manifest(),
        "files": [file_id],
    }
    proxy.close_gate()
    code, reply = await call(jp_fetch, "POST", "downloads", body=plan)
    assert code == 202
    await asyncio.to_thread(proxy.wait_held, 1)
    manager = jp_serverapp.web_app.settings["vbn_widgets_manager"]
    queue = manager.queue()
    stopping = asyncio.ensure_future(jp_serverapp.cleanup_extensions())
    # the stop has cancelled the job before its held response may continue
    assert await asyncio.to_thread(manager.closing.wait, 60)
    proxy.open_gate()
    await stopping
    assert queue.get(reply["jobs"][0]["id"]).state.value == "cancelled"
    assert not kernel_cache.local_path(file_id).exists()
    # the board's last word: closed, nothing active, the job counted cancelled
    (board,) = read_board(kernel_cache.cache_dir).boards
    assert board.writer["closed"] and not board.live and not board.totals["active"]
    assert board.totals["counts"]["cancelled"] == 1
    code, refused = await call(jp_fetch, "POST", "downloads", body=plan)
    assert code == 503
    assert "shutting down" in refused["message"]
