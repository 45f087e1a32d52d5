"""A download queue: worker threads fetch files of a ``VBNCache`` with progress, rate and cancel.

Used in the kernel (the cache browser) and in the Jupyter server (the download manager). A job
keeps the manifest it was queued under; submitting a file that is already queued or running (same
final path) returns that job. Subscribers hear every state change and progress at most ten times a
second per job; the snapshots each subscriber sees of one job never go back in state.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DownloadCancelled
from .jobs import FINISHED, ErrorKind, Job, JobSnapshot, JobState, RateMeter, classify, plan_jobs

if TYPE_CHECKING:
    import os

    from .cache import VBNCache
    from .download import FileProgress

__all__ = ["DownloadQueue", "ErrorKind", "JobSnapshot", "JobState", "RateMeter", "classify"]

log = logging.getLogger(__name__)
HISTORY = 1000  # finished jobs kept
PROGRESS_INTERVAL = 0.1  # seconds between progress events of one job


class DownloadQueue:
    """Downloads run by ``max_workers`` daemon threads, oldest submission first."""

    def __init__(self, *, max_workers: int = 2) -> None:
        if max_workers < 1:
            raise ValueError(f"max_workers must be at least 1, got {max_workers!r}")
        self.max_workers = max_workers
        self._lock = threading.RLock()
        self._changed = threading.Condition(self._lock)
        self._emit_lock = threading.RLock()  # snapshots reach subscribers in the order taken
        self._jobs: dict[str, Job] = {}
        self._pending: deque[str] = deque()
        self._by_path: dict[str, str] = {}  # final path -> id of its queued or running job
        self._subscribers: list[Callable[[JobSnapshot], None]] = []
        self._workers: list[threading.Thread] = []
        self._closed = False

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
        """Queue files, all or none: every ref is checked against the manifest first."""
        chosen, plans = plan_jobs(cache, refs, manifest)
        fresh: list[Job] = []
        with self._lock:
            if self._closed:
                raise RuntimeError("the download queue is shut down; make a new one")
            jobs = []
            for ref, entry, path in plans:
                same = self._by_path.get(str(path))
                if same is not None:
                    jobs.append(self._jobs[same])
                    continue
                job = Job(cache, chosen, entry, ref, path)
                self._jobs[job.id] = job
                self._by_path[str(path)] = job.id
                fresh.append(job)
                jobs.append(job)
        for job in fresh:  # subscribers hear "queued" before any worker can take the job
            self._emit(job)
        self._enqueue(fresh)
        with self._lock:
            return [job.snapshot() for job in jobs]

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
                    self._pending.append(job.id)
            self._start_workers()
            self._changed.notify_all()
        for job in dropped:
            self._settle(job)

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
                while not self._pending and not self._closed:
                    self._changed.wait()
                if not self._pending:
                    return
                job = self._jobs[self._pending.popleft()]
                job.state = JobState.RUNNING
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
                job.bytes_done = job.bytes_total = size
            job.state, job.error_kind, job.error = state, kind, message
            self._finish(job)
        self._settle(job)

    def _progress(self, job: Job, progress: FileProgress) -> None:
        now = time.monotonic()
        with self._lock:
            job.meter.update(progress.bytes_done, now)
            job.bytes_done, job.bytes_total = progress.bytes_done, progress.bytes_total
            due = now - job.last_emit >= PROGRESS_INTERVAL
            due = due or progress.bytes_done == progress.bytes_total
            if due:
                job.last_emit = now
        if due:
            self._emit(job)

    def _finish(self, job: Job) -> None:
        """Under the lock: the job ended; free its path for a new submission."""
        job.finished = time.time()
        if self._by_path.get(str(job.path)) == job.id:
            del self._by_path[str(job.path)]

    def _settle(self, job: Job) -> None:
        self._emit(job)
        with self._lock:
            job.settled = True
            settled = [i for i, j in self._jobs.items() if j.settled]
            for old in settled[: max(0, len(settled) - HISTORY)]:
                del self._jobs[old]
            self._changed.notify_all()

    def _emit(self, job: Job) -> None:
        with self._emit_lock:
            with self._lock:
                snap = job.snapshot()
                subscribers = list(self._subscribers)
            for fn in subscribers:
                try:
                    fn(snap)
                except Exception:
                    log.exception("download queue subscriber %r failed on job %s", fn, snap.id)

    # control
    def _job(self, job_id: str) -> Job:
        try:
            return self._jobs[job_id]
        except KeyError:
            raise KeyError(f"no download job {job_id!r} in this queue") from None

    def cancel(self, job_id: str) -> JobSnapshot:
        """Cancel a queued job now, a running one at its next chunk (its partial bytes stay)."""
        with self._lock:
            job = self._job(job_id)
            dropped = self._cancel(job)
        if dropped:
            self._settle(job)
        with self._lock:
            return job.snapshot()

    def _cancel(self, job: Job) -> bool:
        """Under the lock; True when a queued job was dropped (and must be settled)."""
        if job.state is JobState.QUEUED:
            if job.id in self._pending:
                self._pending.remove(job.id)
            job.state = JobState.CANCELLED
            self._finish(job)
            return True
        if job.state is JobState.RUNNING:
            job.cancel.set()
        return False

    def cancel_all(self, cache_dir: str | os.PathLike[str] | None = None) -> int:
        """Cancel every queued and running job (of one cache folder); returns how many."""
        with self._lock:
            jobs = [j for j in self._select(cache_dir) if j.state not in FINISHED]
            dropped = [j for j in jobs if self._cancel(j)]
        for job in dropped:
            self._settle(job)
        return len(jobs)

    def _select(self, cache_dir: str | os.PathLike[str] | None) -> list[Job]:
        if cache_dir is None:
            return list(self._jobs.values())
        where = Path(cache_dir).expanduser().resolve()
        return [j for j in self._jobs.values() if j.cache.cache_dir == where]

    # looking
    def jobs(self, cache_dir: str | os.PathLike[str] | None = None) -> list[JobSnapshot]:
        """Every job (of one cache folder), oldest first; finished ones up to the last 1000."""
        with self._lock:
            return [j.snapshot() for j in self._select(cache_dir)]

    def get(self, job_id: str) -> JobSnapshot:
        with self._lock:
            return self._job(job_id).snapshot()

    def active(self, cache_dir: str | os.PathLike[str] | None = None) -> bool:
        with self._lock:
            return any(j.state not in FINISHED for j in self._select(cache_dir))

    def wait(self, job_ids: Iterable[str] | None = None, timeout: float | None = None) -> bool:
        """Block until those jobs (default: all, including ones submitted meanwhile) finished."""
        with self._changed:
            ids = None if job_ids is None else [self._job(i).id for i in job_ids]

            def finished() -> bool:
                jobs = self._jobs.values() if ids is None else (self._jobs.get(i) for i in ids)
                return all(j is None or j.settled for j in jobs)

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

    def shutdown(self, *, cancel: bool = True, wait: bool = True) -> None:
        """Stop taking jobs; ``cancel`` also stops the queued and running ones."""
        with self._lock:
            self._closed = True
            dropped = []
            if cancel:
                dropped = [j for j in list(self._jobs.values()) if self._cancel(j)]
            self._changed.notify_all()
            workers = list(self._workers)
        for job in dropped:
            self._settle(job)
        if wait:
            for worker in workers:
                if worker is not threading.current_thread():
                    worker.join()
