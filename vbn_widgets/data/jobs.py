"""The job vocabulary: the one definition of download jobs, batches and file operations.

Everything that speaks about jobs (the ``DownloadQueue``, the Jupyter server's REST API, the job
board, the cache browser and its JS mirror in ``js/src/cache_browser/``) takes its words from
here; ``vocabulary()`` is the same as JSON, which a parity test compares with the JS.
Standard library only, so that anything may import it cheaply.

- Job states: ``queued`` -> ``running`` -> ``done | failed | cancelled``; a queued job may be
  cancelled without ever running. A finished job never changes again.
- Error kinds say why a job failed (``classify`` in ``job_runtime`` picks one).
- Ids (job, batch, operation) are 32 lowercase hex characters (``uuid4().hex``).
- A batch is one enqueue request. ``files`` counts its distinct files; those already verified at
  enqueue time get no job (``verified``); every other file is a member job, counted in
  ``counts`` by its current state. A file already queued or running when a later batch asks for
  it is the *same* job, a member of both batches: it counts fully in each batch, and batches are
  never added together (the board's ``totals`` count each job once). ``bytes_done`` is the sum
  over member jobs of the most bytes each has had on disk, so it never goes backwards;
  ``bytes_total`` sums the sizes known so far (``sized`` jobs) and only grows.
- Field types use a small language the JS mirror shares: ``string``, ``integer``, ``number``,
  ``boolean``, ``id``, ``job_state``, ``error_kind``, ``ref`` (a table name or a file id),
  ``counts`` (an object: job state -> integer), ``operation_kind``, ``operation_state``,
  ``file_result``, optionally ``|null``.
"""

from __future__ import annotations

import dataclasses
import math
import re
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

__all__ = [
    "ACTIVE",
    "BATCH_FIELDS",
    "ERROR_KINDS",
    "FILE_RESULTS",
    "FINISHED",
    "ID_PATTERN",
    "JOB_FIELDS",
    "OPERATION_FIELDS",
    "OPERATION_KINDS",
    "OPERATION_STATES",
    "BatchSnapshot",
    "ErrorKind",
    "JobSnapshot",
    "JobState",
    "check_job",
    "is_id",
    "vocabulary",
]

VOCABULARY_VERSION = 1

ErrorKind = Literal["network", "access-denied", "hash-mismatch", "disk-full", "read-only", "other"]
ERROR_KINDS: tuple[ErrorKind, ...] = (
    "network",
    "access-denied",
    "hash-mismatch",
    "disk-full",
    "read-only",
    "other",
)


class JobState(str, Enum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    def __str__(self) -> str:
        return self.value


JOB_STATES = tuple(s.value for s in JobState)
ACTIVE = frozenset({JobState.QUEUED, JobState.RUNNING})
FINISHED = frozenset({JobState.DONE, JobState.FAILED, JobState.CANCELLED})

ID_PATTERN = r"^[0-9a-f]{32}$"
_ID = re.compile(ID_PATTERN)

# Verify and delete of many files run as one operation each (see ``file_ops``).
OPERATION_KINDS = ("verify", "delete")
OPERATION_STATES = ("running", "done", "cancelled")
# What an operation found or did for one file. verified/corrupt/missing/partial are the file
# states of a verify; deleted/absent of a delete; downloading: skipped, a job of it is active;
# refused: its path lies outside the cache folder; error: see the result's message.
FILE_RESULTS = (
    "verified",
    "corrupt",
    "missing",
    "partial",
    "deleted",
    "absent",
    "downloading",
    "refused",
    "error",
)

JOB_FIELDS: dict[str, str] = {
    "id": "id",
    "batch": "id",  # the batch that created the job
    "cache_dir": "string",
    "manifest": "string",
    "ref": "ref",
    "key": "string",
    "path": "string",
    "state": "job_state",
    "bytes_done": "integer",
    "bytes_total": "integer|null",  # null until the transfer starts
    "rate": "number|null",  # bytes/s, smoothed
    "eta_s": "number|null",
    "error": "string|null",
    "error_kind": "error_kind|null",
    "submitted": "number",  # unix time
    "finished": "number|null",
}

BATCH_FIELDS: dict[str, str] = {
    "id": "id",
    "cache_dir": "string",
    "manifest": "string",
    "submitted": "number",
    "finished": "number|null",  # when the last member job finished; null while any is active
    "files": "integer",
    "verified": "integer",
    "counts": "counts",
    "bytes_done": "integer",
    "bytes_total": "integer",
    "sized": "integer",
    "active": "boolean",
}

OPERATION_FIELDS: dict[str, str] = {
    "id": "id",
    "kind": "operation_kind",
    "cache_dir": "string",
    "manifest": "string",
    "state": "operation_state",
    "files": "integer",
    "files_done": "integer",
    "results": "counts",  # file result -> how many files so far
    "submitted": "number",
    "finished": "number|null",
}


def vocabulary() -> dict[str, Any]:
    """The whole vocabulary as JSON (what ``GET vbn-widgets/api/vocabulary`` answers)."""
    return {
        "version": VOCABULARY_VERSION,
        "job_states": list(JOB_STATES),
        "active_states": [s.value for s in JobState if s in ACTIVE],
        "finished_states": [s.value for s in JobState if s in FINISHED],
        "error_kinds": list(ERROR_KINDS),
        "id_pattern": ID_PATTERN,
        "job_fields": dict(JOB_FIELDS),
        "batch_fields": dict(BATCH_FIELDS),
        "operation_kinds": list(OPERATION_KINDS),
        "operation_states": list(OPERATION_STATES),
        "operation_fields": dict(OPERATION_FIELDS),
        "file_results": list(FILE_RESULTS),
    }


def is_id(value: object) -> bool:
    return isinstance(value, str) and _ID.match(value) is not None


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _counts_ok(value: object, names: tuple[str, ...]) -> bool:
    return isinstance(value, dict) and all(
        k in names and _is_int(v) and v >= 0 for k, v in value.items()
    )


_CHECKS = {
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: _is_int(v) and v >= 0,
    "number": lambda v: (
        isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
    ),
    "boolean": lambda v: isinstance(v, bool),
    "id": is_id,
    "job_state": lambda v: v in JOB_STATES,
    "error_kind": lambda v: v in ERROR_KINDS,
    "ref": lambda v: isinstance(v, str) or (_is_int(v) and v >= 0),
    "counts": lambda v: _counts_ok(v, JOB_STATES + FILE_RESULTS),
    "operation_kind": lambda v: v in OPERATION_KINDS,
    "operation_state": lambda v: v in OPERATION_STATES,
    "file_result": lambda v: v in FILE_RESULTS,
}


def check_fields(value: object, fields: dict[str, str], where: str) -> dict:
    """``value`` if it is an object with every field of ``fields`` of its type (extra fields are
    allowed: later versions may add some); a ValueError naming ``where`` and the field otherwise."""
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be an object, got {type(value).__name__}")
    for name, kind in fields.items():
        base, _, nullable = kind.partition("|")
        item = value.get(name)
        if item is None and nullable and name in value:
            continue
        if name not in value or not _CHECKS[base](item):
            raise ValueError(f"{where}.{name} must be {kind}, got {item!r:.60}")
    return value


def check_job(value: object, where: str = "job") -> dict:
    """A job JSON (``JobSnapshot.to_json()``) from untrusted input, checked field by field."""
    return check_fields(value, JOB_FIELDS, where)


@dataclass(frozen=True)
class JobSnapshot:
    """One job at one moment (the fields of ``JOB_FIELDS``)."""

    id: str
    batch: str
    cache_dir: str
    manifest: str
    ref: str | int
    key: str
    path: str
    state: JobState
    bytes_done: int
    bytes_total: int | None
    rate: float | None
    eta_s: float | None
    error: str | None
    error_kind: ErrorKind | None
    submitted: float
    finished: float | None

    def to_json(self) -> dict:
        data = {name: getattr(self, name) for name in JOB_FIELDS}  # all plain values: no copy
        data["state"] = self.state.value
        return data


@dataclass(frozen=True)
class BatchSnapshot:
    """One batch at one moment (the fields of ``BATCH_FIELDS``)."""

    id: str
    cache_dir: str
    manifest: str
    submitted: float
    finished: float | None
    files: int
    verified: int
    counts: dict[str, int]
    bytes_done: int
    bytes_total: int
    sized: int
    active: bool

    def to_json(self) -> dict:
        data = dataclasses.asdict(self)
        data["counts"] = dict(self.counts)
        return data
