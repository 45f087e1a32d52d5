"""The cache browser's book of downloads: jobs, batches and the requests that made them.

Pure Python (no widget, no I/O). Jobs and batches arrive as JSON (``JobSnapshot.to_json()``,
``BatchSnapshot.to_json()``: ``data.jobs`` defines their fields and words) from the kernel's
``DownloadQueue`` or from the Jupyter server's job board. A ``Request`` is one download the user
asked for through this browser (a click, a ``download()`` call): its files, and the batch that
carries it once the queue (at once) or the server (through the page, then the board) names it.

Progress is per request: a batch's counts and bytes come from the queue, which never lets them
go backwards; a request's byte total is at least the sizes known when it was made, so the bar
does not jump when files start. Batches never add up (a file shared by two batches counts in
each), so ``transfer`` lists them side by side, newest first.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from ..data.jobs import ACTIVE, FINISHED
from .shapes import BatchInfo, JobInfo, TaskInfo, Transfer

if TYPE_CHECKING:
    from .tree import CacheTree

ACTIVE_STATES = frozenset(s.value for s in ACTIVE)
FINISHED_STATES = frozenset(s.value for s in FINISHED)
MAX_SHOWN_JOBS = 50
MAX_HISTORY = 2000
MAX_SHOWN_BATCHES = 5
MAX_REQUESTS = 64
MAX_BATCHES = 320
MATCH_SLACK_S = 2.0  # a server batch may carry a request from this long before it was seen
JOB_KEYS = tuple(JobInfo.__annotations__)


@dataclass
class Request:
    """One download asked for through this browser."""

    label: str
    origin: str  # "kernel" or "server"
    manifest: str
    keys: tuple[str, ...]  # the files asked for that were not verified
    expected_bytes: int  # their sizes, as far as known when asked
    started: float
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    batch: str | None = None  # the queue's or the server's batch id, once known
    error: str | None = None
    checked: bool = False  # ended, and the states of its files read

    @property
    def failed(self) -> bool:
        return self.error is not None


def job_info(raw: dict) -> JobInfo:
    job = {k: raw.get(k) for k in JOB_KEYS}
    job["state"] = str(job["state"])
    return job  # type: ignore[return-value]


def _state(batch: dict) -> str:
    counts = batch["counts"]
    if batch["active"]:
        return "running" if counts.get("running") or counts.get("done") else "queued"
    if counts.get("failed"):
        return "failed"
    return "cancelled" if counts.get("cancelled") else "done"


class JobBook:
    """The latest state of every job and batch of one cache, and this browser's requests."""

    def __init__(self) -> None:
        self.jobs: dict[str, JobInfo] = {}
        self.by_key: dict[str, JobInfo] = {}  # the newest job of each file
        self.batches: dict[str, dict] = {}  # id -> the batch JSON last seen
        self.seen_active: set[str] = set()
        self.requests: list[Request] = []
        # job ids by state, so that nothing walks thousands of jobs per update
        self._active: dict[str, None] = {}  # queued and running, first seen first
        self._running: dict[str, None] = {}
        self._finished: dict[str, None] = {}  # finish order; the oldest are forgotten
        self._failed: dict[str, None] = {}

    # jobs
    def record(self, raw: dict) -> bool:
        """Record a job; True when it has just finished. A finished job never goes back."""
        job = job_info(raw)
        job_id, state = job["id"], job["state"]
        old = self.jobs.get(job_id)
        if old is not None and old["state"] in FINISHED_STATES:
            return False
        self.jobs[job_id] = job
        if state in ACTIVE_STATES:
            self._active.setdefault(job_id, None)
        else:
            self._active.pop(job_id, None)
            self._finished[job_id] = None
            if state == "failed":
                self._failed[job_id] = None
        if state == "running":
            self._running[job_id] = None
        else:
            self._running.pop(job_id, None)
        while len(self._finished) > MAX_HISTORY:
            forgotten = next(iter(self._finished))
            del self._finished[forgotten]
            self._failed.pop(forgotten, None)
            del self.jobs[forgotten]
        newest = self.by_key.get(job["key"])
        if newest is None or newest["id"] == job_id or _when(job) >= _when(newest):
            self.by_key[job["key"]] = job
        return state in FINISHED_STATES

    def active_ids(self, keys: Iterable[str] | None = None) -> list[str]:
        """Ids of the queued and running jobs (of these files)."""
        if keys is None:
            return list(self._active)
        jobs = (self.by_key.get(k) for k in keys)
        return [j["id"] for j in jobs if j is not None and j["state"] in ACTIVE_STATES]

    def shown(self) -> list[JobInfo]:
        """At most 50: running, queued (in queue order), failed, then the newest finished."""
        out = [self.jobs[i] for i in self._running]
        for job_id in self._active:
            if len(out) >= MAX_SHOWN_JOBS:
                return out
            if job_id not in self._running:
                out.append(self.jobs[job_id])
        for ids in (self._failed, self._finished):
            for job_id in reversed(ids):
                if len(out) >= MAX_SHOWN_JOBS:
                    return out
                if ids is self._failed or job_id not in self._failed:
                    out.append(self.jobs[job_id])
        return out

    # batches and requests
    def add_request(self, request: Request) -> None:
        self.requests.append(request)
        if len(self.requests) > MAX_REQUESTS:
            done = [r for r in self.requests if self.settled(r)]
            for r in done[: len(self.requests) - MAX_REQUESTS]:
                self.requests.remove(r)

    def request(self, request_id: str) -> Request | None:
        return next((r for r in self.requests if r.id == request_id), None)

    def record_batches(self, batches: Iterable[dict]) -> None:
        for batch in batches:
            self.batches[batch["id"]] = batch
            if batch["active"]:
                self.seen_active.add(batch["id"])
        if len(self.batches) > MAX_BATCHES:
            keep = {r.batch for r in self.requests} | self.seen_active
            old = sorted(self.batches.values(), key=lambda b: b["submitted"])
            for b in old[: len(self.batches) - MAX_BATCHES]:
                if b["id"] not in keep:
                    del self.batches[b["id"]]
        self._claim()

    def _claim(self) -> None:
        """Give each server request the server batch that carries it, when the page could not
        say (a kernel blocked in ``wait()`` reads no messages): the oldest unclaimed batch of the
        same manifest and file count, made after the request."""
        claimed = {r.batch for r in self.requests if r.batch}
        for request in self.requests:
            if request.batch or request.failed or request.origin != "server":
                continue
            for batch in sorted(self.batches.values(), key=lambda b: b["submitted"]):
                if (
                    batch["id"] not in claimed
                    and batch.get("writer") == "server"
                    and batch["manifest"] == request.manifest
                    and batch["files"] == len(request.keys)
                    and batch["submitted"] >= request.started - MATCH_SLACK_S
                ):
                    request.batch = batch["id"]
                    claimed.add(batch["id"])
                    break

    def time_out(self, now: float, limit: float) -> list[Request]:
        """Server requests no batch carried within ``limit`` seconds: failed (returned)."""
        late = []
        for request in self.requests:
            if request.batch is None and not request.failed and now - request.started > limit:
                request.error = (
                    f"the Jupyter server did not start the download of {request.label} within "
                    f"{limit:.0f} s: server downloads are started by the page showing this "
                    "browser, so it must be open"
                )
                late.append(request)
        return late

    def settled(self, request: Request) -> bool:
        """Its batch finished, or it failed as a whole."""
        if request.failed:
            return True
        batch = self.batches.get(request.batch) if request.batch else None
        return batch is not None and not batch["active"]

    # the book and the tree together
    def apply(self, tree: CacheTree, jobs: Iterable[dict], local: dict, batches: list) -> None:
        """Jobs, the file states after those that ended, and batches, into book and tree."""
        name = tree.catalog.manifest_name
        for raw in jobs:
            self.record(raw)
            if raw["manifest"] == name and raw["key"] in tree.files:
                tree.set_job(raw["key"], self.by_key.get(raw["key"]))
        for key, (state, size) in local.items():
            tree.set_local(key, state, size)
        self.record_batches(batches)
        self.mark_requested(tree)

    def mark_requested(self, tree: CacheTree) -> None:
        for r in self.requests:
            if r.manifest == tree.catalog.manifest_name and not self.settled(r):
                tree.mark_queued(r.keys)

    def newly_settled(self, tree: CacheTree) -> tuple[list[Request], list[str]]:
        """Requests that just ended (the caller marks them ``checked`` once their files' states
        are read), and the files of theirs that the job board never listed."""
        ended = [r for r in self.requests if not r.checked and self.settled(r)]
        keys = [
            k
            for r in ended
            if r.manifest == tree.catalog.manifest_name
            for k in tree.unmark(r.keys)
        ]
        return ended, keys

    def busy(self) -> bool:
        """Anything to watch: active jobs, or requests not ended and checked."""
        return bool(self.active_ids()) or any(not r.checked for r in self.requests)

    def covered(self) -> tuple[list[Request], list[str]]:
        """What ``wait()`` waits for: the requests not ended (else the last one), and the
        active batches nobody here asked for."""
        pending = [r for r in self.requests if not r.checked]
        mine = {r.batch for r in self.requests}
        others = [b for b, x in self.batches.items() if x["active"] and b not in mine]
        return pending or self.requests[-1:], others

    def finished(self, requests: list[Request], others: list[str]) -> bool:
        return all(r.checked for r in requests) and not any(
            self.batches[b]["active"] for b in others
        )

    def transfer(self) -> Transfer:
        """The ``transfer`` trait: the newest requests and batches, newest first (a batch this
        browser did not ask for is shown once it was seen active)."""
        mine = {r.batch for r in self.requests if r.batch}
        rates: dict[str, float] = {}
        for j in (self.jobs[i] for i in self._running):
            if j["rate"] and j.get("batch"):
                rates[j["batch"]] = rates.get(j["batch"], 0.0) + j["rate"]  # type: ignore[index]
        items: list[BatchInfo] = [self._request_info(r, rates) for r in self.requests]
        for batch in self.batches.values():
            if batch["id"] not in mine and batch["id"] in self.seen_active:
                label = "downloads started elsewhere"
                items.append(_batch_info(batch, label, "elsewhere", None, rates))
        items.sort(key=lambda i: i["submitted"], reverse=True)
        shown = items[:MAX_SHOWN_BATCHES]
        return {
            "active": any(i["state"] in ("requested", "queued", "running") for i in shown),
            "batches": shown,
        }

    def _request_info(self, r: Request, rates: dict[str, float]) -> BatchInfo:
        batch = self.batches.get(r.batch) if r.batch else None
        info = _batch_info(batch, r.label, r.origin, r, rates)
        if batch is None:
            info["state"] = "failed" if r.failed else "requested"
        return info


def _batch_info(
    batch: dict | None, label: str, origin: str, r: Request | None, rates: dict[str, float]
) -> BatchInfo:
    counts = batch["counts"] if batch else {}
    done = batch["bytes_done"] if batch else 0
    total = max(batch["bytes_total"] if batch else 0, r.expected_bytes if r else 0)
    rate = rates.get(batch["id"]) if batch else None
    active = bool(batch and batch["active"])
    return {
        "id": batch["id"] if batch else r.id if r else "",
        "label": label,
        "origin": origin,  # type: ignore[typeddict-item]
        "state": _state(batch) if batch else "requested",  # type: ignore[typeddict-item]
        "files": batch["files"] if batch else len(r.keys) if r else 0,
        "verified": batch["verified"] if batch else 0,
        "files_done": counts.get("done", 0),
        "files_failed": counts.get("failed", 0),
        "files_cancelled": counts.get("cancelled", 0),
        "files_active": counts.get("queued", 0) + counts.get("running", 0),
        "bytes_done": done,
        "bytes_total": total,
        "sized": batch["sized"] if batch else 0,
        "rate": rate,
        "eta_s": max(0.0, (total - done) / rate) if rate and active else None,
        "submitted": batch["submitted"] if batch else r.started if r else 0.0,
        "error": r.error if r else None,
    }


def _when(job: JobInfo) -> float:
    return job.get("submitted") or 0.0


def task_info(label: str, operation: dict, applied: bool, error: str | None) -> TaskInfo:
    """The ``task`` trait of a verify or delete (``data.file_ops`` operation JSON)."""
    return {
        "kind": operation["kind"],
        "label": label,
        "active": operation["state"] == "running" or not applied,
        "files": operation["files"],
        "files_done": operation["files_done"],
        "results": dict(operation["results"]),
        "error": error,
    }
