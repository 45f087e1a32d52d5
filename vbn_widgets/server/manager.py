"""The download manager that lives in the Jupyter server: one ``DownloadQueue`` for every notebook.

Every method that touches the disk or the data layer blocks: the handlers call them off the event
loop. The data layer (pandas, boto3) is imported on first use, not when the server starts.
"""

from __future__ import annotations

import re
import threading
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from vbn_widgets.data import VBNCache
    from vbn_widgets.data.transfers import DownloadQueue

MAX_PATH = 4096
MAX_FILES = 5000
MAX_NAME = 255
JOB_ID = re.compile(r"[0-9a-f]{32}")
TABLE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
SHUTDOWN_WAIT = 10.0
_CACHES = 32  # built caches kept, keyed by folder, manifest and recorded source


class ApiError(Exception):
    """A refused request: ``status`` is the HTTP status, the message says what and why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def bad(message: str) -> ApiError:
    return ApiError(400, message)


def check_job_id(job_id: object) -> str:
    if not isinstance(job_id, str) or not JOB_ID.fullmatch(job_id):
        raise bad(f"job id must be 32 lowercase hex characters, got {str(job_id)[:40]!r}")
    return job_id


def check_refs(files: object, field: str = "files") -> list[str | int]:
    """1..5000 refs, each a table name or a non-negative file id (digit strings become ints)."""
    if not isinstance(files, list) or not 1 <= len(files) <= MAX_FILES:
        raise bad(f"{field} must be a list of 1 to {MAX_FILES} table names or file ids")
    refs: list[str | int] = []
    for i, ref in enumerate(files):
        if isinstance(ref, bool) or not isinstance(ref, (str, int)):
            raise bad(f"{field}[{i}] must be a table name or a file id, got {type(ref).__name__}")
        if isinstance(ref, int):
            if ref < 0:
                raise bad(f"{field}[{i}] must be a file id >= 0, got {ref}")
            refs.append(ref)
        elif ref.isascii() and ref.isdigit() and len(ref) <= 20:
            refs.append(int(ref))
        elif len(ref) <= MAX_NAME and TABLE_NAME.fullmatch(ref):
            refs.append(ref)
        else:
            raise bad(f"{field}[{i}] must be a table name or a file id, got {ref[:80]!r}")
    return refs


class DownloadManager:
    """Download jobs for cache folders under ``roots``, shared by every notebook of one server.

    Parameters
    ----------
    roots
        Resolved folders a cache may be (or lie below); nothing outside them is read or written.
    max_workers
        Files downloaded at the same time.
    """

    def __init__(self, roots: Sequence[str | Path], max_workers: int = 2) -> None:
        self.roots = tuple(Path(r).resolve() for r in roots)
        self.max_workers = max_workers
        self._lock = threading.Lock()
        self._queue: DownloadQueue | None = None
        self._caches: OrderedDict[tuple[str, bytes], VBNCache] = OrderedDict()
        self._closed = False
        self.closing = threading.Event()  # set once shutdown() has cancelled every job

    # paths
    def resolve(self, raw: object, field: str) -> Path:
        """``raw`` resolved ('..' and symlinks); 403 unless it is inside a configured root."""
        if not isinstance(raw, str) or not raw:
            raise bad(f"{field} must be a non-empty string")
        if len(raw) > MAX_PATH:
            raise bad(f"{field} is longer than {MAX_PATH} characters")
        if "\x00" in raw:
            raise bad(f"{field} contains a NUL character")
        path = Path(raw)
        if not path.is_absolute():
            raise bad(f"{field} must be an absolute path, got {raw!r}")
        try:
            resolved = path.resolve()
        except (OSError, RuntimeError) as err:  # a symlink loop
            raise bad(f"{field}: cannot resolve {raw!r}: {err}") from None
        if not any(resolved.is_relative_to(root) for root in self.roots):
            roots = ", ".join(str(r) for r in self.roots) or "none configured"
            raise ApiError(403, f"{raw} is outside the cache folders this server may use ({roots})")
        return resolved

    def cache_dir(self, raw: object, field: str) -> Path:
        path = self.resolve(raw, field)
        if not path.is_dir():
            raise ApiError(404, f"{field}: {raw} is not a directory")
        return path

    # requests
    def status(self) -> dict[str, Any]:
        from vbn_widgets import __version__

        return {
            "version": __version__,
            "cache_roots": [str(r) for r in self.roots],
            "max_workers": self.max_workers,
        }

    def cache_info(self, raw: object) -> dict[str, Any]:
        path = self.cache_dir(raw, "path")
        from vbn_widgets.data.layout import CacheLayout

        layout = CacheLayout(path)
        cache = self._build(path)
        return {
            "path": str(path),
            "manifests": layout.downloaded_manifests(),
            "current": layout.read_last_used(),
            "source": cache.source_spec(),
            "jobs": self.jobs(path),
        }

    def enqueue(self, cache: object, manifest: object, files: object) -> list[dict[str, Any]]:
        path = self.cache_dir(cache, "cache")
        refs = check_refs(files)
        name = self._manifest_on_disk(path, manifest)
        built = self._build(path)
        from vbn_widgets.data import ManifestError, VBNDataError

        queue = self.queue()
        try:
            # The job keeps this manifest; the cache's current one (the kernel's) is left alone.
            jobs = queue.submit_many(built, refs, manifest=name)
        except ManifestError as err:
            raise bad(f"files: {err}") from None
        except VBNDataError as err:  # a read-only (source-less) cache
            raise bad(f"cache: {err}") from None
        except RuntimeError as err:  # the queue shut down meanwhile
            raise ApiError(503, f"the download manager is shutting down ({err})") from None
        return [job.to_json() for job in jobs]

    def jobs(self, raw: object | Path) -> list[dict[str, Any]]:
        path = raw if isinstance(raw, Path) else self.resolve(raw, "cache")
        if self._queue is None:
            return []
        return [job.to_json() for job in self._queue.jobs(str(path))]

    def job(self, job_id: str) -> dict[str, Any]:
        return self._by_id(job_id, cancel=False)

    def cancel(self, job_id: str) -> dict[str, Any]:
        return self._by_id(job_id, cancel=True)

    def _by_id(self, job_id: str, *, cancel: bool) -> dict[str, Any]:
        check_job_id(job_id)
        queue = self._queue
        try:
            if queue is None:
                raise KeyError(job_id)
            job = queue.cancel(job_id) if cancel else queue.get(job_id)
        except KeyError:
            raise ApiError(404, f"no download job {job_id}") from None
        return job.to_json()

    # plumbing
    def queue(self) -> DownloadQueue:
        with self._lock:
            if self._closed:
                raise ApiError(503, "the download manager is shutting down")
            if self._queue is None:
                from vbn_widgets.data.transfers import DownloadQueue

                self._queue = DownloadQueue(max_workers=self.max_workers)
            return self._queue

    def _build(self, path: Path) -> VBNCache:
        """The cache over ``path`` as its kernel recorded it (source.json), memoised."""
        from vbn_widgets.data import VBNCache, VBNDataError
        from vbn_widgets.data.spec import spec_path

        try:
            recorded = spec_path(path).read_bytes()
        except FileNotFoundError:
            recorded = b""
        except OSError as err:
            raise bad(f"cache: cannot read the source recorded in {path}: {err}") from None
        key = (str(path), recorded)
        with self._lock:
            if key in self._caches:
                self._caches.move_to_end(key)
                return self._caches[key]
        try:
            cache = VBNCache.from_cache_dir(path)
        except VBNDataError as err:
            raise bad(f"cache: {err}") from None
        with self._lock:
            self._caches[key] = cache
            while len(self._caches) > _CACHES:
                self._caches.popitem(last=False)
        return cache

    @staticmethod
    def _manifest_on_disk(path: Path, manifest: object) -> str:
        from vbn_widgets.data.layout import CacheLayout
        from vbn_widgets.data.manifest import is_manifest_name

        if not isinstance(manifest, str) or not manifest:
            raise bad("manifest must be a manifest file name")
        if len(manifest) > MAX_NAME or not is_manifest_name(manifest):
            raise bad(f"manifest: {manifest[:80]!r} is not a manifest file name")
        on_disk = CacheLayout(path).downloaded_manifests()
        if manifest not in on_disk:
            raise bad(f"manifest: {manifest} is not in {path} (on disk: {on_disk or 'none'})")
        return manifest

    def shutdown(self, timeout: float = SHUTDOWN_WAIT) -> None:
        """Refuse new jobs, cancel every job, and wait up to ``timeout`` s for the workers.

        Partial files stay (``.part``) and resume later. A transfer blocked in a network read
        notices the cancel at its next chunk; the wait is bounded so a stalled source cannot
        hold the server's shutdown for the source's whole read timeout.
        """
        with self._lock:
            self._closed = True
            queue, self._queue = self._queue, None
            self._caches.clear()
        if queue is not None:
            queue.cancel_all()
        self.closing.set()
        if queue is not None:
            queue.shutdown(cancel=True, wait=False)
            queue.wait(timeout=timeout)
