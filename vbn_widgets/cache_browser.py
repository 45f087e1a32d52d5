"""``CacheBrowser``: what a VBN release holds, what is on disk, and downloads with progress."""

from __future__ import annotations

import functools
import threading
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import traitlets as t

from ._base import StrictWidget
from ._cache_events import handle
from ._cache_jobs import JobBook, Ticker, apply_jobs, start_downloads
from ._cache_lookup import find_file, find_files, session_ids
from ._cache_state import load_current_manifest, reread_local_state
from ._cache_summaries import comparison_info, preview_info, source_info, totals_info
from ._static import STATIC
from .data import FileState, VBNCache
from .data.catalog import CatalogFile
from .data.errors import ReadOnlyCacheError, VBNDataError
from .data.manifest import ManifestDiff
from .data.sizes import SizeBook
from .data.transfers import DownloadQueue, JobSnapshot

MAX_LIST = 200


def _shown(method):
    """Errors are raised in Python and also shown in the widget's status line."""

    @functools.wraps(method)
    def wrapper(self, *args, **kwargs):
        try:
            result = method(self, *args, **kwargs)
        except (ValueError, KeyError, TypeError, VBNDataError) as err:
            text = err.args[0] if isinstance(err, KeyError) and err.args else err  # no repr quotes
            with self._lock:
                self.set_trait("error", str(text)[:500])
            raise
        return result

    return wrapper


class CacheBrowser(StrictWidget):
    """Manifest versions, every file of the current one with its size and local state, and
    downloads with progress that run in the background (the notebook stays usable).

    Parameters
    ----------
    cache
        A ``VBNCache`` (S3, a local mirror, or a static read-only mount).
    max_workers
        Files downloaded at the same time.

    Synced state (mirrored by ``@typedef Model`` in ``js/src/cache_browser/cache_browser.js``);
    only Python writes it, from the kernel thread or the update thread (one lock for both):

    ===============  ================  =========================================================
    trait            wire type         meaning
    ===============  ================  =========================================================
    ``versions``     VersionInfo[]     name, version, latest, current, downloaded
    ``current``      str               the current manifest's file name
    ``source``       SourceInfo        kind (s3, mirror, static, local), description, read_only
    ``cache_dir``    str               the cache folder
    ``row_count``    int               rows of the tree as expanded and searched
    ``revision``     int               bumped whenever any row may have changed
    ``totals``       Totals            files, on disk, known sizes, selection, to download
    ``transfer``     Transfer          the current batch: files, bytes, rate, time left
    ``jobs``         JobInfo[]         at most 50: running, queued, failed, newest finished
    ``comparison``   Comparison|null   the last ``compare`` (lists capped at 200)
    ``preview_summary``  Preview|null  what ``preview(sessions)`` would download
    ``backend``      str               "kernel", "server" or "read-only"
    ``error``        str               the last error, "" when none
    ``row_height``   int               tree row height in px
    ``title``        str               caption
    ===============  ================  =========================================================

    Messages (``kind``, ``id``; answered by ``<kind>:ok`` or ``error``): ``rows``, ``toggle``,
    ``select``, ``clear-selection``, ``download``, ``cancel``, ``verify``, ``delete``,
    ``set-manifest``, ``compare``, ``clear-preview``, ``search``, ``backend``, ``server-jobs``.
    """

    _esm = STATIC / "cache_browser.js"
    _css = STATIC / "cache_browser.css"

    versions = t.List(t.Dict(), read_only=True).tag(sync=True)
    current = t.Unicode("", read_only=True).tag(sync=True)
    source = t.Dict(read_only=True).tag(sync=True)
    cache_dir = t.Unicode("", read_only=True).tag(sync=True)
    row_count = t.Int(0, read_only=True).tag(sync=True)
    revision = t.Int(0, read_only=True).tag(sync=True)
    totals = t.Dict(read_only=True).tag(sync=True)
    transfer = t.Dict(read_only=True).tag(sync=True)
    jobs = t.List(t.Dict(), read_only=True).tag(sync=True)
    comparison = t.Dict(default_value=None, allow_none=True, read_only=True).tag(sync=True)
    preview_summary = t.Dict(default_value=None, allow_none=True, read_only=True).tag(sync=True)
    backend = t.Unicode("kernel", read_only=True).tag(sync=True)
    error = t.Unicode("", read_only=True).tag(sync=True)
    row_height = t.Int(28, min=16, max=64).tag(sync=True)
    title = t.Unicode("").tag(sync=True)

    def __init__(self, cache: VBNCache, *, max_workers: int = 2, **kwargs: Any) -> None:
        if not isinstance(cache, VBNCache):
            raise TypeError(f"CacheBrowser needs a VBNCache, got {type(cache).__name__}")
        super().__init__(**kwargs)
        self.cache = cache
        self._lock = threading.RLock()  # every trait write and tree change holds it
        self._events_lock = threading.Lock()
        self._events: dict[str, JobSnapshot] = {}
        self._stop = threading.Event()
        self._closed = False
        self._book = JobBook()
        self._checked: dict[str, str] = {}  # static mounts: what verify() found, by key
        self._sizes = SizeBook(cache)
        self._chores = ThreadPoolExecutor(1, thread_name_prefix="vbn-cache-chores")
        self._queue = DownloadQueue(max_workers=max_workers)
        cache.remember_source()
        self.set_trait("source", source_info(cache))
        self.set_trait("cache_dir", str(cache.cache_dir))
        self.set_trait("backend", "read-only" if cache.read_only else "kernel")
        with self._lock:
            load_current_manifest(self, keep=None)
        self._unsubscribe = self._queue.subscribe(self._on_job)
        self._ticker = Ticker(self._tick, interval=0.2, name="vbn-cache-browser")
        self.on_msg(self._on_msg)

    def _trait_lock(self) -> threading.RLock:
        return self._lock

    def __repr__(self) -> str:
        t_ = self.totals
        return (
            f"CacheBrowser({self.current}, {t_.get('files', 0):,} files, "
            f"{t_.get('files_on_disk', 0):,} verified, backend={self.backend})"
        )

    # state -> traits (callers hold self._lock)
    def _publish(self) -> None:
        tree = self._tree
        with self.hold_sync():
            self.set_trait("row_count", len(tree.visible()))
            self.set_trait("totals", totals_info(tree))
            self.set_trait("transfer", self._book.transfer(tree.sizes.get))
            self.set_trait("jobs", self._book.shown())
            self.set_trait("revision", self.revision + 1)

    # jobs: queue events (worker threads) -> ticker thread -> traits
    def _on_job(self, snapshot: JobSnapshot) -> None:
        with self._events_lock:
            self._events[snapshot.id] = snapshot
        self._ticker.poke()

    def _tick(self) -> None:
        with self._events_lock:
            events, self._events = self._events, {}
        with self._lock:
            if self._closed or not events:
                return
            apply_jobs(self, [s.to_json() for s in events.values()])
            self._publish()

    # the Python API
    def _file(self, item: object) -> CatalogFile:
        return find_file(self._tree, item)

    @_shown
    def set_manifest(self, name: str) -> None:
        """Make ``name`` (a manifest file name) the current version."""
        if name not in {v["name"] for v in self.versions}:
            raise ValueError(f"{name!r} is not a manifest of this cache")
        with self._lock, warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "not the latest": the widget marks it already
            self.cache.load_manifest(name)
            load_current_manifest(self, keep=self._tree)

    @_shown
    def compare(self, a: str, b: str) -> ManifestDiff:
        """Files changed, added, removed and renamed going from manifest ``a`` to ``b``."""
        known = {v["name"] for v in self.versions}
        for name in (a, b):
            if name not in known:
                raise ValueError(f"{name!r} is not a manifest of this cache")
        diff = self.cache.compare_manifests(a, b)
        with self._lock:
            self.set_trait("comparison", comparison_info(diff, MAX_LIST))
        return diff

    @_shown
    def select(self, files: object = None, sessions: object = None, on: bool = True) -> None:
        """Select (or with ``on=False`` unselect) files and whole sessions."""
        chosen = {f.key for f in find_files(self._tree, files, sessions)}
        with self._lock:
            tree = self._tree
            tree.selected = tree.selected | chosen if on else tree.selected - chosen
            self._publish()

    def clear_selection(self) -> None:
        with self._lock:
            self._tree.selected = set()
            self._publish()

    @property
    def selected_files(self) -> list[CatalogFile]:
        """The selected files, in display order."""
        with self._lock:
            return [f for f in self._tree.catalog.files() if f.key in self._tree.selected]

    @_shown
    def preview(self, sessions: object) -> dict:
        """Select these sessions (ids, an Index, a DataFrame, or a widget's ``.selected``) and
        show what downloading them means; ids that are no session of the release are listed."""
        ids = session_ids(sessions)
        with self._lock:
            tree = self._tree
            files, _ = tree.catalog.files_for_sessions(ids)
            tree.selected = {f.key for f in files}
            summary = preview_info(tree, ids)
            self.set_trait("preview_summary", summary)
            self._publish()
        return summary

    @_shown
    def download(self, files: object = None, sessions: object = None) -> list[JobSnapshot]:
        """Queue files and whole sessions (by default the selection); returns at once.

        With the Jupyter server's download manager (``backend == "server"``) the front end
        hands the plan to the server and this returns an empty list.
        """
        with self._lock:
            nothing = files is None and sessions is None
            chosen = self.selected_files if nothing else find_files(self._tree, files, sessions)
            return start_downloads(self, chosen, plan_to_js=True)[0]

    @_shown
    def cancel(self, job_id: str | None = None) -> None:
        """Cancel one job, or every queued and running one."""
        with self._lock:
            if self.backend == "server":
                ids = self._book.active_ids() if job_id is None else [job_id]
                self.send({"kind": "server-cancel", "jobs": ids})
            elif job_id is None:
                self._queue.cancel_all()
            else:
                self._queue.cancel(job_id)

    @_shown
    def verify(self, ref: object) -> FileState:
        """Re-hash one file against the manifest; its state follows."""
        with self._lock:
            key = self._file(ref).key
            status = self.cache.file_status(self._tree.files[key].ref, verify=True)
            self._checked[key] = status.state.value
            self._tree.set_local(key, status.state.value, status.bytes_on_disk)
            self._publish()
            return status.state

    @_shown
    def delete(self, ref: object) -> bool:
        """Remove one file from the cache (refused while it downloads or on a read-only cache)."""
        with self._lock:
            key = self._file(ref).key
            if self.backend == "read-only":
                raise ReadOnlyCacheError(f"read-only: {key} cannot be deleted from this cache")
            job = self._tree.jobs.get(key)
            if job is not None and job["state"] in ("queued", "running"):
                raise ValueError(f"{key} is downloading; cancel it first")
            removed = self.cache.delete(self._tree.files[key].ref)
            self._tree.set_job(key, None)
            reread_local_state(self, key)
            self._publish()
            return removed

    def wait(self, timeout: float | None = None) -> bool:
        """Block until this browser's downloads finish (kernel backend); True when they did."""
        done = self._queue.wait(None, timeout)
        with self._lock:
            if not self._closed:
                apply_jobs(self, (s.to_json() for s in self._queue.jobs()))
                self._publish()
            return done and not self._book.active_ids()

    def refresh(self) -> None:
        """Re-read manifests, file states and sizes from disk and the source."""
        with self._lock:
            load_current_manifest(self, keep=self._tree)

    def close(self) -> None:
        """Stop the update thread, cancel running downloads, close the widget."""
        with self._lock:
            closing, self._closed = not self._closed, True
        if not closing:
            super().close()
            return
        self._stop.set()
        self._ticker.stop()
        self._unsubscribe()
        self._queue.shutdown(cancel=True, wait=True)
        self._chores.shutdown(wait=True, cancel_futures=True)
        super().close()

    def _on_msg(self, _widget: object, content: object, _buffers: object) -> None:
        handle(self, content)  # validated and dispatched in _cache_events
