"""Verify and delete many files at once: per-file results, one record write, downloads stopped
before their files are deleted, nothing outside the request touched."""

from __future__ import annotations

import json
import threading

import pytest
from vbn_testing.wrapped import EventLog, GatedSource

from vbn_widgets import VBNCache
from vbn_widgets.data import FileState, ManifestError, MirrorSource, ReadOnlyCacheError
from vbn_widgets.data import layout as layout_module
from vbn_widgets.data.jobs import JobState
from vbn_widgets.data.layout import DOWNLOADED_DATA
from vbn_widgets.data.transfers import DownloadQueue


@pytest.fixture
def queue():
    q = DownloadQueue(max_workers=2)
    yield q
    q.shutdown(cancel=True, wait=True)


@pytest.fixture
def record_writes(monkeypatch):
    """How many times _downloaded_data.json is written (the real write still happens)."""
    writes = []
    real = layout_module.atomic_write_bytes

    def counting(path, data, **options):
        if path.name == DOWNLOADED_DATA:
            writes.append(json.loads(data))
        real(path, data, **options)

    monkeypatch.setattr(layout_module, "atomic_write_bytes", counting)
    return writes


def all_refs(cache: VBNCache) -> list:
    return [*cache.manifest.metadata_files, *sorted(cache.manifest.data_files)]


def run(queue: DownloadQueue, op: dict) -> dict:
    assert op["state"] == "running"
    assert queue.wait_operation(op["id"], timeout=120)
    return queue.operation(op["id"])


def test_verify_many_rehashes_reports_each_file_and_writes_the_record_once(
    demo_release, tmp_path, queue, record_writes
):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    refs = all_refs(cache)
    have = refs[:20]
    assert queue.wait([j.id for j in queue.submit_many(cache, have)], timeout=120)
    corrupt, unrecorded = have[3], have[4]
    path = cache.local_path(corrupt)
    path.write_bytes(b"x" * path.stat().st_size)  # same size, other bytes: only a hash tells
    cache.layout.forget_downloaded(cache.local_path(unrecorded))  # there, but not recorded
    record_writes.clear()
    done = run(queue, queue.verify_many(cache, refs))
    assert done["state"] == "done"
    assert done["files"] == done["files_done"] == len(refs)
    results = {i["ref"]: i["result"] for i in done["items"]}
    assert [i["ref"] for i in done["items"]] == refs  # request order
    assert results[corrupt] == "corrupt"
    assert results[unrecorded] == "verified"
    assert {results[r] for r in have} - {"corrupt"} == {"verified"}
    assert {results[r] for r in refs[20:]} == {"missing"}
    assert done["results"] == {"verified": 19, "corrupt": 1, "missing": len(refs) - 20}
    assert len(record_writes) == 1
    recorded = record_writes[0]
    assert str(cache.local_path(corrupt).resolve()) not in recorded
    assert str(cache.local_path(unrecorded).resolve()) in recorded
    assert cache.file_state(corrupt) is FileState.CORRUPT


def test_verify_skips_a_file_being_downloaded(demo_release, tmp_path, queue):
    cache = VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))
    log = EventLog(queue)
    nwb = min(i for i, e in cache.manifest.data_files.items() if e.key.endswith(".nwb"))
    job = queue.submit(cache, nwb)
    log.wait_bytes(job.id)
    done = run(queue, queue.verify_many(cache, [nwb, "units"]))
    assert [i["result"] for i in done["items"]] == ["downloading", "missing"]
    cache.source.gate.set()
    assert queue.wait(timeout=60)


def test_delete_many_stops_downloads_first_and_writes_the_record_once(
    demo_release, tmp_path, record_writes
):
    queue = DownloadQueue(max_workers=1)
    try:
        check_delete(queue, demo_release, tmp_path, record_writes)
    finally:
        queue.shutdown()


def check_delete(queue, demo_release, tmp_path, record_writes):
    cache = VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))
    # the two largest files are several pieces each: the gate holds them mid-transfer
    *others, big, bigger = sorted(all_refs(cache), key=lambda r: cache.source.size(cache._entry(r)))
    refs, (never, keep) = others[:30], others[30:32]
    cache.source.gate.set()
    assert queue.wait([j.id for j in queue.submit_many(cache, refs)], timeout=120)
    cache.source.gate.clear()
    log = EventLog(queue)
    busy = queue.submit(cache, bigger)  # held mid-transfer: a partial file on disk
    log.wait_bytes(busy.id)
    assert cache.file_state(bigger) is FileState.PARTIAL
    waiting = queue.submit(cache, big)
    record_writes.clear()
    op = queue.delete_many(cache, [*refs, bigger, big, never])
    log.wait_for(
        lambda events: any(e.id == waiting.id and e.state is JobState.CANCELLED for e in events),
        "the delete cancelled the downloads of its files",
    )
    cache.source.gate.set()  # the cancelled transfer may now notice its cancel
    done = run(queue, op)
    results = {i["ref"]: i for i in done["items"]}
    assert {results[r]["result"] for r in refs} == {"deleted"}
    assert all(results[r]["bytes"] > 0 for r in refs)
    assert results[bigger]["result"] == "deleted"  # its partial bytes
    assert results[big]["result"] == "absent"  # queued only: cancelled, nothing on disk
    assert results[never]["result"] == "absent"
    assert queue.get(busy.id).state is JobState.CANCELLED
    assert queue.get(waiting.id).state is JobState.CANCELLED
    for ref in [*refs, bigger, big]:
        assert cache.file_state(ref) is FileState.MISSING
    assert not list(cache.local_path(bigger).parent.glob(".*.part"))
    assert len(record_writes) == 1
    assert record_writes[0] == {}
    assert cache.file_state(keep) is FileState.MISSING  # untouched, never there


def test_refusals_change_nothing(demo_release, tmp_path, queue):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    assert queue.wait([queue.submit(cache, "probes").id], timeout=60)
    with pytest.raises(ManifestError, match=r"nothing to delete: 1 of 2 .*'no_such'"):
        queue.delete_many(cache, ["probes", "no_such"])
    assert cache.file_state("probes") is FileState.VERIFIED

    def wall(path, entry):
        if entry.key.endswith("probes.csv"):
            raise PermissionError(f"{entry.key} refused")

    with pytest.raises(PermissionError, match=r"probes\.csv refused"):
        queue.delete_many(cache, ["units", "probes"], guard=wall)
    assert cache.file_state("probes") is FileState.VERIFIED
    static = VBNCache(demo_release, static=True)
    with pytest.raises(ReadOnlyCacheError, match="read-only"):
        queue.delete_many(static, ["units"])
    checked = run(queue, queue.verify_many(static, ["units"]))
    assert [i["result"] for i in checked["items"]] == ["verified"]
    assert queue.operations(tmp_path / "c") == []
    with pytest.raises(KeyError, match="no file operation"):
        queue.operation("0" * 32)


def test_an_operation_stops_when_cancelled(demo_release, tmp_path, queue, monkeypatch):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    refs = all_refs(cache)
    third = threading.Event()
    go = threading.Event()
    real = cache._states.status
    seen = []

    def held_status(entry, path, **kwargs):  # the test's handle on "mid-operation"
        seen.append(entry.key)
        if len(seen) == 3:
            third.set()
            go.wait(60)
        return real(entry, path, **kwargs)

    monkeypatch.setattr(cache._states, "status", held_status)
    op = queue.verify_many(cache, refs)
    assert third.wait(60)
    assert queue.cancel_operation(op["id"])["state"] == "running"
    go.set()
    done = run(queue, op)
    assert done["state"] == "cancelled"
    assert done["files_done"] == 3  # the file in hand finished; no other started
    assert queue.operations(tmp_path / "c")[-1]["state"] == "cancelled"
