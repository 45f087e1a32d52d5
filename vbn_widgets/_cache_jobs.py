"""The cache browser's download jobs: starting them, their history, and the update thread.

Jobs arrive as ``JobSnapshot.to_json()`` dicts, from the kernel's ``DownloadQueue`` (its
subscription, on worker threads) or from the Jupyter server's download manager (checked by
``_cache_events.parse_server_jobs``). ``JobBook`` keeps the latest state of each and sums up the
current batch; ``Ticker`` coalesces bursts of events into at most one publish per interval on its
own thread; ``apply_jobs`` carries them into the book and the tree.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from ._cache_state import reread_local_state
from .data.errors import ReadOnlyCacheError

if TYPE_CHECKING:
    from .cache_browser import CacheBrowser
    from .data.catalog import CatalogFile

log = logging.getLogger(__name__)

ACTIVE = ("queued", "running")
FINISHED = ("done", "failed", "cancelled")
MAX_SHOWN_JOBS = 50
MAX_HISTORY = 2000
JOB_KEYS = ("id", "key", "manifest", "ref", "state", "bytes_done", "bytes_total", "rate", "eta_s")
JOB_KEYS += ("error", "error_kind", "submitted")


def _when(job: Mapping) -> float:
    return job.get("submitted") or 0.0


class JobBook:
    """The latest state of every job of one cache, and the totals of the current batch.

    A batch starts when a job arrives while none of the previous batch is active.
    """

    def __init__(self) -> None:
        self.jobs: dict[str, dict] = {}
        self.by_key: dict[str, dict] = {}  # the newest job of each file
        self.batch: list[str] = []

    def update(self, job: dict) -> bool:
        """Record a job; True when it has just finished. A finished job never goes back."""
        old = self.jobs.get(job["id"])
        if old is not None and old["state"] in FINISHED:
            return False
        if old is None:
            if not any(self.jobs[i]["state"] in ACTIVE for i in self.batch):
                self.batch = []
            self.batch.append(job["id"])
        self.jobs[job["id"]] = job
        if len(self.jobs) > MAX_HISTORY:  # forget the oldest finished jobs (dicts keep order)
            batch = set(self.batch)
            old_ids = [i for i, j in self.jobs.items() if j["state"] in FINISHED and i not in batch]
            for i in old_ids[: len(self.jobs) - MAX_HISTORY]:
                del self.jobs[i]
        newest = self.by_key.get(job["key"])
        if newest is None or newest["id"] == job["id"] or _when(job) >= _when(newest):
            self.by_key[job["key"]] = job
        return job["state"] in FINISHED

    def active_ids(self) -> list[str]:
        return [i for i, j in self.jobs.items() if j["state"] in ACTIVE]

    def transfer(self, size_of: Callable[[str], int | None]) -> dict[str, Any]:
        jobs = [self.jobs[i] for i in self.batch if self.jobs[i]["state"] != "cancelled"]
        total = done = 0
        for j in jobs:
            size = j["bytes_total"] if j["bytes_total"] is not None else size_of(j["key"])
            total += size or 0
            done += (size or j["bytes_done"]) if j["state"] == "done" else j["bytes_done"]
        active = [j for j in jobs if j["state"] in ACTIVE]
        rate = sum(j["rate"] or 0 for j in active if j["state"] == "running") or None
        return {
            "active": bool(active),
            "files_total": len(jobs),
            "files_done": sum(j["state"] == "done" for j in jobs),
            "files_failed": sum(j["state"] == "failed" for j in jobs),
            "bytes_done": done,
            "bytes_total": total,
            "rate": rate,
            "eta_s": max(0.0, (total - done) / rate) if rate and active else None,
        }

    def shown(self) -> list[dict]:
        """At most 50: running, queued, failed, then the newest finished."""
        order = {"running": 0, "queued": 1, "failed": 2}
        jobs = list(self.jobs.values())[::-1]  # newest first
        jobs.sort(key=lambda j: order.get(j["state"], 3))
        return jobs[:MAX_SHOWN_JOBS]


class Ticker:
    """A daemon thread that runs ``tick`` after ``poke()``, at most once per ``interval``."""

    def __init__(self, tick: Callable[[], None], interval: float = 0.2, name: str = "") -> None:
        self._tick = tick
        self._interval = interval
        self._poked = threading.Event()
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name=name or "vbn-ticker", daemon=True)
        self._thread.start()

    def poke(self) -> None:
        self._poked.set()

    def _run(self) -> None:
        while not self._stopped.is_set():
            self._poked.wait()
            if self._stopped.is_set():
                return
            self._poked.clear()
            try:
                self._tick()
            except Exception:  # a failed publish must not end the thread
                log.exception("cache browser update failed")
            self._stopped.wait(self._interval)

    def stop(self, timeout: float | None = 10.0) -> None:
        self._stopped.set()
        self._poked.set()
        if self._thread is not threading.current_thread():
            self._thread.join(timeout)

    @property
    def alive(self) -> bool:
        return self._thread.is_alive()


# the caller holds b._lock
def apply_jobs(b: CacheBrowser, jobs: Iterable[Mapping]) -> None:
    """Record jobs in the browser's book and tree; re-read the files of those just finished."""
    current = b.current
    for raw in jobs:
        job = {k: raw.get(k) for k in JOB_KEYS}
        job["state"] = str(job["state"])
        finished = b._book.update(job)
        if job["manifest"] != current or job["key"] not in b._tree.files:
            continue
        b._tree.set_job(job["key"], b._book.by_key.get(job["key"]))
        if finished:
            reread_local_state(b, job["key"], job)


def start_downloads(
    b: CacheBrowser, chosen: list[CatalogFile], plan_to_js: bool
) -> tuple[list, dict | None]:
    """Queue the files not verified yet: in the kernel (snapshots, no plan) or, with the server
    backend, as a plan for the Jupyter server (sent to the front end when ``plan_to_js``)."""
    if b.backend == "read-only":
        raise ReadOnlyCacheError(
            f"read-only: {b.source['description']} never downloads; "
            "use VBNCache.from_s3_cache or from_mirror"
        )
    todo = [f for f in chosen if b._tree.local[f.key][0] != "verified"]
    if b.backend == "server":
        plan = {"cache": b.cache_dir, "manifest": b.current, "files": []}
        plan["files"] = [f.ref for f in todo]
        if plan_to_js and todo:
            b.send({"kind": "enqueue", "plan": plan})
        return [], plan
    snapshots = b._queue.submit_many(b.cache, [f.ref for f in todo]) if todo else []
    apply_jobs(b, (s.to_json() for s in snapshots))
    b._publish()
    return snapshots, None
