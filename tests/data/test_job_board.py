"""The job board: a queue writes its progress into the cache folder; any process reads it back,
and a broken, half-written or hostile board file never breaks the reader."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from vbn_testing.wrapped import WAIT, EventLog, GatedSource

from vbn_widgets import VBNCache
from vbn_widgets.data import MirrorSource, job_board, queue_views
from vbn_widgets.data.job_board import board_dir, read_board
from vbn_widgets.data.jobs import JOB_FIELDS, JobState
from vbn_widgets.data.transfers import DownloadQueue


def poll_board(cache_dir: Path, predicate, what: str):
    """Read the board until ``predicate(board)`` holds (the writer is a thread of its own)."""
    deadline = time.monotonic() + WAIT
    while True:
        board = read_board(cache_dir)
        if predicate(board):
            return board
        assert time.monotonic() < deadline, f"never on the board: {what}; last: {board}"
        time.sleep(0.02)


def nwb_ids(cache, count: int) -> list[int]:
    files = cache.manifest.data_files
    return sorted(i for i, e in files.items() if e.key.endswith(".nwb"))[:count]


@pytest.fixture
def gated(demo_release, tmp_path):
    return VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))


def test_a_kernel_queue_board_shows_progress_then_the_end(gated, tmp_path):
    queue = DownloadQueue(max_workers=1, board="kernel")
    try:
        log = EventLog(queue)
        batch, jobs, _ = queue.enqueue(gated, [*nwb_ids(gated, 3), "probes"])
        log.wait_bytes(jobs[0].id)
        board = poll_board(
            gated.cache_dir,
            lambda b: any(j["state"] == "running" and j["bytes_done"] > 0 for j in b.jobs),
            "the running job with bytes",
        )
        assert board.active and board.problems == ()
        (mine,) = board.boards
        assert mine.live and mine.writer["kind"] == "kernel" and mine.writer["pid"] == os.getpid()
        assert Path(mine.path).parent == board_dir(gated.cache_dir)
        assert Path(mine.path).name == f"kernel-{mine.writer['id']}.json"
        assert [j["state"] for j in mine.jobs] == ["running", "queued", "queued", "queued"]
        assert all(list(j) == list(JOB_FIELDS) for j in mine.jobs)
        assert board.batch(batch.id)["counts"]["queued"] == 3
        assert mine.totals["counts"]["running"] == 1
        gated.source.gate.set()
        assert queue.wait(timeout=60)
        done = poll_board(
            gated.cache_dir, lambda b: b.batches and not b.batches[0]["active"], "the batch done"
        )
        assert not done.active
        final = done.batch(batch.id)
        assert final["counts"]["done"] == 4
        assert final["bytes_done"] == final["bytes_total"] > 0
        assert done.jobs == []  # nothing active or failed is left to list
    finally:
        queue.shutdown()
    closed = read_board(gated.cache_dir)
    assert closed.boards[0].writer["closed"] is True
    assert not closed.boards[0].live
    assert not list(board_dir(gated.cache_dir).glob(".*"))  # no temporary file left


def test_another_process_reads_the_board(gated):
    queue = DownloadQueue(max_workers=1, board="kernel")
    try:
        log = EventLog(queue)
        job = queue.submit(gated, nwb_ids(gated, 1)[0])
        log.wait_bytes(job.id)
        poll_board(gated.cache_dir, lambda b: b.active, "active")
        code = (
            "import json, sys\n"
            "from vbn_widgets.data.job_board import read_board\n"
            "b = read_board(sys.argv[1])\n"
            "print(json.dumps([b.active, [j['id'] for j in b.jobs], list(b.problems)]))\n"
        )
        out = subprocess.run(
            [sys.executable, "-c", code, str(gated.cache_dir)],
            capture_output=True,
            text=True,
            check=True,
            timeout=120,
        )
        assert json.loads(out.stdout) == [True, [job.id], []]
        gated.source.gate.set()
        assert queue.wait(timeout=60)
    finally:
        queue.shutdown()


def test_the_board_stays_bounded_and_its_writes_throttled(demo_release, tmp_path, monkeypatch):
    monkeypatch.setattr(queue_views, "MAX_BOARD_ACTIVE", 5)
    cache = VBNCache(tmp_path / "c", source=GatedSource(MirrorSource(demo_release)))
    queue = DownloadQueue(max_workers=1, board="server")
    try:
        started = time.monotonic()
        log = EventLog(queue)
        refs = [*cache.manifest.metadata_files, *sorted(cache.manifest.data_files)]
        _, jobs, _ = queue.enqueue(cache, refs)
        log.wait_bytes(jobs[0].id)
        board = poll_board(
            cache.cache_dir,
            lambda b: b.active and b.boards[0].totals["counts"]["running"] == 1,
            "one job running",
        )
        (mine,) = board.boards
        assert len(mine.jobs) == 5
        assert mine.left_out["active"] == len(jobs) - 5
        assert mine.totals["counts"]["queued"] == len(jobs) - 1
        cache.source.gate.set()
        assert queue.wait(timeout=120)
        final = poll_board(cache.cache_dir, lambda b: not b.active, "idle").boards[0]
        elapsed = time.monotonic() - started
        events = len(log.events)
        # at most one write per INTERVAL (plus the first), far fewer than the queue's events
        assert final.seq <= 2 + elapsed / job_board.INTERVAL
        assert final.seq < events / 4
    finally:
        queue.shutdown()


def real_board(gated) -> dict:
    queue = DownloadQueue(max_workers=1, board="kernel")
    try:
        log = EventLog(queue)
        job = queue.submit(gated, nwb_ids(gated, 1)[0])
        log.wait_bytes(job.id)
        board = poll_board(
            gated.cache_dir, lambda b: any(j["state"] == "running" for j in b.jobs), "running"
        )
        raw = json.loads(Path(board.boards[0].path).read_bytes())
        gated.source.gate.set()
        queue.wait(timeout=60)
    finally:
        queue.shutdown()
    for path in board_dir(gated.cache_dir).iterdir():
        path.unlink()
    return raw


def test_broken_and_hostile_board_files_are_skipped_and_named(gated, tmp_path, monkeypatch):
    good = real_board(gated)
    folder = board_dir(gated.cache_dir)
    text = json.dumps(good)
    job = good["jobs"][0]
    cases = {
        "server-half.json": text[: len(text) // 2].encode(),
        "server-latin1.json": '{"format": "caf\xe9"}'.encode("latin-1"),
        "server-deep.json": b"[" * 100_000 + b"]" * 100_000,
        "server-list.json": b"[1, 2]",
        "server-format.json": json.dumps({**good, "format": "other"}).encode(),
        "server-state.json": json.dumps({**good, "jobs": [{**job, "state": "paused"}]}).encode(),
        "server-bytes.json": json.dumps({**good, "jobs": [{**job, "bytes_done": "9"}]}).encode(),
        "server-nan.json": text.replace('"updated":', '"updated": NaN, "x":').encode(),
        "server-kind.json": json.dumps(
            {**good, "writer": {**good["writer"], "kind": "x"}}
        ).encode(),
        "server-counts.json": json.dumps(
            {**good, "totals": {**good["totals"], "counts": {"done": -1}}}
        ).encode(),
        "server-huge.json": b" " * 250_001,
    }
    monkeypatch.setattr(job_board, "MAX_BYTES", 250_000)
    for name, data in cases.items():
        (folder / name).write_bytes(data)
    (folder / "server-dir.json").mkdir()
    os.mkfifo(folder / "server-fifo.json")  # would block a reader that opened it
    (folder / "server-link.json").symlink_to(tmp_path / "nowhere")
    (folder / ".server-x.json.123.tmp").write_bytes(b"{")  # a write in progress: not a board
    (folder / "kernel-good.json").write_text(text)
    board = read_board(gated.cache_dir)
    assert [Path(b.path).name for b in board.boards] == ["kernel-good.json"]
    named = {p.split(": ", 1)[0].rsplit("/", 1)[1] for p in board.problems}
    expected = set(cases) | {"server-dir.json", "server-fifo.json", "server-link.json"}
    assert named == expected
    why = dict(p.rsplit("/", 1)[1].split(": ", 1) for p in board.problems)
    assert "half-written" in why["server-half.json"]
    assert "jobs[0].state" in why["server-state.json"]
    assert "jobs[0].bytes_done" in why["server-bytes.json"]
    assert "nested too deeply" in why["server-deep.json"]
    assert "not a regular file" in why["server-fifo.json"]
    assert "larger than" in why["server-huge.json"]


def test_liveness_follows_the_pid_the_heartbeat_and_closing(gated):
    good = real_board(gated)
    folder = board_dir(gated.cache_dir)
    active = {**good["totals"], "active": True}
    now = time.time()
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.strip()
    boards = {
        "kernel-fresh.json": {**good, "totals": active, "updated": now},
        "kernel-stale.json": {**good, "totals": active, "updated": now - 60},
        "kernel-idle-old.json": {**good, "totals": {**active, "active": False}, "updated": 0.0},
        "kernel-dead.json": {
            **good,
            "totals": active,
            "updated": now,
            "writer": {**good["writer"], "pid": int(dead)},
        },
        "kernel-closed.json": {
            **good,
            "updated": now,
            "writer": {**good["writer"], "closed": True},
        },
        "kernel-remote.json": {
            **good,
            "totals": active,
            "updated": now,
            "writer": {**good["writer"], "host": "another-host", "pid": int(dead)},
        },
    }
    for name, data in boards.items():
        (folder / name).write_text(json.dumps(data))
    live = {Path(b.path).name: b.live for b in read_board(gated.cache_dir).boards}
    assert live == {
        "kernel-closed.json": False,
        "kernel-dead.json": False,
        "kernel-fresh.json": True,
        "kernel-idle-old.json": True,
        "kernel-remote.json": True,
        "kernel-stale.json": False,
    }
    assert read_board(gated.cache_dir).active  # the fresh and the remote one
    assert read_board(gated.cache_dir / "nowhere").boards == ()
    assert JobState.RUNNING.value in {j["state"] for j in good["jobs"]}
