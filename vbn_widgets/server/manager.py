"""The download manager that lives in the Jupyter server: one ``DownloadQueue`` for every notebook.

Every method that touches the disk or the data layer blocks: the handlers call them on the
manager's own threads (``executor``), never on the event loop. The data layer (pandas, boto3) is
imported on first use, not when the server starts. Two walls keep it inside
``VBNWidgets.cache_roots``: every cache folder a request names is resolved and checked, and every
file path the cache computes from a manifest is resolved and checked again (``guard``) before a
byte is written or deleted, whatever the data layer itself checks.
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import validate
from .validate import ApiError, bad

if TYPE_CHECKING:
    from vbn_widgets.data import VBNCache
    from vbn_widgets.data.transfers import DownloadQueue

SHUTDOWN_WAIT = 10.0
API_VERSION = 2  # 2: batches, bulk cancel, file operations, the job board
HANDLER_THREADS = 4
_CACHES = 32  # built caches kept, keyed by folder, manifest and recorded source


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
        self.executor = ThreadPoolExecutor(HANDLER_THREADS, thread_name_prefix="vbn-api")
        self._lock = threading.Lock()
        self._queue: DownloadQueue | None = None
        self._caches: OrderedDict[tuple[str, bytes], VBNCache] = OrderedDict()
        self._closed = False
        self.closing = threading.Event()  # set once shutdown() has cancelled every job

    # paths
    def _inside_roots(self, path: Path) -> bool:
        return any(path.is_relative_to(root) for root in self.roots)

    def resolve(self, raw: object, field: str) -> Path:
        """``raw`` resolved ('..' and symlinks); 403 unless it is inside a configured root."""
        text = validate.path_text(raw, field)
        try:
            resolved = Path(text).resolve()
        except (OSError, RuntimeError) as err:  # a symlink loop
            raise bad(f"{field}: cannot resolve {text!r}: {err}") from None
        if not self._inside_roots(resolved):
            roots = ", ".join(str(r) for r in self.roots) or "none configured"
            raise ApiError(
                403, f"{text} is outside the cache folders this server may use ({roots})"
            )
        return resolved

    def cache_dir(self, raw: object, field: str) -> Path:
        path = self.resolve(raw, field)
        try:
            is_dir = path.is_dir()
        except OSError as err:
            raise bad(f"{field}: cannot read {raw}: {err.strerror or err}") from None
        if not is_dir:
            raise ApiError(404, f"{field}: {raw} is not a directory")
        return path

    def guard(self, cache_dir: Path, verb: str = "written"):
        """The second wall: a check of each file path a manifest leads to (``DownloadQueue``'s
        ``guard``); refuses the whole request, naming the key, when one resolves outside."""

        inside = [str(cache_dir)]
        inside += [str(r) for r in self.roots if cache_dir.is_relative_to(r)]
        resolver = _Resolver()

        def check(final: Path, entry: Any) -> None:
            try:
                real = resolver.real(str(final))
            except (OSError, ValueError) as err:
                raise bad(f"files: {entry.key}: cannot resolve {final}: {err}") from None
            # inside the cache folder, and (whatever the cache folder resolves to) in a root
            if not all(real == top or real.startswith(top.rstrip("/") + "/") for top in inside):
                raise ApiError(
                    403,
                    f"files: {entry.key} would be {verb} at {real}, outside the cache folder "
                    f"{cache_dir}; the manifest is refused and nothing was done",
                )

        return check

    # requests
    def status(self) -> dict[str, Any]:
        from vbn_widgets import __version__

        return {
            "version": __version__,
            "api": API_VERSION,
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

    def _target(self, body: dict[str, Any]) -> tuple[Path, VBNCache, list, str]:
        path = self.cache_dir(body["cache"], "cache")
        refs = validate.refs(body["files"])
        name = self._manifest_on_disk(path, body["manifest"])
        return path, self._build(path), refs, name

    def enqueue(self, body: dict[str, Any]) -> dict[str, Any]:
        """One batch; answers it with every job and verified file, or (``"answer": "batch"``)
        with the batch alone, which for 4,300 files is 300 bytes instead of 3 MB."""
        validate.fields(body, ("cache", "manifest", "files"), ("answer",))
        brief = validate.brief_answer(body.get("answer", validate.ANSWERS[0]))
        path, built, refs, name = self._target(body)
        queue = self.queue()
        with self._data_errors():
            # The job keeps this manifest; the cache's current one (the kernel's) is left alone.
            batch, jobs, verified = queue.enqueue(
                built, refs, manifest=name, guard=self.guard(path)
            )
        if brief:
            return {"batch": batch.to_json()}
        return {
            "batch": batch.to_json(),
            "jobs": [job.to_json() for job in jobs],
            "verified": verified,
        }

    def jobs(
        self, raw: object | Path, batch: str | None = None, states: str | None = None
    ) -> list[dict[str, Any]]:
        path = raw if isinstance(raw, Path) else self.resolve(raw, "cache")
        batch = None if batch is None else validate.job_id(batch, "batch")
        from vbn_widgets.data.jobs import JOB_STATES

        wanted = validate.states(states, JOB_STATES)
        if self._queue is None:
            return []
        with self._not_found():
            return [j.to_json() for j in self._queue.jobs(path, batch=batch, states=wanted)]

    def job(self, job_id: str, *, cancel: bool = False) -> dict[str, Any]:
        validate.job_id(job_id)
        with self._not_found():
            queue = self._existing_queue(f"no download job {job_id}")
            return (queue.cancel(job_id) if cancel else queue.get(job_id)).to_json()

    def cancel_many(self, body: dict[str, Any]) -> dict[str, Any]:
        """Cancel every job of a cache folder, of one batch, or the listed ones; one answer."""
        validate.fields(body, ("cache",), ("jobs", "batch"))
        path = self.resolve(body["cache"], "cache")
        if "jobs" in body and "batch" in body:
            raise bad("give either jobs or batch, not both")
        queue = self._queue
        if "batch" in body:
            batch = validate.job_id(body["batch"], "batch")
            with self._not_found():
                ids = self._existing_queue(f"no batch {batch}").batch_job_ids(batch)
        elif "jobs" in body:
            ids = validate.id_list(body["jobs"], "jobs")
        else:
            ids = None
        if queue is None:
            return {"cancelled": 0, "finished": 0, "unknown": ids or []}
        if ids is None:
            from vbn_widgets.data.jobs import ACTIVE

            ids = [j.id for j in queue.jobs(path, states=[s.value for s in ACTIVE])]
        return queue.cancel_many(ids, cache_dir=path)

    def batches(self, raw: object) -> list[dict[str, Any]]:
        path = self.resolve(raw, "cache")
        queue = self._queue
        return [] if queue is None else [b.to_json() for b in queue.batches(path)]

    def batch(self, batch_id: str) -> dict[str, Any]:
        validate.job_id(batch_id, "batch id")
        with self._not_found():
            queue = self._existing_queue(f"no batch {batch_id}")
            return {**queue.batch(batch_id).to_json(), "jobs": queue.batch_job_ids(batch_id)}

    def start_operation(self, kind: str, body: dict[str, Any]) -> dict[str, Any]:
        validate.fields(body, ("cache", "manifest", "files"), ("wait",))
        if "wait" in body:
            validate.wait_seconds(body["wait"])
        path, built, refs, name = self._target(body)
        queue = self.queue()
        start = queue.verify_many if kind == "verify" else queue.delete_many
        verb = "read" if kind == "verify" else "deleted"
        with self._data_errors():
            return start(built, refs, manifest=name, guard=self.guard(path, verb))

    def operation(self, op_id: str, *, cancel: bool = False) -> dict[str, Any]:
        validate.job_id(op_id, "operation id")
        with self._not_found():
            queue = self._existing_queue(f"no file operation {op_id}")
            return queue.cancel_operation(op_id) if cancel else queue.operation(op_id)

    def operation_ended(self, op_id: str) -> bool:
        return self._queue is not None and self._queue.wait_operation(op_id, 0)

    # plumbing
    def queue(self) -> DownloadQueue:
        with self._lock:
            if self._closed:
                raise ApiError(503, "the download manager is shutting down")
            if self._queue is None:
                from vbn_widgets.data.transfers import DownloadQueue

                self._queue = DownloadQueue(max_workers=self.max_workers, board="server")
            return self._queue

    def _existing_queue(self, missing: str) -> DownloadQueue:
        if self._queue is None:
            raise KeyError(missing)
        return self._queue

    def _not_found(self):
        return _Mapped({KeyError: 404})

    def _data_errors(self):
        from vbn_widgets.data import (
            ManifestError,
            ReadOnlyCacheError,
            UnsafePathError,
            VBNDataError,
        )

        # A manifest key whose local path leads out of the cache: the data layer's wall caught
        # it before the server's own; either way a path outside its room is a 403.
        return _Mapped(
            {
                ManifestError: ("files", 400),
                ReadOnlyCacheError: ("cache", 400),
                UnsafePathError: ("files", 403),
            },
            {VBNDataError: ("cache", 400), RuntimeError: (None, 503)},
        )

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
            cache = self._caches.setdefault(key, cache)
            while len(self._caches) > _CACHES:
                self._caches.popitem(last=False)
        return cache

    @staticmethod
    def _manifest_on_disk(path: Path, manifest: object) -> str:
        from vbn_widgets.data.layout import CacheLayout
        from vbn_widgets.data.manifest import is_manifest_name

        name = validate.manifest_name(manifest)
        if not is_manifest_name(name):
            raise bad(f"manifest: {name[:80]!r} is not a manifest file name")
        on_disk = CacheLayout(path).downloaded_manifests()
        if name not in on_disk:
            raise bad(f"manifest: {name} is not in {path} (on disk: {on_disk or 'none'})")
        return name

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
            queue.close_board()  # what the jobs ended as, for the kernels still reading it
        self.executor.shutdown(wait=False, cancel_futures=True)


class _Resolver:
    """``os.path.realpath`` of many files in shared folders: each folder is resolved once, so a
    request for 4,300 files costs about one ``lstat`` per file and per new folder."""

    def __init__(self) -> None:
        self._dirs: dict[str, str] = {}

    def real(self, path: str) -> str:
        head, name = os.path.split(path)
        return self._step(self._dir(head), name)

    def _dir(self, folder: str) -> str:
        known = self._dirs.get(folder)
        if known is None:
            head, name = os.path.split(folder)
            known = folder if head == folder else self._step(self._dir(head), name)
            self._dirs[folder] = known
        return known

    @staticmethod
    def _step(base: str, name: str) -> str:
        """``base`` (already real) joined with one more name, resolved."""
        if name in {"", "."}:
            return base
        # strings and os.path, not pathlib: this runs once per file of a 4,300-file request
        if name == "..":
            return os.path.dirname(base)  # noqa: PTH120
        full = os.path.join(base, name)  # noqa: PTH118
        return os.path.realpath(full) if os.path.islink(full) else full  # noqa: PTH114


class _Mapped:
    """Turns data-layer exceptions into ApiErrors: {type: status} or {type: (field, status)}."""

    def __init__(self, *tables: dict) -> None:
        self.tables = tables

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind, err, _tb) -> bool:
        if err is None or isinstance(err, ApiError):
            return False
        for table in self.tables:
            for exc_type, how in table.items():
                if isinstance(err, exc_type):
                    field, status = how if isinstance(how, tuple) else (None, how)
                    message = str(err.args[0]) if isinstance(err, KeyError) else str(err)
                    prefix = f"{field}: " if field else ""
                    if status == 503 and "operations are running" in message:
                        status = 429
                    raise ApiError(status, prefix + message) from None
        return False
