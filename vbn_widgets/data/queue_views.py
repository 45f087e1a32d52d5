"""The looking and steering side of ``DownloadQueue``: jobs, batches, waiting, subscribers,
cancelling many at once, the board's view, and the bulk file operations (verify, delete). Mixed
into the queue; works on its state under its lock and never does I/O there."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .jobs import ACTIVE, FINISHED, BatchSnapshot, JobSnapshot, JobState

if TYPE_CHECKING:
    import os
    from collections import OrderedDict, deque

    from .cache import VBNCache
    from .file_ops import Operations
    from .job_board import BoardWriter
    from .job_runtime import Batch, Job, Tally

MAX_BOARD_BATCHES = 64
MAX_BOARD_ACTIVE = 256
MAX_BOARD_FAILED = 256


def _where(cache_dir: str | os.PathLike[str]) -> Path:
    return Path(cache_dir).expanduser().resolve()


class QueueViews:
    _lock: threading.RLock
    _changed: threading.Condition
    _jobs: dict[str, Job]
    _pending: deque[Job]
    _by_path: dict[str, str]
    _running: set[str]
    _failed: deque[str]
    _batches: OrderedDict[str, Batch]
    _totals: dict[Path, Tally]
    _unsettled: int
    _subscribers: list[Callable[[JobSnapshot], None]]
    _ops: Operations | None
    _board: BoardWriter | None
    _cancel: Callable[[Job], bool]  # DownloadQueue's, under the lock
    _settle_many: Callable[[list[Job]], None]

    # jobs
    def _job(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise KeyError(f"no download job {job_id!r} in this queue") from None

    def _select(self, cache_dir: str | os.PathLike[str] | None) -> list[Job]:
        if cache_dir is None:
            return list(self._jobs.values())
        where = _where(cache_dir)
        return [j for j in self._jobs.values() if j.cache.cache_dir == where]

    def jobs(
        self,
        cache_dir: str | os.PathLike[str] | None = None,
        *,
        batch: str | None = None,
        states: Iterable[str] | None = None,
    ) -> list[JobSnapshot]:
        """Every job (of one cache folder, of one batch, in these states), oldest first;
        finished ones up to the last 1000."""
        wanted = None if states is None else {JobState(s) for s in states}
        with self._lock:
            jobs = self._select(cache_dir)
            if batch is not None:
                members = set(self._batch(batch).job_ids)
                jobs = [j for j in jobs if j.id in members]
            return [j.snapshot() for j in jobs if wanted is None or j.state in wanted]

    def get(self, job_id: str) -> JobSnapshot:
        with self._lock:
            return self._job(job_id).snapshot()

    def active_job(self, path: Path) -> str | None:
        """The id of the queued or running job that writes ``path``, if any."""
        with self._lock:
            return self._by_path.get(str(path))

    def active(self, cache_dir: str | os.PathLike[str] | None = None) -> bool:
        with self._lock:
            if cache_dir is None:
                return any(t.active for t in self._totals.values())
            totals = self._totals.get(_where(cache_dir))
            return totals is not None and totals.active

    def wait(self, job_ids: Iterable[str] | None = None, timeout: float | None = None) -> bool:
        """Block until those jobs (default: all, including ones submitted meanwhile) finished."""
        with self._changed:
            if job_ids is None:
                return self._changed.wait_for(lambda: self._unsettled == 0, timeout)
            ids = [self._job(i).id for i in job_ids]

            def finished() -> bool:
                return all(j is None or j.settled for j in (self._jobs.get(i) for i in ids))

            return self._changed.wait_for(finished, timeout)

    def subscribe(self, fn: Callable[[JobSnapshot], None]) -> Callable[[], None]:
        """Call ``fn(snapshot)`` on every change (from worker threads); returns an unsubscribe."""
        with self._lock:
            self._subscribers.append(fn)

        def unsubscribe() -> None:
            with self._lock:
                if fn in self._subscribers:
                    self._subscribers.remove(fn)

        return unsubscribe

    # batches
    def _batch(self, batch_id: str) -> Batch:
        try:
            return self._batches[batch_id]
        except KeyError:
            raise KeyError(f"no batch {batch_id!r} in this queue") from None

    def batch(self, batch_id: str) -> BatchSnapshot:
        with self._lock:
            return self._batch(batch_id).snapshot()

    def batch_job_ids(self, batch_id: str) -> list[str]:
        with self._lock:
            return list(self._batch(batch_id).job_ids)

    def batches(self, cache_dir: str | os.PathLike[str] | None = None) -> list[BatchSnapshot]:
        """Batches (of one cache folder), oldest first; finished ones up to the last 256."""
        where = None if cache_dir is None else _where(cache_dir)
        with self._lock:
            return [
                b.snapshot()
                for b in self._batches.values()
                if where is None or b.cache_dir == where
            ]

    def wait_batch(self, batch_id: str, timeout: float | None = None) -> bool:
        return self.wait(self.batch_job_ids(batch_id), timeout)

    # the board
    def board_view(self, cache_dir: Path) -> dict[str, Any]:
        """What the job board of ``cache_dir`` shows now (``job_board`` documents it)."""
        with self._lock:
            totals = self._totals.get(cache_dir)
            batches = [b for b in self._batches.values() if b.cache_dir == cache_dir]
            # every active batch (a kernel may be waiting for it), then the newest finished
            active_batches = [b for b in batches if b.active][:MAX_BOARD_ACTIVE]
            room = max(0, MAX_BOARD_BATCHES - len(active_batches))
            finished = [b for b in batches if not b.active][-room:] if room else []
            batches = sorted(active_batches + finished, key=lambda b: b.submitted)
            mine = [self._jobs[i] for i in self._running if i in self._jobs]
            active = [j for j in mine if j.cache.cache_dir == cache_dir]
            for job in self._pending:
                if len(active) >= MAX_BOARD_ACTIVE:
                    break
                if job.state is JobState.QUEUED and job.cache.cache_dir == cache_dir:
                    active.append(job)
            failed = []
            for job_id in reversed(self._failed):
                job = self._jobs.get(job_id)
                if job is not None and job.cache.cache_dir == cache_dir:
                    failed.append(job)
                    if len(failed) >= MAX_BOARD_FAILED:
                        break
            counts = dict(totals.counts) if totals else {}
            view = {
                "totals": {
                    "counts": counts,
                    "bytes_done": totals.bytes_done if totals else 0,
                    "bytes_total": totals.bytes_total if totals else 0,
                    "sized": totals.sized if totals else 0,
                    "active": bool(totals and totals.active),
                },
                "batches": [b.snapshot().to_json() for b in batches],
                "jobs": [j.snapshot().to_json() for j in active + failed],
                "left_out": {
                    "active": sum(counts.get(s.value, 0) for s in ACTIVE) - len(active),
                    "failed": max(0, counts.get("failed", 0) - len(failed)),
                },
            }
        ops = self._ops
        view["operations"] = ops.board_view(cache_dir) if ops is not None else []
        return view

    def _poke_board(self, cache_dir: Path) -> None:
        if self._board is not None:
            self._board.poke(cache_dir)

    # control
    def cancel(self, job_id: str) -> JobSnapshot:
        """Cancel a queued job now, a running one at its next chunk (its partial bytes stay)."""
        with self._lock:
            job = self._job(job_id)
            dropped = self._cancel(job)
        self._settle_many([job] if dropped else [])
        with self._lock:
            return job.snapshot()

    def cancel_many(
        self, job_ids: Iterable[str], cache_dir: str | os.PathLike[str] | None = None
    ) -> dict:
        """Cancel these jobs (of one cache folder) at once: ``{"cancelled": n, "finished": n,
        "unknown": [ids]}``; queued ones end ``cancelled`` without starting."""
        where = None if cache_dir is None else Path(cache_dir).expanduser().resolve()
        report: dict = {"cancelled": 0, "finished": 0, "unknown": []}
        with self._lock:
            dropped = []
            for job_id in job_ids:
                job = self._jobs.get(job_id)
                if job is None or (where is not None and job.cache.cache_dir != where):
                    report["unknown"].append(job_id)
                elif job.state in FINISHED:
                    report["finished"] += 1
                else:
                    report["cancelled"] += 1
                    if self._cancel(job):
                        dropped.append(job)
        self._settle_many(dropped)
        return report

    def cancel_batch(self, batch_id: str) -> dict:
        """``cancel_many`` of every job of a batch (a job shared with another batch too)."""
        with self._lock:
            ids = list(self._batch(batch_id).job_ids)
        return self.cancel_many(ids)

    def cancel_all(self, cache_dir: str | os.PathLike[str] | None = None) -> int:
        """Cancel every queued and running job (of one cache folder); returns how many."""
        with self._lock:
            jobs = [j for j in self._select(cache_dir) if j.state in ACTIVE]
            dropped = [j for j in jobs if self._cancel(j)]
        self._settle_many(dropped)
        return len(jobs)

    # bulk file operations
    def _operations(self) -> Operations:
        with self._lock:
            if self._ops is None:
                from .file_ops import Operations

                self._ops = Operations(self)
            return self._ops

    def verify_many(
        self, cache: VBNCache, refs: Iterable[str | int], *, manifest: str | None = None, guard=None
    ) -> dict:
        """Re-hash these files on a thread of their own; the operation's JSON (``file_ops``)."""
        return self._operations().start("verify", cache, refs, manifest, guard)

    def delete_many(
        self, cache: VBNCache, refs: Iterable[str | int], *, manifest: str | None = None, guard=None
    ) -> dict:
        """Delete these files (cancelling their downloads first); the operation's JSON."""
        return self._operations().start("delete", cache, refs, manifest, guard)

    def operation(self, op_id: str, *, items: bool = True) -> dict:
        return self._operations().get(op_id, items=items)

    def operations(self, cache_dir: str | os.PathLike[str] | None = None) -> list[dict]:
        return self._operations().list(None if cache_dir is None else _where(cache_dir))

    def cancel_operation(self, op_id: str) -> dict:
        return self._operations().cancel(op_id)

    def wait_operation(self, op_id: str, timeout: float | None = None) -> bool:
        return self._operations().wait(op_id, timeout)
