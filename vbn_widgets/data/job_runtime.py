"""What a ``DownloadQueue`` keeps per job and per batch, how it measures their rate and names
their failures. The words (states, fields, error kinds) are ``jobs``'s."""

from __future__ import annotations

import errno
import threading
import time
import uuid
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from tqdm.std import EMA

from .errors import AccessDeniedError, HashMismatchError, ReadOnlyCacheError
from .jobs import ACTIVE, JOB_STATES, BatchSnapshot, ErrorKind, JobSnapshot, JobState
from .sources import TransientSourceError

if TYPE_CHECKING:
    from .cache import VBNCache
    from .manifest import FileEntry, Manifest

__all__ = ["Batch", "Job", "RateMeter", "Tally", "classify"]


class RateMeter:
    """Bytes per second the way tqdm estimates it: ``EMA(bytes) / EMA(seconds)``, each EMA fed
    one step per ``interval`` (tqdm's ``mininterval``), with tqdm's own ``tqdm.std.EMA``."""

    def __init__(self, smoothing: float = 0.3, interval: float = 0.1) -> None:
        self.smoothing = smoothing
        self.interval = interval
        self.rate: float | None = None
        self._mark: tuple[float, int] | None = None
        self._dn = EMA(smoothing)
        self._dt = EMA(smoothing)

    def update(self, done: int, now: float) -> float | None:
        """Record ``done`` bytes at monotonic time ``now``; returns the current rate."""
        if self._mark is None or done < self._mark[1]:  # first report, or restarted from zero
            self.rate, self._dn, self._dt = None, EMA(self.smoothing), EMA(self.smoothing)
            self._mark = (now, done)
            return None
        start, before = self._mark
        if now - start >= self.interval:
            self._dn(done - before)
            self._dt(now - start)
            self._mark = (now, done)
            self.rate = self._dn() / self._dt()
        return self.rate


def _causes(err: BaseException) -> Iterable[BaseException]:
    seen: set[int] = set()
    current: BaseException | None = err
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        yield current
        current = current.__cause__ or current.__context__


def classify(err: BaseException) -> tuple[ErrorKind, str]:
    """What kind of failure ``err`` is (looking through its causes) and the message to show."""
    chain = list(_causes(err))
    message = str(err) or type(err).__name__

    def has(*types: type[BaseException]) -> bool:
        return any(isinstance(e, types) for e in chain)

    if has(ReadOnlyCacheError):
        return "read-only", message
    if has(HashMismatchError):
        return "hash-mismatch", message
    if has(AccessDeniedError):
        return "access-denied", message
    full = [e for e in chain if isinstance(e, OSError) and e.errno in {errno.ENOSPC, errno.EDQUOT}]
    if full:
        where = f" writing {full[0].filename}" if full[0].filename else ""
        return "disk-full", f"disk full{where}: {full[0].strerror or message}"
    if has(TransientSourceError, ConnectionError, TimeoutError):
        return "network", message
    return "other", message


class Tally:
    """Counts and bytes over a set of jobs, kept up to date as they change (the queue's lock
    held): O(1) per change, so a board or a batch answer never walks thousands of jobs."""

    def __init__(self) -> None:
        self.counts = dict.fromkeys(JOB_STATES, 0)
        self.bytes_done = 0
        self.bytes_total = 0
        self.sized = 0
        self.finished: float | None = None

    @property
    def active(self) -> bool:
        return self.counts["queued"] + self.counts["running"] > 0

    def join(self, job: Job) -> None:
        self.counts[job.state.value] += 1
        if job.bytes_total is not None:
            self.bytes_total += job.bytes_total
            self.sized += 1
        self.bytes_done += job.peak


class Batch(Tally):
    """One enqueue request: its member jobs and the files already verified when it came."""

    def __init__(self, cache_dir: Path, manifest: str, files: int, verified: int) -> None:
        super().__init__()
        self.id = uuid.uuid4().hex
        self.cache_dir = cache_dir
        self.manifest = manifest
        self.files = files
        self.verified = verified
        self.submitted = time.time()
        self.job_ids: list[str] = []

    def snapshot(self) -> BatchSnapshot:
        return BatchSnapshot(
            id=self.id,
            cache_dir=str(self.cache_dir),
            manifest=self.manifest,
            submitted=self.submitted,
            finished=self.finished,
            files=self.files,
            verified=self.verified,
            counts=dict(self.counts),
            bytes_done=self.bytes_done,
            bytes_total=self.bytes_total,
            sized=self.sized,
            active=self.active,
        )


class Job:
    """A job's mutable state; every change goes through ``set_state``/``set_bytes`` (under the
    queue's lock) so that the tallies of its batches follow."""

    def __init__(
        self, cache: VBNCache, manifest: Manifest, entry: FileEntry, ref, path: Path, *, batch: str
    ):
        self.id = uuid.uuid4().hex
        self.batch = batch
        self.cache, self.manifest, self.entry, self.ref, self.path = (
            cache,
            manifest,
            entry,
            ref,
            path,
        )
        self.cancel = threading.Event()
        self.state = JobState.QUEUED
        self.settled = False  # finished and told to subscribers: what wait() waits for
        self.bytes_done, self.bytes_total = 0, None
        self.peak = 0  # most bytes on disk so far: what batches count, so they never go back
        self.tallies: list[Tally] = []
        self.meter = RateMeter()
        self.error: str | None = None
        self.error_kind: ErrorKind | None = None
        self.submitted, self.finished = time.time(), None
        self.last_emit = 0.0

    def join(self, tally: Tally) -> None:
        self.tallies.append(tally)
        tally.join(self)

    def set_state(self, state: JobState) -> None:
        old = self.state.value
        self.state = state
        for tally in self.tallies:
            tally.counts[old] -= 1
            tally.counts[state.value] += 1
            if state not in ACTIVE and not tally.active:
                tally.finished = time.time()

    def set_bytes(self, done: int, total: int | None) -> None:
        if total is not None and total != self.bytes_total:
            grow = total - (self.bytes_total or 0)
            for tally in self.tallies:
                tally.bytes_total += max(grow, 0)
                tally.sized += self.bytes_total is None
        self.bytes_done, self.bytes_total = done, total if total is not None else self.bytes_total
        if done > self.peak:
            for tally in self.tallies:
                tally.bytes_done += done - self.peak
            self.peak = done

    def snapshot(self) -> JobSnapshot:
        rate = self.meter.rate
        total = self.bytes_total
        eta = None
        if self.state is JobState.DONE:
            eta = 0.0
        elif rate and total is not None and self.state is JobState.RUNNING:
            eta = max(total - self.bytes_done, 0) / rate
        return JobSnapshot(
            id=self.id,
            batch=self.batch,
            cache_dir=str(self.cache.cache_dir),
            manifest=self.manifest.name,
            ref=self.ref,
            key=self.entry.key,
            path=str(self.path),
            state=self.state,
            bytes_done=self.bytes_done,
            bytes_total=total,
            rate=rate,
            eta_s=eta,
            error=self.error,
            error_kind=self.error_kind,
            submitted=self.submitted,
            finished=self.finished,
        )
