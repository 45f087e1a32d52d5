"""The shapes of the cache browser's structured traits and row replies, as TypedDicts.

Mirrored one for one by the ``@typedef {object}`` blocks of ``js/src/cache_browser/shapes.js``
(``tests/cache_browser/test_cache_browser_contract.py`` compares the keys), and checked against
the values the widget really publishes. A trait names its shape in its ``shape`` metadata.
"""

from __future__ import annotations

from typing import Literal, TypedDict

from ..data.jobs import ErrorKind

# Job states and error kinds are data.jobs' (JOB_STATES, ERROR_KINDS). A file's local state is
# data.files.FileState's, or "unchecked": on a static mount, present but not hashed.
FileStateName = Literal["missing", "partial", "verified", "corrupt", "unchecked"]
Backend = Literal["kernel", "server", "read-only"]


class VersionInfo(TypedDict):
    name: str
    version: str
    latest: bool
    current: bool
    downloaded: bool


class SourceInfo(TypedDict):
    kind: Literal["s3", "mirror", "static", "local"]
    description: str
    read_only: bool


class Totals(TypedDict):
    files: int
    files_on_disk: int
    bytes_on_disk: int
    bytes_known: int
    sizes_pending: int
    selected_files: int
    selected_bytes: int
    to_download_files: int
    to_download_bytes: int


class DiffCounts(TypedDict):
    changed: int
    added: int
    removed: int
    renamed: int
    unchanged: int


class Comparison(TypedDict):
    a: str
    b: str
    changed: list[str]
    added: list[str]
    removed: list[str]
    renamed: list[list[str]]
    counts: DiffCounts
    text: str


class Preview(TypedDict):
    sessions: int
    unknown: list[int]
    files: int
    bytes: int
    to_download_files: int
    to_download_bytes: int
    bytes_unknown: int


class JobInfo(TypedDict):
    """One download job (the fields of ``data.jobs.JOB_FIELDS`` the browser shows)."""

    id: str
    batch: str | None
    key: str
    manifest: str
    ref: str | int
    state: str  # data.jobs.JOB_STATES
    bytes_done: int
    bytes_total: int | None
    rate: float | None
    eta_s: float | None
    error: str | None
    error_kind: ErrorKind | None
    submitted: float | None


class BatchInfo(TypedDict):
    """One download request: what was asked, how far it got (never backwards)."""

    id: str
    label: str
    origin: Literal["kernel", "server", "elsewhere"]
    state: Literal["requested", "queued", "running", "done", "failed", "cancelled"]
    files: int
    verified: int
    files_done: int
    files_failed: int
    files_cancelled: int
    files_active: int
    bytes_done: int
    bytes_total: int
    sized: int
    rate: float | None
    eta_s: float | None
    submitted: float
    error: str | None


class Transfer(TypedDict):
    active: bool
    batches: list[BatchInfo]


class TaskInfo(TypedDict):
    """The last verify or delete of many files: what, how far, what it found."""

    kind: Literal["verify", "delete"]
    label: str
    active: bool
    files: int
    files_done: int
    results: dict[str, int]
    error: str | None


class SessionMeta(TypedDict):
    mouse_id: str | None
    genotype: str | None
    date: str | None
    experience_level: str | None
    session_type: str | None


class StateCounts(TypedDict):
    verified: int
    total: int


class RowJob(TypedDict):
    id: str | None
    state: str  # data.jobs.JOB_STATES
    bytes_done: int
    bytes_total: int | None
    rate: float | None
    eta_s: float | None
    error: str | None
    error_kind: ErrorKind | None


class CacheRow(TypedDict):
    id: str
    level: int
    kind: Literal["group", "session", "file"]
    label: str
    expandable: bool
    expanded: bool
    selected: Literal["all", "some", "none"]
    size: int | None
    state: FileStateName | StateCounts
    bytes_on_disk: int
    meta: SessionMeta | None
    job: RowJob | None
