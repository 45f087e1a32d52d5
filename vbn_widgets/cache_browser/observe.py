"""What the cache browser's ticker thread gathers without holding the widget's lock: job events
of the kernel's ``DownloadQueue``, the Jupyter server's job board in the cache folder (the kernel
needs no token and no page for it), and the local state of files whose jobs just ended.

No widget here: ``Watcher.collect()`` returns an ``Observed`` that the widget applies under its
lock. Everything read from the board is checked by ``data.job_board.read_board``.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..data.job_board import STALE, board_dir, read_board
from .disk import local_states
from .jobs import ACTIVE_STATES

if TYPE_CHECKING:
    from ..data.transfers import DownloadQueue, JobSnapshot
    from .tree import CacheTree

log = logging.getLogger(__name__)
PID, HOST = os.getpid(), socket.gethostname()


@dataclass
class Observed:
    jobs: list[dict] = field(default_factory=list)  # changed jobs, oldest change first
    batches: list[dict] = field(default_factory=list)
    local: dict[str, tuple[str, int]] = field(default_factory=dict)  # key -> state after a job
    board_active: bool = False
    problems: tuple[str, ...] = ()

    def __bool__(self) -> bool:
        return bool(self.jobs or self.batches or self.local or self.problems)


class Ticker:
    """A daemon thread that runs ``tick`` when poked, or when the wait ``tick`` returned (None:
    only when poked) has passed; at most once per ``interval``."""

    def __init__(self, tick: Callable[[], float | None], interval: float, name: str) -> None:
        self._tick = tick
        self._interval = interval
        self._poked = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._poked.set()

    def _run(self) -> None:
        wait: float | None = 0.0
        while not self._stopped.is_set():
            self._poked.wait(wait)
            if self._stopped.is_set():
                return
            self._poked.clear()
            try:
                wait = self._tick()
            except Exception:  # a failed tick must not end the thread
                log.exception("cache browser update failed")
                wait = 1.0
            self._stopped.wait(self._interval)

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stopped.set()
        self._poked.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


class Watcher:
    """Gathers job changes for one cache folder from the kernel's queue and the job board."""

    def __init__(self, queue: DownloadQueue, cache_dir: Path, poke: Callable[[], None]) -> None:
        self.queue = queue
        self.cache_dir = cache_dir
        self._where = str(cache_dir)
        self._poke = poke
        self._lock = threading.Lock()
        self._events: dict[str, JobSnapshot] = {}
        self._stamp: tuple | None = None
        self._read_at = 0.0
        self._listed: dict[str, dict] = {}  # board jobs (queued, running, failed) last read
        self.unsubscribe = queue.subscribe(self._on_job)

    def _on_job(self, snapshot: JobSnapshot) -> None:  # on the queue's worker threads
        if snapshot.cache_dir != self._where:
            return
        with self._lock:
            self._events[snapshot.id] = snapshot
        self._poke()

    def collect(self, tree: CacheTree, board: bool) -> Observed:
        """What changed since the last call; ``board``: read the job board too (if it changed,
        and at least every few seconds, since a writer that stopped goes stale)."""
        with self._lock:
            events, self._events = self._events, {}
        out = Observed(jobs=[s.to_json() for s in events.values()])
        if events:
            out.batches = [b.to_json() for b in self.queue.batches(self.cache_dir)]
        if board:
            self._read_board(out)
        ended = [j for j in out.jobs if j["state"] not in ACTIVE_STATES]
        out.local = local_states(tree, ended)
        return out

    def _read_board(self, out: Observed) -> None:
        stamp = _stamp(board_dir(self.cache_dir))
        if stamp == self._stamp and time.monotonic() - self._read_at < STALE / 2:
            out.board_active = any(j["state"] in ACTIVE_STATES for j in self._listed.values())
            return
        self._stamp, self._read_at = stamp, time.monotonic()
        board = read_board(self.cache_dir)
        listed: dict[str, dict] = {}
        for writer in board.boards:
            mine = writer.writer["pid"] == PID and writer.writer["host"] == HOST
            if writer.writer["kind"] == "kernel" and mine:
                continue  # this kernel's own queue: its events come first hand
            kind = writer.writer["kind"]  # a server request is carried by a server batch
            for batch in writer.batches:
                out.batches.append(
                    {**batch, "writer": kind, "active": writer.live and batch["active"]}
                )
            if writer.live:
                listed.update((j["id"], j) for j in writer.jobs)
        for job_id, old in self._listed.items():
            if job_id not in listed and old["state"] in ACTIVE_STATES:
                out.jobs.append({**old, "state": "gone"})  # finished: done or cancelled
        out.jobs += [j for i, j in listed.items() if self._listed.get(i) != j]
        self._listed = listed
        out.board_active = board.active
        out.problems = board.problems


def _stamp(folder: Path) -> tuple:
    try:
        with os.scandir(folder) as entries:
            return tuple(
                sorted(
                    (e.name, e.stat().st_mtime_ns, e.stat().st_size)
                    for e in entries
                    if e.name.endswith(".json") and not e.name.startswith(".")
                )
            )
    except OSError:
        return ()
