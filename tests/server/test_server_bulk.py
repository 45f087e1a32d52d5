"""Every action on any number of files is one request: enqueue a whole release, cancel a folder, a
list or a batch, verify and delete many files; a kernel follows it all on the job board, with no
page and no token. Against SeaweedFS, NWB responses held at a gate while the test looks."""

from __future__ import annotations

import asyncio

import pytest

from vbn_widgets.data.job_board import read_board
from vbn_widgets.data.jobs import BATCH_FIELDS, JOB_FIELDS, check_fields, check_job

pytestmark = pytest.mark.s3


def whole_release(cache) -> list:
    return [*cache.manifest.metadata_files, *(str(i) for i in sorted(cache.manifest.data_files))]


def is_nwb(job) -> bool:
    return job["key"].endswith(".nwb")


async def board_until(cache_dir, check, what):
    """Poll the job board (as a kernel would) until ``check(board)``."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + 120
    while True:
        board = await asyncio.to_thread(read_board, cache_dir)
        if check(board):
            return board
        assert loop.time() < deadline, f"never on the board: {what}; last {board}"
        await asyncio.sleep(0.05)


async def test_a_whole_release_in_one_post_then_cancel_all_in_one(api, kernel_cache, proxy):
    cache = str(kernel_cache.cache_dir)
    files = whole_release(kernel_cache)
    proxy.close_gate()
    plan = {"cache": cache, "manifest": kernel_cache.current_manifest(), "files": files}
    code, reply = await api.call("POST", "downloads", body=plan)
    assert code == 202, reply
    batch, jobs = reply["batch"], reply["jobs"]
    check_fields(batch, BATCH_FIELDS, "batch")
    assert set(batch) == set(BATCH_FIELDS)
    assert reply["verified"] == []
    assert batch["files"] == len(files) == len(jobs)
    for job in jobs:
        check_job(job)
        assert set(job) == set(JOB_FIELDS)
        assert job["batch"] == batch["id"]
    await asyncio.to_thread(proxy.wait_held, 2)  # both workers inside an NWB transfer
    # the kernel sees the server's batch on the board: no page, no token
    board = await board_until(
        kernel_cache.cache_dir,
        lambda b: b.batch(batch["id"]) and b.batch(batch["id"])["counts"]["running"] == 2,
        "two running",
    )
    (server,) = board.boards
    assert server.writer["kind"] == "server" and server.live and board.active
    assert [j["state"] for j in server.jobs[:2]] == ["running", "running"]

    code, report = await api.call("POST", "cancel", body={"cache": cache})
    assert code == 200, report
    # every job but the five tables (done before the workers reached the NWB files)
    assert report == {"cancelled": len(files) - 5, "finished": 0, "unknown": []}
    proxy.open_gate()
    final = await api.until(
        "GET", "batches", batch["id"], check=lambda b: not b["active"], what="the batch ended"
    )
    assert final["counts"]["failed"] == 0
    assert final["counts"]["done"] + final["counts"]["cancelled"] == len(files)
    assert sorted(final["jobs"]) == sorted(j["id"] for j in jobs)
    # no queued NWB file was ever requested: only the two that were running
    assert len(proxy.matched) == 2, proxy.matched
    code, listed = await api.call("GET", "downloads", params={"cache": cache, "state": "queued"})
    assert (code, listed["jobs"]) == (200, [])
    done_board = await board_until(kernel_cache.cache_dir, lambda b: not b.active, "idle board")
    assert done_board.batch(batch["id"])["counts"] == final["counts"]


async def test_cancel_a_list_or_a_batch_in_one_call(api, kernel_cache, proxy):
    cache = str(kernel_cache.cache_dir)
    manifest = kernel_cache.current_manifest()
    data = kernel_cache.manifest.data_files
    ids = sorted(i for i, e in data.items() if e.key.endswith(".nwb"))[:6]
    proxy.close_gate()
    _, first = await api.call(
        "POST", "downloads", body={"cache": cache, "manifest": manifest, "files": ids[:4]}
    )
    _, second = await api.call(
        "POST", "downloads", body={"cache": cache, "manifest": manifest, "files": ids[3:]}
    )
    shared = first["jobs"][3]["id"]
    assert second["jobs"][0]["id"] == shared  # the same file: one job, in both batches
    assert second["batch"]["counts"]["queued"] == 3
    await asyncio.to_thread(proxy.wait_held, 2)
    listed = [first["jobs"][2]["id"], "0" * 32]
    code, report = await api.call("POST", "cancel", body={"cache": cache, "jobs": listed})
    assert (code, report) == (200, {"cancelled": 1, "finished": 0, "unknown": ["0" * 32]})
    code, report = await api.call(
        "POST", "cancel", body={"cache": cache, "batch": second["batch"]["id"]}
    )
    assert (code, report) == (200, {"cancelled": 3, "finished": 0, "unknown": []})
    proxy.open_gate()
    for job in first["jobs"][:2]:
        await api.job_in(job["id"], {"done"})
    code, batches = await api.call("GET", "batches", params={"cache": cache})
    counts = {b["id"]: b["counts"] for b in batches["batches"]}
    assert counts[first["batch"]["id"]]["cancelled"] == 2  # its own and the shared one
    assert counts[second["batch"]["id"]]["cancelled"] == 3
    code, refused = await api.call("POST", "cancel", body={"cache": cache, "batch": "f" * 32})
    assert code == 404 and "f" * 32 in refused["message"]
    code, refused = await api.call(
        "POST", "cancel", body={"cache": cache, "batch": "f" * 32, "jobs": ["f" * 32]}
    )
    assert code == 400 and "either" in refused["message"]


async def test_verify_and_delete_many_in_one_call_each(api, kernel_cache, proxy):
    cache = str(kernel_cache.cache_dir)
    manifest = kernel_cache.current_manifest()
    files = whole_release(kernel_cache)
    plan = {"cache": cache, "manifest": manifest, "files": files}
    _, reply = await api.call("POST", "downloads", body=plan)
    await api.until(
        "GET", "batches", reply["batch"]["id"], check=lambda b: not b["active"], what="all done"
    )
    # already verified: a second POST of the same files makes no job
    code, again = await api.call("POST", "downloads", body=plan)
    assert code == 202
    assert (again["jobs"], len(again["verified"])) == ([], len(files))
    assert again["batch"]["verified"] == len(files) and not again["batch"]["active"]
    code, brief = await api.call("POST", "downloads", body={**plan, "answer": "batch"})
    assert code == 202 and list(brief) == ["batch"] and brief["batch"]["verified"] == len(files)
    code, refused = await api.call("POST", "downloads", body={**plan, "answer": "all"})
    assert code == 400 and "answer" in refused["message"]
    units = kernel_cache.local_path("units")
    units.write_bytes(b"0" * units.stat().st_size)  # corrupt it, same size
    code, answer = await api.call("POST", "files/verify", body={**plan, "wait": 10})
    op = answer["operation"]
    if code == 202:  # a slow machine: follow it
        op = await api.operation_done(op["id"])
    else:
        assert code == 200
    assert op["state"] == "done" and op["files_done"] == len(files)
    results = {i["ref"]: i["result"] for i in op["items"]}
    assert results.pop("units") == "corrupt"
    assert set(results.values()) == {"verified"}
    delete = {**plan, "files": files[:40]}
    code, answer = await api.call("POST", "files/delete", body=delete)
    assert code in (200, 202), answer
    op = await api.operation_done(answer["operation"]["id"])
    assert op["kind"] == "delete" and op["results"] == {"deleted": 40}
    assert not units.exists()
    code, ops = await api.call("GET", "operations", op["id"])
    assert code == 200 and len(ops["operation"]["items"]) == 40
    board = await board_until(
        kernel_cache.cache_dir, lambda b: len(b.operations) == 2, "both operations on the board"
    )
    assert [o["kind"] for o in board.operations] == ["verify", "delete"]
    code, gone = await api.call("GET", "operations", "e" * 32)
    assert code == 404 and "e" * 32 in gone["message"]
