"""DownloadQueue in bulk: thousands of jobs cancelled at once, batches and how they count,
verified files without jobs, and one job per file however many threads ask at once."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from vbn_testing.wrapped import EventLog, GatedSource

from vbn_widgets import VBNCache
from vbn_widgets.data import MirrorSource
from vbn_widgets.data import transfers as transfers_module
from vbn_widgets.data.jobs import JOB_STATES, JobState
from vbn_widgets.data.transfers import DownloadQueue


@pytest.fixture
def one_worker():
    q = DownloadQueue(max_workers=1)
    yield q
    q.shutdown(cancel=True, wait=True)


def every_ref(cache: VBNCache) -> list:
    return [*cache.manifest.metadata_files, *sorted(cache.manifest.data_files)]


def nwb_ids(cache, count: int) -> list[int]:
    files = cache.manifest.data_files
    return sorted(i for i, e in files.items() if e.key.endswith(".nwb"))[:count]


def test_cancelling_4000_queued_jobs_starts_none_of_them(demo_release, tmp_path, one_worker):
    queue = one_worker
    gate = threading.Event()
    log = EventLog(queue)
    first = VBNCache(tmp_path / "c0", source=GatedSource(MirrorSource(demo_release), gate=gate))
    blocker = queue.submit(first, nwb_ids(first, 1)[0])
    log.wait_bytes(blocker.id)  # the only worker is held inside this transfer
    sources, queued = [], []
    folder = 1
    while len(queued) < 4000:
        source = GatedSource(MirrorSource(demo_release), gate=gate)
        cache = VBNCache(tmp_path / f"c{folder}", source=source)
        sources.append(source)
        batch, jobs, verified = queue.enqueue(cache, every_ref(cache))
        assert verified == []
        assert batch.counts["queued"] == batch.files == len(jobs)
        queued += [j.id for j in jobs]
        folder += 1
    assert queue.cancel_all() == len(queued) + 1
    # at once, without waiting: every queued job is cancelled and settled (the queue keeps the
    # last 1000 finished jobs; the event log has them all)
    ended = {e.id: e.state for e in log.events if e.state is JobState.CANCELLED}
    assert all(i in ended for i in queued)
    kept = [j.id for j in queue.jobs() if j.id in set(queued)]
    assert kept
    assert queue.wait(kept, timeout=0)
    gate.set()
    assert queue.wait(timeout=60)
    assert queue.get(blocker.id).state is JobState.CANCELLED
    started = {e.id for e in log.events if e.state is JobState.RUNNING}
    assert started == {blocker.id}
    assert sum(s.opened for s in sources) == 0
    for batch in queue.batches():
        if batch.id != blocker.batch:
            assert batch.counts["cancelled"] == batch.files
            assert not batch.active
            assert batch.finished is not None


def test_cancel_many_reports_cancelled_finished_and_unknown(demo_release, tmp_path, one_worker):
    queue = one_worker
    cache = VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))
    log = EventLog(queue)
    done = queue.submit(cache, "probes")
    cache.source.gate.set()
    assert queue.wait([done.id], timeout=60)
    cache.source.gate.clear()
    running, *waiting = queue.submit_many(cache, nwb_ids(cache, 4))
    log.wait_bytes(running.id)
    other = VBNCache.from_mirror(demo_release, tmp_path / "elsewhere")
    foreign = queue.submit(other, "units")  # another folder: not cancelled through this one
    report = queue.cancel_many(
        [waiting[0].id, waiting[1].id, done.id, "f" * 32, foreign.id], cache_dir=tmp_path / "c"
    )
    assert report == {"cancelled": 2, "finished": 1, "unknown": ["f" * 32, foreign.id]}
    assert [queue.get(j.id).state for j in waiting] == [
        JobState.CANCELLED,
        JobState.CANCELLED,
        JobState.QUEUED,
    ]
    assert queue.get(running.id).state is JobState.RUNNING
    by_batch = queue.cancel_batch(running.batch)
    assert by_batch == {"cancelled": 2, "finished": 2, "unknown": []}
    cache.source.gate.set()
    assert queue.wait(timeout=60)
    assert queue.get(running.id).state is JobState.CANCELLED
    assert queue.get(foreign.id).state is JobState.DONE
    with pytest.raises(KeyError, match="no batch"):
        queue.cancel_batch("0" * 32)


def test_batches_share_a_file_and_count_it_in_each(demo_release, tmp_path, one_worker):
    queue = one_worker
    cache = VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))
    a, b, c = nwb_ids(cache, 3)
    log = EventLog(queue)
    first, jobs1, _ = queue.enqueue(cache, [a, b, a, str(b)])  # repeats are one file
    assert first.files == 2
    assert [j.ref for j in jobs1] == [a, b]
    log.wait_bytes(jobs1[0].id)
    second, jobs2, _ = queue.enqueue(cache, [b, c])
    assert jobs2[0].id == jobs1[1].id  # the same job, now a member of both batches
    assert jobs2[0].batch == first.id  # ... created by the first
    assert jobs2[1].batch == second.id
    assert second.counts == dict.fromkeys(JOB_STATES, 0) | {"queued": 2}
    seen: dict[str, list] = {first.id: [], second.id: []}

    def record(_snap):
        for batch in (first, second):
            seen[batch.id].append(queue.batch(batch.id))

    stop = queue.subscribe(record)
    cache.source.gate.set()
    assert queue.wait(timeout=60)
    stop()
    for batch_id, snaps in seen.items():
        done = [s.bytes_done for s in snaps]
        total = [s.bytes_total for s in snaps]
        assert done == sorted(done), "a batch's bytes_done went backwards"
        assert total == sorted(total), "a batch's bytes_total went backwards"
        final = queue.batch(batch_id)
        assert final.counts["done"] == 2 == final.files
        assert final.bytes_done == final.bytes_total > 0
        assert final.sized == 2
        assert not final.active
    size = {j: queue.get(j).bytes_total for j in (jobs1[1].id,)}
    shared = size[jobs1[1].id]
    f, s = queue.batch(first.id), queue.batch(second.id)
    assert shared < f.bytes_total
    assert shared < s.bytes_total
    # the queue's own totals count the shared job once
    view = queue.board_view(cache.cache_dir)
    assert view["totals"]["counts"]["done"] == 3
    assert view["totals"]["bytes_total"] == f.bytes_total + s.bytes_total - shared


def test_verified_files_get_no_job_and_submit_many_still_gets_one(demo_release, tmp_path):
    queue = DownloadQueue(max_workers=2)
    try:
        cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
        ids = nwb_ids(cache, 2)
        _, jobs, _ = queue.enqueue(cache, [ids[0], "probes"])
        assert queue.wait(timeout=60)
        batch, jobs, verified = queue.enqueue(cache, [ids[0], "probes", ids[1]])
        assert [v["ref"] for v in verified] == [ids[0], "probes"]
        assert verified[0]["key"] == cache.manifest.data_entry(ids[0]).key
        assert verified[1]["path"] == str(cache.local_path("probes"))
        assert [j.ref for j in jobs] == [ids[1]]
        assert (batch.files, batch.verified, batch.counts["queued"]) == (3, 2, 1)
        assert queue.wait(timeout=60)
        assert queue.batch(batch.id).counts["done"] == 1
        # submit_many keeps its contract: a snapshot per ref
        snaps = queue.submit_many(cache, [ids[1], ids[0]])
        assert [s.ref for s in snaps] == [ids[1], ids[0]]
        assert queue.wait(timeout=60)
        assert {queue.get(s.id).state for s in snaps} == {JobState.DONE}
    finally:
        queue.shutdown()


def test_many_threads_asking_for_one_file_get_one_job_or_verified(demo_release, tmp_path):
    queue = DownloadQueue(max_workers=2)
    try:
        cache = VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))
        (file_id,) = nwb_ids(cache, 1)
        log = EventLog(queue)
        first = queue.enqueue(cache, [file_id]).jobs[0]
        log.wait_bytes(first.id)
        answers: list = []
        lock = threading.Lock()

        def ask(i: int) -> None:
            if i == 200:
                cache.source.gate.set()  # the transfer ends while the others are still asking
            _, jobs, _ = queue.enqueue(cache, [file_id])
            with lock:
                answers.append(jobs[0].id if jobs else "verified")

        with ThreadPoolExecutor(16) as pool:
            list(pool.map(ask, range(400)))
        assert set(answers) <= {first.id, "verified"}, set(answers) - {first.id}
        assert answers.count(first.id) >= 150  # every answer before the gate opened
        assert cache.source.opened == 1
        assert queue.wait(timeout=60)
        _, jobs, verified = queue.enqueue(cache, [file_id])
        assert jobs == []
        assert [v["ref"] for v in verified] == [file_id]
        assert len({j.id for j in queue.jobs()}) == 1
    finally:
        queue.shutdown()


def test_jobs_filter_by_batch_and_state(demo_release, tmp_path, one_worker):
    queue = one_worker
    cache = VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))
    log = EventLog(queue)
    first = queue.enqueue(cache, nwb_ids(cache, 2))
    log.wait_bytes(first.jobs[0].id)
    second = queue.enqueue(cache, ["units"])
    assert [j.id for j in queue.jobs(batch=second.batch.id)] == [second.jobs[0].id]
    queued = queue.jobs(tmp_path / "c", states=["queued"])
    assert {j.id for j in queued} == {first.jobs[1].id, second.jobs[0].id}
    assert queue.active(tmp_path / "c")
    assert not queue.active(tmp_path / "other")
    cache.source.gate.set()
    assert queue.wait_batch(second.batch.id, timeout=60)
    assert queue.wait(timeout=60)
    assert not queue.active()


def test_batch_history_is_bounded_and_keeps_an_active_batch(
    demo_release, tmp_path, one_worker, monkeypatch
):
    monkeypatch.setattr(transfers_module, "BATCH_HISTORY", 5)
    queue = one_worker
    cache = VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))
    log = EventLog(queue)
    long = queue.enqueue(cache, nwb_ids(cache, 2))  # the oldest batch, active throughout
    log.wait_bytes(long.jobs[0].id)
    done = VBNCache.from_mirror(demo_release, tmp_path / "d")
    layout = done.layout
    path = done.local_path("probes")
    path.parent.mkdir(parents=True)
    path.write_bytes(done.source.path_of(done.manifest.metadata_entry("probes")).read_bytes())
    layout.record_downloaded(path, done.manifest.metadata_entry("probes").file_hash)
    small = [queue.enqueue(done, ["probes"]).batch for _ in range(20)]  # verified: finished
    assert all(not b.active and b.verified == 1 for b in small)
    kept = [b.id for b in queue.batches()]
    assert kept == [long.batch.id] + [b.id for b in small[-4:]]
    cache.source.gate.set()
    assert queue.wait(timeout=60)
