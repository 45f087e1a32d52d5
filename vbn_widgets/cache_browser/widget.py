"""``CacheBrowser``: what a VBN release holds, what is on disk, and downloads with progress."""

from __future__ import annotations

import contextlib
import threading
import time
import uuid
import warnings
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import traitlets as t

from .._base import StrictWidget
from .._errors import show_error, shown
from .._messages import RequestError, dispatch
from .._static import STATIC
from ..data import FileState, VBNCache
from ..data.catalog import CatalogFile, build_catalog
from ..data.errors import ReadOnlyCacheError
from ..data.manifest import ManifestDiff
from ..data.sizes import SizeBook
from ..data.sources import MirrorSource
from ..data.transfers import DownloadQueue, JobSnapshot
from . import messages
from .disk import local_states, scan_local_states, states_of
from .jobs import ACTIVE_STATES, JobBook, Request, task_info
from .lookup import chosen_files, describe, find_files, is_one_file, session_ids
from .observe import Ticker, Watcher
from .shapes import (
    Comparison,
    JobInfo,
    Preview,
    SourceInfo,
    TaskInfo,
    Totals,
    Transfer,
    VersionInfo,
)
from .summaries import comparison_info, preview_info, source_info, totals_info, versions_info
from .tree import FILE_STATES, CacheTree

MAX_LIST = 200
MAX_OPS = 16
MAX_PLAN = 5000  # files per server request (the server's limit)
REQUEST_TIMEOUT = 30.0  # s a server download may take to show on the job board
TICK = 0.2
WATCH_BUSY, WATCH_IDLE = 0.25, 2.0  # s between looks at the job board


class CacheBrowser(StrictWidget):
    """Manifest versions, every file of the current one with its size and local state, and
    downloads with progress that run in the background (the notebook stays usable).

    Parameters
    ----------
    cache
        A ``VBNCache`` (S3, a local mirror, or a static read-only mount).
    max_workers
        Files downloaded at the same time (by this kernel).

    Synced state (mirrored by ``@typedef Model`` in ``js/src/cache_browser/cache_browser.js``;
    shapes in ``shapes.py`` <-> ``shapes.js``); only Python writes it:

    ===================  ===============  =====================================================
    trait                wire type        meaning
    ===================  ===============  =====================================================
    ``versions``         VersionInfo[]    name, version, latest, current, downloaded
    ``current``          str              the current manifest's file name
    ``source``           SourceInfo       kind (s3, mirror, static, local), description, read_only
    ``cache_dir``        str              the cache folder
    ``row_count``        int              rows of the tree as expanded and searched
    ``revision``         int              bumped whenever any row may have changed
    ``totals``           Totals           files, on disk, known sizes, selection, to download
    ``transfer``         Transfer         the newest download requests, each with its progress
    ``jobs``             JobInfo[]        at most 50: running, queued, failed, newest finished
    ``comparison``       Comparison|null  the last ``compare`` (lists capped at 200)
    ``preview_summary``  Preview|null     what ``preview(sessions)`` would download
    ``task``             TaskInfo|null    the last verify or delete: progress, what it found
    ``backend``          str              "kernel", "server" or "read-only"
    ``error``            str              the last error, "" when none
    ``row_height``       int              tree row height in px
    ``title``            str              caption
    ===================  ===============  =====================================================

    Every browser action is a request (``messages``) that calls the public method of the same
    name; replies are ``<kind>:ok`` or ``error``. Threads: the kernel's calls, the ticker (job
    events, the job board, file operations) and a chores thread (sizes). ``_lock`` is held for
    every trait write and every look at the tree or the book, and never while hashing, deleting,
    reading the job board or waiting.
    """

    _esm = STATIC / "cache_browser.js"
    _css = STATIC / "cache_browser.css"

    versions = t.List(t.Dict(), read_only=True).tag(
        sync=True, shape=VersionInfo, wire="VersionInfo[]"
    )
    current = t.Unicode("", read_only=True).tag(sync=True)
    source = t.Dict(read_only=True).tag(sync=True, shape=SourceInfo, wire="SourceInfo")
    cache_dir = t.Unicode("", read_only=True).tag(sync=True)
    row_count = t.Int(0, read_only=True).tag(sync=True)
    revision = t.Int(0, read_only=True).tag(sync=True)
    totals = t.Dict(read_only=True).tag(sync=True, shape=Totals, wire="Totals")
    transfer = t.Dict(read_only=True).tag(sync=True, shape=Transfer, wire="Transfer")
    jobs = t.List(t.Dict(), read_only=True).tag(sync=True, shape=JobInfo, wire="JobInfo[]")
    comparison = t.Dict(default_value=None, allow_none=True, read_only=True).tag(
        sync=True, shape=Comparison, wire="Comparison | null"
    )
    preview_summary = t.Dict(default_value=None, allow_none=True, read_only=True).tag(
        sync=True, shape=Preview, wire="Preview | null"
    )
    task = t.Dict(default_value=None, allow_none=True, read_only=True).tag(
        sync=True, shape=TaskInfo, wire="TaskInfo | null"
    )
    backend = t.Unicode("kernel", read_only=True).tag(sync=True)
    row_height = t.Int(28, min=16, max=64).tag(sync=True)
    title = t.Unicode("").tag(sync=True)

    def __init__(self, cache: VBNCache, *, max_workers: int = 2, **kwargs: Any) -> None:
        if not isinstance(cache, VBNCache):
            raise TypeError(f"CacheBrowser needs a VBNCache, got {type(cache).__name__}")
        super().__init__(**kwargs)
        self.cache = cache
        self._lock = threading.RLock()
        self._settled = threading.Condition(self._lock)
        self._ticking = threading.Lock()  # one tick at a time (the ticker's, or wait()'s)
        self._closed = False
        self._stop = threading.Event()
        self._book = JobBook()
        self._ops: dict[str, dict] = {}  # file operations started here: id -> what and how far
        self._checked: dict[str, str] = {}  # static mounts: what verify found, by key
        self._diffs: dict[tuple[str, str], ManifestDiff] = {}
        self._preview: list[int] | None = None  # the sessions of ``preview_summary``
        self._sizes = SizeBook(cache)
        self._chores = ThreadPoolExecutor(1, thread_name_prefix="vbn-cache-chores")
        self._queue = DownloadQueue(max_workers=max_workers, board="kernel")
        self._watcher = Watcher(self._queue, cache.cache_dir, self._poke)
        cache.remember_source()
        self.set_trait("source", source_info(cache))
        self.set_trait("cache_dir", str(cache.cache_dir))
        self.set_trait("backend", "read-only" if cache.read_only else "kernel")
        self._load(keep=False)
        self._handlers = messages.handlers(self)
        self._ticker = Ticker(self._tick, TICK, "vbn-cache-browser")
        self.on_msg(self._on_msg)

    def _trait_lock(self) -> threading.RLock:
        return self._lock

    def __repr__(self) -> str:
        t_ = self.totals
        return (
            f"CacheBrowser({self.current}, {t_.get('files', 0):,} files, "
            f"{t_.get('files_on_disk', 0):,} verified, backend={self.backend})"
        )

    @contextlib.contextmanager
    def _guarded(self):
        with self._lock:
            if self._closed:
                raise RequestError("the cache browser was closed")
            yield

    def _poke(self) -> None:  # from the queue's workers, maybe before the ticker exists
        ticker = getattr(self, "_ticker", None)
        if ticker is not None:
            ticker.poke()

    def _on_msg(self, _widget: object, content: object, _buffers: object) -> None:
        dispatch(self, content, self._handlers, guard=self._guarded)

    # state -> traits (callers hold the lock)
    def _publish(self) -> None:
        tree = self._tree
        with self.hold_sync():
            self.set_trait("row_count", len(tree.visible()))
            self.set_trait("totals", totals_info(tree))
            self.set_trait("transfer", self._book.transfer())
            self.set_trait("jobs", self._book.shown())
            self.set_trait("task", self._task())
            if self._preview is not None:  # what is left to download shrinks as files arrive
                self.set_trait("preview_summary", preview_info(tree, self._preview))
            self.set_trait("revision", self.revision + 1)

    def _task(self) -> TaskInfo | None:
        if not self._ops:
            return None
        op = next(reversed(self._ops.values()))
        return task_info(op["label"], op["data"], op["applied"], op["error"])

    def _load(self, *, keep: bool) -> None:
        """(Re)build the tree of the current manifest off the lock, then swap it in."""
        cache = self.cache
        manifest = cache.manifest
        versions = versions_info(
            cache.list_manifest_file_names(), cache.list_all_downloaded_manifests(), manifest.name
        )
        tree = CacheTree(build_catalog(cache), manifest, cache.layout)
        with self._lock:
            checked = dict(self._checked)
        scan_local_states(cache, tree, checked)
        entries = [f.entry for f in tree.files.values()]
        local = isinstance(cache.source, MirrorSource)  # a stat per file: no need to wait
        tree.set_sizes(self._sizes.fetch(entries) if local else self._sizes.known(entries))
        with self._lock:
            if keep:
                tree.adopt(self._tree)
            for key, job in self._book.by_key.items():
                if job["manifest"] == manifest.name:
                    tree.set_job(key, job)
            self._book.mark_requested(tree)
            self._tree = tree
            self.set_trait("versions", versions)
            self.set_trait("current", manifest.name)
            self._publish()
        if tree.sizes.keys() != tree.files.keys():
            self._chores.submit(self._fetch_sizes, tree, entries)

    def _fetch_sizes(self, tree: CacheTree, entries: list) -> None:
        try:
            sizes = self._sizes.fetch(entries, cancel=self._stop)
        except Exception as err:
            show_error(self, f"sizes: {err}")
            return
        with self._lock:
            if self._tree is tree and not self._closed:
                tree.set_sizes(sizes)
                self._publish()

    # the ticker thread: job events, the job board and file operations -> traits
    def _tick(self) -> float | None:
        with self._ticking:
            return self._tick_once()

    def _tick_once(self) -> float | None:
        with self._lock:
            if self._closed:
                return None
            tree, busy = self._tree, self._book.busy() or self.backend == "server"
            running = [i for i, op in self._ops.items() if not op["applied"]]
        seen = self._watcher.collect(tree, board=self.backend != "read-only")  # reads files
        ops = {i: self._queue.operation(i, items=False) for i in running}
        with self._lock:
            if self._closed or self._tree is not tree:
                return TICK
            self._book.apply(tree, seen.jobs, seen.local, seen.batches)
            late = self._book.time_out(time.time(), REQUEST_TIMEOUT)
            for request in late:
                show_error(self, request.error or "")
            for op_id, data in ops.items():
                self._ops[op_id]["data"] = data
            ended, unlisted = self._book.newly_settled(tree)
        if ended:  # the final word on each file of the requests that ended, read now
            finals = [j.to_json() for r in ended if r.origin == "kernel" for j in self._final(r)]
            local = local_states(tree, [j for j in finals if j["state"] not in ACTIVE_STATES])
            local.update(states_of(tree, unlisted))  # server files the board never listed
            with self._lock:
                if self._tree is tree:
                    self._book.apply(tree, finals, local, [])
                for r in ended:
                    r.checked = True
        for op_id, data in ops.items():
            if data["state"] != "running":
                self._apply_operation(op_id)
        with self._lock:
            if not self._closed and (seen or ops or ended or late):
                self._publish()
            self._settled.notify_all()
        return WATCH_BUSY if busy or seen.board_active or running else WATCH_IDLE

    def _final(self, request: Request) -> list[JobSnapshot]:
        try:
            return self._queue.jobs(self.cache.cache_dir, batch=request.batch)
        except KeyError:  # long gone from the queue's history
            return []

    def _apply_operation(self, op_id: str) -> dict[str, dict]:
        """Carry a finished verify or delete into the tree (once); its items by key."""
        data = self._queue.operation(op_id, items=True)
        with self._lock:
            op = self._ops[op_id]
            if op["applied"]:
                return op["items"]
            op["data"], op["applied"] = data, True
            op["items"] = {i["key"]: i for i in data.get("items", [])}
            if op["tree"] is self._tree:
                self._checked.update(op["tree"].apply_results(data["kind"], op["items"].values()))
            errors = [i["error"] for i in op["items"].values() if i.get("error")]
            if errors:
                op["error"] = errors[0] + (f" (and {len(errors) - 1} more)" if errors[1:] else "")
                show_error(self, op["error"])
            self._publish()
            return op["items"]

    # looking
    def rows(self, offset: int = 0, limit: int = 50) -> dict[str, Any]:
        """Rows ``offset`` .. ``offset + limit`` of the tree as shown (``shapes.CacheRow``)."""
        with self._lock:
            rows = self._tree.rows(offset, limit)
            return {
                "rows": rows,
                "revision": self.revision,
                "offset": offset,
                "total": self.row_count,
            }

    @shown
    def toggle(self, row: str) -> bool:
        """Expand or collapse a group or session row; whether it is now expanded."""
        with self._lock:
            expanded = self._tree.toggle(row)
            self._publish()
            return expanded

    def search(self, text: str) -> int:
        """Show only sessions whose id, mouse, genotype or type contains ``text``; rows shown."""
        with self._lock:
            self._tree.set_search(str(text))
            self._publish()
            return self.row_count

    @shown
    def select(
        self, files: object = None, sessions: object = None, rows: object = None, on: bool = True
    ) -> int:
        """Select (or with ``on=False`` unselect) files, whole sessions and tree rows; returns
        how many files are selected."""
        with self._lock:
            tree = self._tree
            chosen = {f.key for f in find_files(tree, files, sessions, rows)}
            tree.selected = tree.selected | chosen if on else tree.selected - chosen
            self._publish()
            return len(tree.selected)

    def clear_selection(self) -> None:
        with self._lock:
            self._tree.selected = set()
            self._publish()

    @property
    def selected_files(self) -> list[CatalogFile]:
        """The selected files, in display order."""
        with self._lock:
            return [f for f in self._tree.catalog.files() if f.key in self._tree.selected]

    @shown
    def preview(self, sessions: object) -> Preview:
        """Select these sessions (ids, an Index, a DataFrame, or a widget's ``.selected``) and
        show what downloading them means; ids that are no session of the release are listed."""
        ids = session_ids(sessions)
        with self._lock:
            tree = self._tree
            files, _ = tree.catalog.files_for_sessions(ids)
            tree.selected = {f.key for f in files}
            self._preview = ids
            self._publish()
            return self.preview_summary

    def clear_preview(self) -> None:
        with self._lock:
            self._preview = None
            self.set_trait("preview_summary", None)

    @shown
    def set_manifest(self, name: str) -> None:
        """Make ``name`` (a manifest file name) the current version."""
        if name not in {v["name"] for v in self.versions}:
            raise ValueError(f"{name!r} is not a manifest of this cache")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "not the latest": the widget marks it already
            self.cache.load_manifest(name)
        self._load(keep=True)

    @shown
    def compare(self, a: str, b: str) -> ManifestDiff:
        """Files changed, added, removed and renamed going from manifest ``a`` to ``b``."""
        known = {v["name"] for v in self.versions}
        for name in (a, b):
            if name not in known:
                raise ValueError(f"{name!r} is not a manifest of this cache")
        if (a, b) not in self._diffs:  # manifests never change under their name
            self._diffs[a, b] = self.cache.compare_manifests(a, b)
        diff = self._diffs[a, b]
        with self._lock:
            self.set_trait("comparison", comparison_info(diff, MAX_LIST))
        return diff

    def refresh(self) -> None:
        """Re-read manifests, file states and sizes from disk and the source."""
        self._load(keep=True)

    # acting
    def _writable(self, what: str) -> None:
        if self.backend == "read-only":
            raise ReadOnlyCacheError(
                f"read-only: {self.source['description']} never {what}; "
                "use VBNCache.from_s3_cache or from_mirror"
            )

    @shown
    def download(
        self, files: object = None, sessions: object = None, rows: object = None
    ) -> list[JobSnapshot]:
        """Queue files, whole sessions and tree rows (by default the selection) as one request;
        returns at once. Files already verified are skipped; ``wait()`` waits for the rest.

        In this kernel it returns the jobs. With the Jupyter server's download manager
        (``backend == "server"``) the page hands the request to the server; it returns [].
        """
        with self._lock:
            self._writable("downloads")
            tree, server = self._tree, self.backend == "server"
            chosen = chosen_files(tree, files, sessions, rows)
            todo = [f for f in chosen if tree.local[f.key][0] != "verified"]
            label = describe(tree, files, sessions, rows, len(chosen))
        name = tree.catalog.manifest_name
        queued = None
        if todo and not server:  # plans and checks every file: off the lock
            queued = self._queue.enqueue(self.cache, [f.ref for f in todo], manifest=name)
        with self._lock:
            for start in range(0, len(todo), MAX_PLAN):
                part = todo[start : start + MAX_PLAN] if server else todo
                keys = tuple(f.key for f in part)
                size = sum(tree.sizes.get(k, 0) for k in keys)
                r = Request(label, "server" if server else "kernel", name, keys, size, time.time())
                self._book.add_request(r)
                if queued is not None:
                    r.batch = queued.batch.id
                    jobs = [j.to_json() for j in queued.jobs]
                    self._book.apply(tree, jobs, {}, [queued.batch.to_json()])
                    break
                plan = {"cache": self.cache_dir, "manifest": name, "files": [f.ref for f in part]}
                self._to_page(r.id, "enqueue", plan=plan)
            self._book.mark_requested(tree)
            self._publish()
        self._ticker.poke()
        return list(queued.jobs) if queued is not None else []

    def _to_page(self, request: str, action: str, **fields: Any) -> None:
        """Ask the page to call the Jupyter server (only it knows the server's URL and token);
        it answers with a ``server-answer`` request."""
        self.send({"kind": "server-request", "request": request, "action": action, **fields})

    @shown
    def cancel(
        self,
        job_id: str | None = None,
        *,
        files: object = None,
        sessions: object = None,
        rows: object = None,
    ) -> int:
        """Cancel one job, the downloads of files, sessions or rows, or (no argument) every
        queued and running download of this cache, in this kernel and in the Jupyter server,
        each with one request. Returns how many of this kernel's jobs were asked to stop."""
        everything = job_id is None and files is None and sessions is None and rows is None
        with self._lock:
            keys: list[str] = []
            if everything:
                ids = []
                n = self._queue.cancel_all(self.cache.cache_dir)
            else:
                if job_id is None:
                    keys = [f.key for f in find_files(self._tree, files, sessions, rows)]
                ids = [job_id] if job_id is not None else self._book.active_ids(keys)
                report = self._queue.cancel_many(ids, self.cache.cache_dir)
                n = report["cancelled"] + report["finished"]
                ids = report["unknown"]  # not this kernel's jobs: the server's
                if job_id is not None and ids and self.backend != "server":
                    raise KeyError(f"no download job {job_id}")
            if self.backend == "server":
                scope = {"all": True} if everything else {"jobs": ids, "keys": keys}
                self._to_page(uuid.uuid4().hex, "cancel", **scope)
            self._ticker.poke()
            return n

    def _start(self, kind: str, files: object, sessions: object, rows: object) -> tuple:
        """Start a verify or delete of many files (``data.file_ops``, its own thread)."""
        with self._lock:
            tree = self._tree
            chosen = chosen_files(tree, files, sessions, rows)
            busy = tree.busy(f.key for f in chosen) if kind == "delete" else []
            if kind == "delete":
                self._writable("deletes files")
            if busy:
                what = busy[0] if len(busy) == 1 else f"{len(busy)} of them ({busy[0]}, ...)"
                raise ValueError(f"{what} is downloading; cancel it first")
            label = describe(tree, files, sessions, rows, len(chosen))
        start = self._queue.verify_many if kind == "verify" else self._queue.delete_many
        data = start(self.cache, [f.ref for f in chosen], manifest=tree.catalog.manifest_name)
        with self._lock:
            op = {"label": label, "tree": tree, "data": data, "applied": False, "error": None}
            self._ops[data["id"]] = op
            for old in [i for i, o in self._ops.items() if o["applied"]][:-MAX_OPS]:
                del self._ops[old]  # the newest few are kept: ``task`` shows the last
            self._publish()
        self._ticker.poke()
        return data["id"], chosen

    @shown
    def verify(
        self,
        files: object = None,
        sessions: object = None,
        rows: object = None,
        *,
        wait: bool = True,
    ) -> Any:
        """Re-hash files, sessions or rows (by default the selection) against the manifest, on
        a thread of their own (nothing waits on the widget meanwhile); ``task`` shows the
        outcome, even when every file is still verified.

        One file named by itself answers its ``FileState``; anything else a dict of file key ->
        result (a ``FileState`` value, or "downloading" for a file being downloaded, skipped).
        ``wait=False`` returns None at once (the browser's Verify buttons do that).
        """
        op_id, chosen = self._start("verify", files, sessions, rows)
        if not wait:
            return None
        self._queue.wait_operation(op_id)
        items = self._apply_operation(op_id)
        results = {f.key: items[f.key]["result"] for f in chosen if f.key in items}
        if not is_one_file(files, sessions, rows):
            return results
        item = items.get(chosen[0].key, {"result": "error", "error": None})
        if item["result"] not in FILE_STATES:
            raise ValueError(item.get("error") or f"{chosen[0].key}: {item['result']}")
        return FileState(item["result"])

    @shown
    def delete(
        self,
        files: object = None,
        sessions: object = None,
        rows: object = None,
        *,
        wait: bool = True,
    ) -> Any:
        """Remove files, sessions or rows (by default the selection) from the cache with their
        partial bytes and records, in one operation; refused while any of them downloads and on
        a read-only cache. One file named by itself answers whether anything was removed,
        anything else how many files were; ``wait=False`` returns None at once."""
        op_id, _ = self._start("delete", files, sessions, rows)
        if not wait:
            return None
        self._queue.wait_operation(op_id)
        items = self._apply_operation(op_id)
        removed = sum(i["result"] == "deleted" for i in items.values())
        return removed > 0 if is_one_file(files, sessions, rows) else removed

    def wait(self, timeout: float | None = None) -> dict[str, str]:
        """Block until the downloads asked for through this browser that have not ended (or,
        if all have, the last one) end, and downloads started elsewhere on this cache too.
        Returns the state of each file asked for: "verified", or "missing", "partial" or
        "corrupt" for one that failed or was cancelled. Both modes: server downloads are
        followed through the job board in the cache folder. TimeoutError after ``timeout`` s."""
        self._tick()  # what the queue and the job board say now
        with self._lock:
            requests, others = self._book.covered()
            finished = lambda: self._closed or self._book.finished(requests, others)  # noqa: E731
            if not self._settled.wait_for(finished, timeout):
                left = sum(not r.checked for r in requests)
                raise TimeoutError(
                    f"{left} of {len(requests)} downloads not done after {timeout} s"
                )
            for r in requests:
                if r.error:
                    warnings.warn(r.error, stacklevel=2)
            local = self._tree.local
            return {k: local[k][0] for r in requests for k in r.keys if k in local}

    # the page's part with the Jupyter server
    def use_server(self, available: bool) -> str:
        """The page found the Jupyter server's download manager for this cache (or lost it);
        downloads then go through it. Returns the backend in use."""
        with self._lock:
            if self.backend != "read-only":
                self.set_trait("backend", "server" if available else "kernel")
            self._ticker.poke()
            return self.backend

    def server_answered(
        self, request: str, batch: str | None = None, error: str | None = None
    ) -> None:
        """The page's answer to a server request: the batch the server made, or its error."""
        with self._lock:
            r = self._book.request(request)
            if error is not None:
                show_error(self, f"the Jupyter server refused: {error}")
            if r is not None and r.batch is None:
                r.batch, r.error = batch, None if batch is not None else error
                if r.error is not None:
                    self._tree.unmark(r.keys)
                self._publish()
                self._settled.notify_all()

    def close(self) -> None:
        """Stop the update thread, cancel this kernel's downloads, close the widget."""
        with self._lock:
            closing, self._closed = not self._closed, True
            self._settled.notify_all()
        if closing:
            self._stop.set()
            self._ticker.stop()
            self._watcher.unsubscribe()
            self._queue.shutdown(cancel=True, wait=True)
            self._chores.shutdown(wait=True, cancel_futures=True)
        super().close()
