"""A download queue: worker threads fetch files of a ``VBNCache`` with progress, rate and cancel.

Used in the kernel (the cache browser) and in the Jupyter server (the download manager). Every
submission is a batch (``jobs``: batches and how they count); a job keeps the manifest it was
queued under; asking for a file that is already queued or running (same final path) joins that
job. Subscribers hear every state change and progress at most ten times a second per job; the
snapshots each subscriber sees of one job never go back in state. Everything bulk is O(files):
4,000 queued jobs are cancelled under one lock hold and none of them starts. The lock is never
held while hashing or doing I/O. With ``board=`` the queue also keeps a job board in every cache
folder it downloads into (``job_board``), so another process on that folder sees its progress.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from . import queue_views
from .errors import DownloadCancelled
from .job_plan import Enqueued, plan_jobs, verified_paths
from .job_runtime import Batch, Job, RateMeter, Tally, classify
from .jobs import ErrorKind, JobSnapshot, JobState

if TYPE_CHECKING:
    from .cache import VBNCache
    from .download import FileProgress

__all__ = [
    "DownloadQueue",
    "Enqueued",
    "ErrorKind",
    "JobSnapshot",
    "JobState",
    "RateMeter",
    "classify",
]

log = logging.getLogger(__name__)
HISTORY = 1000  # finished jobs kept
BATCH_HISTORY = 256  # finished batches kept
FAILED_KEPT = 256  # failed jobs a board lists
PROGRESS_INTERVAL = 0.1  # seconds between progress events of one job
Guard = Callable[[Path, object], None]


class DownloadQueue(queue_views.QueueViews):
    """Downloads run by ``max_workers`` daemon threads, oldest submission first.

    ``board`` ("kernel" or "server") names this queue on the job board it keeps in each cache
    folder; None (the default) keeps none.
    """

    def __init__(self, *, max_workers: int = 2, board: str | None = None) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers!r}")
        self.max_workers = max_workers
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._emit_lock = threading.RLock()  # snapshots reach subscribers in the order taken
        self._jobs: dict[str, Job] = {}
        self._pending: deque[Job] = deque()  # cancelled ones stay until a worker skips them
        self._by_path: dict[str, str] = {}  # final path -> id of its queued or running job
        self._done_at: dict[str, tuple[int, str]] = {}  # final path -> (seq, id) of a done job
        self._seq = 0  # counts finished jobs
        self._settled: deque[str] = deque()  # settled ids, oldest first (history)
        self._unsettled = 0
        self._running: set[str] = set()
        self._failed: deque[str] = deque(maxlen=FAILED_KEPT)
        self._batches: OrderedDict[str, Batch] = OrderedDict()
        self._totals: dict[Path, Tally] = {}  # per cache folder: every job once
        self._subscribers: list[Callable[[JobSnapshot], None]] = []
        self._workers: list[threading.Thread] = []
        self._closed = False
        self._ops = None
        self._board = None
        if board is not None:
            from .job_board import BoardWriter

            self._board = BoardWriter(self, board)

    # submitting
    def submit(
        self, cache: VBNCache, ref: str | int, *, manifest: str | None = None
    ) -> JobSnapshot:
        """Queue one file (table name or file_id) of the cache's current manifest, or of the
        manifest named (which leaves the cache's current manifest alone)."""
        return self.submit_many(cache, [ref], manifest=manifest)[0]

    def submit_many(
        self, cache: VBNCache, refs: Iterable[str | int], *, manifest: str | None = None
    ) -> list[JobSnapshot]:
        """Queue files, all or none (every ref is checked against the manifest first): one job
        snapshot per ref, a file already verified included (its job finds it so at once)."""
        _, members, _, order = self._submit(cache, refs, manifest, skip_verified=False)
        return [members[path] for path in order]

    def enqueue(
        self,
        cache: VBNCache,
        refs: Iterable[str | int],
        *,
        manifest: str | None = None,
        guard: Guard | None = None,
    ) -> Enqueued:
        """Queue files as one batch, all or none; a file already verified gets no job.

        ``guard(final_path, entry)`` is called for every file before anything is queued; what
        it raises refuses the whole request (the server's path wall).
        """
        batch, members, verified, _ = self._submit(
            cache, refs, manifest, skip_verified=True, guard=guard
        )
        return Enqueued(batch, list(members.values()), verified)

    def _submit(self, cache, refs, manifest, *, skip_verified: bool, guard: Guard | None = None):
        """(batch snapshot, {final path: job snapshot}, verified files, final path of each ref)."""
        chosen, plans = plan_jobs(cache, refs, manifest)
        if guard is not None:
            for _, entry, path in plans:
                guard(path, entry)
        with self._lock:
            seq0 = self._seq
        verified = verified_paths(cache, plans) if skip_verified else set()
        fresh: list[Job] = []
        members: dict[str, Job] = {}  # final path -> job, request order
        skipped: list[dict] = []
        where = cache.cache_dir
        with self._lock:
            if self._closed:
                raise RuntimeError("the download queue is shut down; make a new one")
            totals = self._totals.setdefault(where, Tally())
            batch = Batch(where, chosen.name, 0, 0)
            seen: set[str] = set()
            for ref, entry, path in plans:
                key = str(path)
                if key in seen:
                    continue
                seen.add(key)
                job = self._joinable(key, seq0)
                if job is None and key in verified:
                    skipped.append({"ref": ref, "key": entry.key, "path": key})
                    continue
                if job is None:
                    job = Job(cache, chosen, entry, ref, path, batch=batch.id)
                    self._jobs[job.id] = job
                    self._by_path[key] = job.id
                    self._unsettled += 1
                    job.join(totals)
                    fresh.append(job)
                members[key] = job
                job.join(batch)
                batch.job_ids.append(job.id)
            batch.files, batch.verified = len(seen), len(skipped)
            if not batch.active:
                batch.finished = time.time()
            self._batches[batch.id] = batch
            self._prune_batches()
        self._emit_many(fresh)  # subscribers hear "queued" before any worker can take a job
        self._enqueue(fresh)
        self._poke_board(where)
        with self._lock:
            snaps = {key: job.snapshot() for key, job in members.items()}
            return batch.snapshot(), snaps, skipped, [str(path) for _, _, path in plans]

    def _joinable(self, key: str, seq0: int) -> Job | None:
        """Under the lock: the active job of this path, or the one that finished it (done)
        since ``seq0``, when this request began: concurrent requests report one job."""
        same = self._by_path.get(key)
        if same is not None:
            return self._jobs[same]
        done = self._done_at.get(key)
        if done is not None and done[0] > seq0:
            return self._jobs.get(done[1])
        return None

    def _enqueue(self, fresh: list[Job]) -> None:
        dropped = []
        with self._lock:
            for job in fresh:
                if job.state is not JobState.QUEUED:
                    continue  # cancelled meanwhile
                if self._closed:  # shut down meanwhile
                    self._cancel(job)
                    dropped.append(job)
                else:
                    self._pending.append(job)
            self._start_workers()
            self._changed.notify_all()
        self._settle_many(dropped)

    def _start_workers(self) -> None:
        while len(self._workers) < self.max_workers:
            worker = threading.Thread(
                target=self._work, name=f"vbn-download-{len(self._workers)}", daemon=True
            )
            self._workers.append(worker)
            worker.start()

    # workers
    def _work(self) -> None:
        while True:
            with self._lock:
                job = None
                while job is None:
                    while not self._pending and not self._closed:
                        self._changed.wait()
                    if not self._pending:
                        return
                    job = self._pending.popleft()
                    if job.state is not JobState.QUEUED:
                        job = None  # cancelled while queued: never started
                job.set_state(JobState.RUNNING)
                self._running.add(job.id)
            self._emit(job)
            self._run(job)

    def _run(self, job: Job) -> None:
        kind: ErrorKind | None = None
        message = None
        try:
            path = job.cache.fetch_entry(
                job.manifest,
                job.entry,
                progress=lambda p: self._progress(job, p),
                cancel=job.cancel,
            )
            size = path.stat().st_size
            state = JobState.DONE
        except DownloadCancelled:
            state = JobState.CANCELLED
        except Exception as err:  # every failure becomes the job's error
            state = JobState.FAILED
            kind, message = classify(err)
            if job.entry.key not in message:
                message = f"{job.entry.key}: {message}"
        with self._lock:
            if state is JobState.DONE:
                job.set_bytes(size, size)
            job.error_kind, job.error = kind, message
            job.set_state(state)
            self._finish(job)
        self._settle_many([job])

    def _progress(self, job: Job, progress: FileProgress) -> None:
        now = time.monotonic()
        with self._lock:
            job.meter.update(progress.bytes_done, now)
            job.set_bytes(progress.bytes_done, progress.bytes_total)
            due = now - job.last_emit >= PROGRESS_INTERVAL
            due = due or progress.bytes_done == progress.bytes_total
            if due:
                job.last_emit = now
        if due:
            self._emit(job)

    def _finish(self, job: Job) -> None:
        """Under the lock: the job ended; free its path for a new submission."""
        job.finished = time.time()
        key = str(job.path)
        if self._by_path.get(key) == job.id:
            del self._by_path[key]
        self._running.discard(job.id)
        self._seq += 1
        if job.state is JobState.DONE:
            self._done_at[key] = (self._seq, job.id)
        elif job.state is JobState.FAILED:
            self._failed.append(job.id)

    def _settle_many(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        self._emit_many(jobs)
        with self._lock:
            for job in jobs:
                job.settled = True
                self._settled.append(job.id)
                self._unsettled -= 1
            while len(self._settled) > HISTORY:
                old = self._jobs.pop(self._settled.popleft(), None)
                if old is not None and self._done_at.get(str(old.path), (0, ""))[1] == old.id:
                    del self._done_at[str(old.path)]
            self._changed.notify_all()

    def _prune_batches(self) -> None:
        """Under the lock: forget the oldest finished batches beyond BATCH_HISTORY (an active
        batch stays however old)."""
        extra = len(self._batches) - BATCH_HISTORY
        if extra > 0:
            for old in [b.id for b in self._batches.values() if not b.active][:extra]:
                del self._batches[old]

    def _emit(self, job: Job) -> None:
        self._emit_many([job])

    def _emit_many(self, jobs: list[Job]) -> None:
        if not jobs:
            return
        with self._emit_lock:
            with self._lock:
                snaps = [job.snapshot() for job in jobs]
                subscribers = list(self._subscribers)
            for snap in snaps:
                for fn in subscribers:
                    try:
                        fn(snap)
                    except Exception:
                        log.exception("download queue subscriber %r failed on job %s", fn, snap.id)

    # control
    def _cancel(self, job: Job) -> bool:
        """Under the lock; True when a queued job was dropped (and must be settled)."""
        if job.state is JobState.QUEUED:
            job.set_state(JobState.CANCELLED)
            self._finish(job)
            return True
        if job.state is JobState.RUNNING:
            job.cancel.set()
        return False

    def shutdown(self, *, cancel: bool = True, wait: bool = True) -> None:
        """Stop taking jobs; ``cancel`` also stops the queued and running ones. With ``wait``,
        join the workers and write the boards a last time (``closed``); without, the caller
        calls ``close_board()`` once it has waited as long as it wants."""
        with self._lock:
            self._closed = True
            dropped = []
            if cancel:
                dropped = [j for j in list(self._jobs.values()) if self._cancel(j)]
            self._changed.notify_all()
            workers = list(self._workers)
        self._settle_many(dropped)
        if self._ops is not None:
            self._ops.shutdown()
        if wait:
            for worker in workers:
                if worker is not threading.current_thread():
                    worker.join()
            self.close_board()

    def close_board(self) -> None:
        """The last write of this queue's boards (``writer.closed``); they are then not live."""
        if self._board is not None:
            self._board.stop()
