"""DownloadQueue over a local mirror: progress, cancel, failures, dedup, concurrency, history."""

from __future__ import annotations

import errno
import json
import re
import threading
from pathlib import Path

import pytest
from vbn_testing.tamper import copy_release, replace_file
from vbn_testing.wrapped import EventLog, FailingSource, GatedSource

from vbn_widgets import VBNCache
from vbn_widgets.data import (
    AccessDeniedError,
    DownloadError,
    FileState,
    HashMismatchError,
    ManifestError,
    MirrorSource,
    ReadOnlyCacheError,
)
from vbn_widgets.data import transfers as transfers_module
from vbn_widgets.data.layout import hash_file
from vbn_widgets.data.sources import TransientSourceError
from vbn_widgets.data.transfers import DownloadQueue, JobState, RateMeter, classify

V4 = "visual-behavior-neuropixels_project_manifest_v0.4.0.json"
V5 = "visual-behavior-neuropixels_project_manifest_v0.5.0.json"


@pytest.fixture
def queue():
    q = DownloadQueue(max_workers=2)
    yield q
    q.shutdown(cancel=True, wait=True)


def gated_cache(demo_release, cache_dir, **kwargs) -> VBNCache:
    return VBNCache(cache_dir, source=GatedSource(MirrorSource(demo_release), **kwargs))


def nwb_ids(cache, count: int) -> list[int]:
    files = cache.manifest.data_files
    return sorted(i for i, e in files.items() if e.key.endswith(".nwb"))[:count]


def check_progress(events, size: int) -> None:
    done = [e.bytes_done for e in events]
    assert done == sorted(done), "bytes_done went backwards"
    assert events[-1].state is JobState.DONE
    assert events[-1].bytes_done == events[-1].bytes_total == size
    order = [e.state for e in events]
    assert order[0] is JobState.QUEUED
    assert order.index(JobState.RUNNING) < order.index(JobState.DONE)


def test_download_reports_progress_and_verifies(demo_release, tmp_path, queue):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    log = EventLog(queue)
    jobs = queue.submit_many(cache, ["units", nwb_ids(cache, 1)[0]])
    assert queue.wait(timeout=60)
    for job in jobs:
        path = cache.local_path(job.ref)
        size = cache.source.size(cache._entry(job.ref))
        check_progress(log.of(job.id), size)
        assert job.path == str(path)
        assert cache.file_state(job.ref, verify=True) is FileState.VERIFIED
    # units.csv is 2.6 MB: several 1 MiB chunks, so progress was reported between state changes
    assert sum(e.state is JobState.RUNNING for e in log.of(jobs[0].id)) >= 3
    final = queue.get(jobs[0].id)
    assert final.eta_s == 0.0
    assert final.finished is not None and final.finished >= final.submitted
    assert not queue.active()


def test_snapshot_json_is_plain(demo_release, tmp_path, queue):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    import numpy as np

    job = queue.submit(cache, np.int64(nwb_ids(cache, 1)[0]))
    assert queue.wait([job.id], timeout=60)
    data = queue.get(job.id).to_json()
    assert json.loads(json.dumps(data)) == data
    assert re.fullmatch(r"[0-9a-f]{32}", data["id"])
    assert data["state"] == "done"
    assert type(data["ref"]) is int
    assert data["cache_dir"] == str((tmp_path / "c").resolve())
    assert data["manifest"] == V5


def test_cancel_mid_file_keeps_the_part_and_a_later_download_completes(
    demo_release, tmp_path, queue
):
    cache = gated_cache(demo_release, tmp_path / "c")
    file_id = nwb_ids(cache, 1)[0]
    log = EventLog(queue)
    job = queue.submit(cache, file_id)
    log.wait_bytes(job.id)
    queue.cancel(job.id)
    cache.source.gate.set()
    assert queue.wait([job.id], timeout=60)
    ended = queue.get(job.id)
    assert ended.state is JobState.CANCELLED
    assert 0 < ended.bytes_done < ended.bytes_total
    final = cache.local_path(file_id)
    assert not final.exists()
    status = cache.file_status(file_id)
    assert status.state is FileState.PARTIAL
    assert status.bytes_on_disk == ended.bytes_done

    again = queue.submit(cache, file_id)
    assert again.id != job.id
    assert queue.wait([again.id], timeout=60)
    resumed = log.of(again.id)
    assert resumed[-1].state is JobState.DONE
    progress = [e.bytes_done for e in resumed if e.state is JobState.RUNNING and e.bytes_done]
    assert progress[0] > ended.bytes_done  # continued from the kept part
    assert hash_file(final) == cache.manifest.data_entry(file_id).file_hash
    assert not list(final.parent.glob(".*.part"))


def test_cancel_of_a_queued_job_is_immediate(demo_release, tmp_path):
    queue = DownloadQueue(max_workers=1)
    try:
        cache = gated_cache(demo_release, tmp_path / "c")
        first, second = nwb_ids(cache, 2)
        log = EventLog(queue)
        running = queue.submit(cache, first)
        log.wait_bytes(running.id)
        waiting = queue.submit(cache, second)
        assert waiting.state is JobState.QUEUED
        cancelled = queue.cancel(waiting.id)
        assert cancelled.state is JobState.CANCELLED
        assert queue.wait([waiting.id], timeout=0)
        assert not queue.wait(timeout=0)  # the first is still held at the gate
        with pytest.raises(KeyError, match="f" * 32):
            queue.cancel("f" * 32)
        cache.source.gate.set()
        assert queue.wait(timeout=60)
        assert queue.get(running.id).state is JobState.DONE
        assert cache.file_state(second) is FileState.MISSING
    finally:
        queue.shutdown()


def test_hash_mismatch_fails_the_job_and_leaves_nothing(demo_release, tmp_path, queue):
    release = copy_release(demo_release, tmp_path / "release")
    key = "visual-behavior-neuropixels/project_metadata/channels.csv"
    replace_file(release, key, (release / key).read_bytes() + b"tampered\n", fix_manifests=False)
    cache = VBNCache.from_mirror(release, tmp_path / "c")
    job = queue.submit(cache, "channels")
    assert queue.wait([job.id], timeout=60)
    ended = queue.get(job.id)
    assert ended.state is JobState.FAILED
    assert ended.error_kind == "hash-mismatch"
    assert "project_metadata/channels.csv" in ended.error
    final = cache.local_path("channels")
    assert not final.exists()
    assert not list(final.parent.glob(".*"))
    assert cache.file_state("channels") is FileState.MISSING


def test_disk_full_fails_the_job_and_keeps_the_part(demo_release, tmp_path, queue):
    full = OSError(errno.ENOSPC, "No space left on device")
    cache = VBNCache(tmp_path / "c", source=FailingSource(MirrorSource(demo_release), full))
    file_id = nwb_ids(cache, 1)[0]
    job = queue.submit(cache, file_id)
    assert queue.wait([job.id], timeout=60)
    ended = queue.get(job.id)
    assert ended.state is JobState.FAILED
    assert ended.error_kind == "disk-full"
    assert cache.manifest.data_entry(file_id).key in ended.error
    assert not cache.local_path(file_id).exists()
    assert cache.file_state(file_id) is FileState.PARTIAL


def test_read_only_caches_queue_nothing(demo_release, tmp_path, queue):
    static = VBNCache(demo_release, static=True)
    with pytest.raises(ReadOnlyCacheError, match="static cache"):
        queue.submit(static, "units")
    local = VBNCache(tmp_path / "empty")
    with pytest.raises(ReadOnlyCacheError, match="local-only cache"):
        queue.submit_many(local, ["units"])
    assert queue.jobs() == []


def test_submit_many_checks_every_ref_before_queueing(demo_release, tmp_path, queue):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    with pytest.raises(ManifestError, match=r"nothing queued: 2 of 3 .*99999999.*'nope'"):
        queue.submit_many(cache, ["units", 99999999, "nope"])
    with pytest.raises(ManifestError, match="True names no file"):
        queue.submit(cache, True)
    with pytest.raises(TypeError, match="list of table names"):
        queue.submit_many(cache, "units")
    assert queue.jobs() == []
    assert not (tmp_path / "c" / "visual-behavior-neuropixels-0.5.0").exists()


def test_same_file_twice_is_one_job_while_queued_or_running(demo_release, tmp_path):
    queue = DownloadQueue(max_workers=1)
    try:
        cache = gated_cache(demo_release, tmp_path / "c")
        other = VBNCache.from_cache_dir(tmp_path / "c")  # another object, same folder
        other.source = cache.source
        first, second = nwb_ids(cache, 2)
        log = EventLog(queue)
        running = queue.submit(cache, first)
        log.wait_bytes(running.id)
        assert queue.submit(cache, first).id == running.id
        assert queue.submit(other, str(first)).id == running.id
        waiting = queue.submit(cache, second)
        assert waiting.state is JobState.QUEUED
        twice = queue.submit_many(cache, [second, second, first])
        assert [j.id for j in twice] == [waiting.id, waiting.id, running.id]
        assert len(queue.jobs()) == 2
        cache.source.gate.set()
        assert queue.wait(timeout=60)
        again = queue.submit(cache, first)  # finished: a new job, which finds it verified
        assert again.id != running.id
        assert queue.wait([again.id], timeout=60)
        assert queue.get(again.id).state is JobState.DONE
        assert cache.source.opened == 2
    finally:
        queue.shutdown()


def test_no_more_than_max_workers_run_at_once(demo_release, tmp_path, queue):
    cache = gated_cache(demo_release, tmp_path / "c")
    ids = nwb_ids(cache, 5)
    log = EventLog(queue)
    jobs = queue.submit_many(cache, ids)

    def running_with_bytes(events) -> int:
        return len({e.id for e in events if e.bytes_done > 0})

    log.wait_for(lambda events: running_with_bytes(events) == 2, "two jobs running")
    states = [j.state for j in queue.jobs()]
    assert states.count(JobState.RUNNING) == 2
    assert states.count(JobState.QUEUED) == 3
    cache.source.gate.set()
    assert queue.wait(timeout=60)
    running: set[str] = set()
    most = 0
    for event in log.events:
        if event.state is JobState.RUNNING:
            running.add(event.id)
        else:
            running.discard(event.id)
        most = max(most, len(running))
    assert most == 2
    assert [queue.get(j.id).state for j in jobs] == [JobState.DONE] * 5


def test_a_job_keeps_the_manifest_it_was_queued_under(demo_release, tmp_path):
    queue = DownloadQueue(max_workers=1)
    try:
        cache = gated_cache(demo_release, tmp_path / "c")
        log = EventLog(queue)
        blocker = queue.submit(cache, "probes")
        log.wait_bytes(blocker.id)
        with pytest.warns(UserWarning, match="not the latest"):
            cache.load_manifest(V4)
        v4_units = cache.manifest.metadata_entry("units")
        job = queue.submit(cache, "units")
        cache.load_manifest(V5)
        cache.source.gate.set()
        assert queue.wait(timeout=60)
        ended = queue.get(job.id)
        assert ended.manifest == V4
        assert "visual-behavior-neuropixels-0.4.0" in ended.path
        assert hash_file(Path(ended.path)) == v4_units.file_hash
    finally:
        queue.shutdown()


def test_subscribers_unsubscribe_and_a_failing_one_is_contained(demo_release, tmp_path, queue):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    seen = []

    def broken(snap):
        raise RuntimeError("subscriber bug")

    queue.subscribe(broken)
    stop = queue.subscribe(seen.append)
    job = queue.submit(cache, "probes")
    assert queue.wait([job.id], timeout=60)
    assert seen[-1].state is JobState.DONE
    stop()
    count = len(seen)
    queue.submit(cache, "ecephys_sessions")
    assert queue.wait(timeout=60)
    assert len(seen) == count


def test_history_is_bounded_and_filtered_by_cache(demo_release, tmp_path, queue, monkeypatch):
    monkeypatch.setattr(transfers_module, "HISTORY", 3)
    a = VBNCache.from_mirror(demo_release, tmp_path / "a")
    b = VBNCache.from_mirror(demo_release, tmp_path / "b")
    first = queue.submit(a, "probes")
    assert queue.wait(timeout=60)
    for cache in (a, b):
        queue.submit_many(cache, nwb_ids(cache, 2))
        assert queue.wait(timeout=60)
    kept = queue.jobs()
    assert len(kept) == 3
    assert first.id not in {j.id for j in kept}
    assert [j.cache_dir for j in queue.jobs(tmp_path / "b")] == [
        str((tmp_path / "b").resolve())
    ] * 2
    assert not queue.active(tmp_path / "a")


def test_shutdown_cancels_and_refuses_new_work(demo_release, tmp_path):
    queue = DownloadQueue(max_workers=1)
    cache = gated_cache(demo_release, tmp_path / "c")
    log = EventLog(queue)
    running, waiting = queue.submit_many(cache, nwb_ids(cache, 2))
    log.wait_bytes(running.id)
    cancelled = threading.Thread(target=queue.shutdown)
    cancelled.start()
    log.wait_for(
        lambda events: any(e.id == waiting.id and e.state is JobState.CANCELLED for e in events),
        "the queued job cancelled",
    )
    cache.source.gate.set()
    cancelled.join(60)
    assert not cancelled.is_alive()
    assert queue.get(running.id).state is JobState.CANCELLED
    with pytest.raises(RuntimeError, match="shut down"):
        queue.submit(cache, "units")


def test_rate_meter_is_tqdms_ema_of_bytes_over_seconds():
    meter = RateMeter(smoothing=0.3, interval=0.1)
    assert meter.update(0, 0.0) is None
    assert meter.update(50, 0.05) is None  # shorter than the interval: not measured yet
    for step in range(1, 11):
        rate = meter.update(1000 * step, step * 1.0)
    assert rate == pytest.approx(1000.0)
    meter.update(11_000, 11.0)
    faster = meter.update(15_000, 12.0)
    assert 1000 < faster < 4000  # smoothed, not the last step's 4000
    assert meter.update(10, 13.0) is None  # restarted from zero: measured afresh


def test_classify_names_each_kind():
    assert classify(ReadOnlyCacheError("x"))[0] == "read-only"
    assert classify(HashMismatchError("k", "a" * 128, "b" * 128))[0] == "hash-mismatch"
    assert classify(AccessDeniedError("k: access denied"))[0] == "access-denied"
    full = OSError(errno.ENOSPC, "No space left on device", "/cache/.x.part")
    assert classify(full) == (
        "disk-full",
        "disk full writing /cache/.x.part: No space left on device",
    )
    gave_up = DownloadError("k: gave up after 2 attempts")
    gave_up.__cause__ = TransientSourceError("k: connection lost")
    assert classify(gave_up) == ("network", "k: gave up after 2 attempts")
    assert classify(DownloadError("k: NoSuchKey from s3://b")) == (
        "other",
        "k: NoSuchKey from s3://b",
    )


def test_submit_under_a_named_manifest_leaves_the_current_one(demo_release, tmp_path, queue):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    assert cache.current_manifest() is None
    cache.load_manifest(V5)
    last_used = (tmp_path / "c" / "_manifest_last_used.txt").read_text()
    job = queue.submit(cache, "units", manifest=V4)
    assert queue.wait([job.id], timeout=60)
    ended = queue.get(job.id)
    assert (ended.state, ended.manifest) == (JobState.DONE, V4)
    v4 = cache._read_manifest(V4).metadata_entry("units")
    assert hash_file(Path(ended.path)) == v4.file_hash
    assert cache.current_manifest() == V5
    assert (tmp_path / "c" / "_manifest_last_used.txt").read_text() == last_used
    with pytest.raises(ManifestError, match=r"'v9\.json' is not a manifest file name"):
        queue.submit(cache, "units", manifest="v9.json")
    with pytest.raises(ManifestError, match=r"v0\.9\.0\.json cannot be read: .* has no manifest"):
        queue.submit(cache, "units", manifest=V4.replace("0.4.0", "0.9.0"))
