"""Verify or delete many files of a cache as one operation, on a thread of its own.

An operation's JSON has the fields of ``jobs.OPERATION_FIELDS``, plus ``items`` (when asked):
one ``{"ref", "key", "result", "bytes", "error"}`` per file in request order, ``result`` one of
``jobs.FILE_RESULTS``. A verify re-hashes each file (skipping one being downloaded) and then
updates ``_downloaded_data.json`` once; a delete first cancels the downloads of its files, waits
for them to stop, removes each file (and its partial bytes) under the file's lock, then drops
their records in one write. Neither holds the queue's lock while hashing or touching the disk.
"""

from __future__ import annotations

import glob
import threading
import time
import uuid
from collections import OrderedDict
from pathlib import Path
from typing import TYPE_CHECKING, Any

from filelock import Timeout

from .errors import ReadOnlyCacheError
from .files import FileState
from .job_plan import manifest_named, plan_entries
from .layout import PART_SUFFIX, CacheLayout

if TYPE_CHECKING:
    from .cache import VBNCache
    from .queue_views import QueueViews

KEPT = 64  # finished operations remembered
MAX_RUNNING = 4
LOCK_WAIT = 5.0  # seconds a delete waits for a file's lock
STOP_WAIT = 60.0  # seconds a delete waits for the downloads it cancelled to stop


class Operation:
    def __init__(self, kind: str, cache: VBNCache, manifest: str, plans: list[tuple]) -> None:
        self.id = uuid.uuid4().hex
        self.kind, self.cache, self.manifest, self.plans = kind, cache, manifest, plans
        self.state = "running"
        self.items: list[dict] = []
        self.results: dict[str, int] = {}
        self.submitted, self.finished = time.time(), None
        self.cancel = threading.Event()
        self.ended = threading.Event()

    def to_json(self, *, items: bool) -> dict[str, Any]:
        data = {
            "id": self.id,
            "kind": self.kind,
            "cache_dir": str(self.cache.cache_dir),
            "manifest": self.manifest,
            "state": self.state,
            "files": len(self.plans),
            "files_done": len(self.items),
            "results": dict(self.results),
            "submitted": self.submitted,
            "finished": self.finished,
        }
        if items:
            data["items"] = [dict(i) for i in self.items]
        return data


class Operations:
    """The verify and delete operations of one ``DownloadQueue``."""

    def __init__(self, queue: QueueViews) -> None:
        self.queue = queue
        self._lock = threading.Lock()
        self._ops: OrderedDict[str, Operation] = OrderedDict()
        self._closed = False

    def start(self, kind, cache: VBNCache, refs, manifest: str | None, guard) -> dict:
        """Plan (all or none: every ref must be in the manifest, every path pass ``guard``),
        then run on a new thread; the operation's JSON as it starts."""
        if isinstance(refs, (str, bytes)):
            raise TypeError(f"refs must be a list of table names or file_ids, not {refs!r:.80}")
        if kind == "delete" and not isinstance(cache.layout, CacheLayout):
            raise ReadOnlyCacheError(f"the static cache {cache.cache_dir} is read-only")
        chosen = manifest_named(cache, manifest)
        plans = plan_entries(cache, chosen, list(refs), f"nothing to {kind}")
        if guard is not None:
            for _, entry, path in plans:
                guard(path, entry)
        op = Operation(kind, cache, chosen.name, plans)
        with self._lock:
            if self._closed:
                raise RuntimeError("the download queue is shut down; make a new one")
            running = sum(o.state == "running" for o in self._ops.values())
            if running >= MAX_RUNNING:
                raise RuntimeError(f"{running} file operations are running; wait for one to end")
            self._ops[op.id] = op
            while len(self._ops) > KEPT and next(iter(self._ops.values())).state != "running":
                self._ops.popitem(last=False)
            snapshot = op.to_json(items=False)
        run = self._verify if kind == "verify" else self._delete
        threading.Thread(target=self._run, args=(op, run), name=f"vbn-{kind}", daemon=True).start()
        return snapshot

    def _op(self, op_id: str) -> Operation:
        try:
            return self._ops[op_id]
        except KeyError:
            raise KeyError(f"no file operation {op_id!r}") from None

    def get(self, op_id: str, *, items: bool = True) -> dict:
        with self._lock:
            return self._op(op_id).to_json(items=items)

    def list(self, cache_dir: Path | None) -> list[dict]:
        with self._lock:
            return [
                o.to_json(items=False)
                for o in self._ops.values()
                if cache_dir is None or o.cache.cache_dir == cache_dir
            ]

    def board_view(self, cache_dir: Path) -> list[dict]:
        return self.list(cache_dir)[-16:]

    def cancel(self, op_id: str) -> dict:
        """Stop after the file in hand; what was done stays done."""
        with self._lock:
            op = self._op(op_id)
            op.cancel.set()
            return op.to_json(items=False)

    def wait(self, op_id: str, timeout: float | None = None) -> bool:
        with self._lock:
            op = self._op(op_id)
        return op.ended.wait(timeout)

    def shutdown(self) -> None:
        with self._lock:
            self._closed = True
            for op in self._ops.values():
                op.cancel.set()

    # running
    def _note(self, op: Operation, ref, entry, result: str, *, size: int = 0, error=None) -> None:
        item = {"ref": ref, "key": entry.key, "result": result, "bytes": size, "error": error}
        with self._lock:
            op.items.append(item)
            op.results[result] = op.results.get(result, 0) + 1
        self.queue._poke_board(op.cache.cache_dir)

    def _run(self, op: Operation, run) -> None:
        try:
            run(op)
        except Exception as err:  # a broken record file, a vanished folder: named per file left
            done = len(op.items)
            for ref, entry, _ in op.plans[done:]:
                self._note(op, ref, entry, "error", error=f"{entry.key}: {err}")
        finally:
            with self._lock:
                op.state = "cancelled" if op.cancel.is_set() else "done"
                op.finished = time.time()
            op.ended.set()
            self.queue._poke_board(op.cache.cache_dir)

    def _verify(self, op: Operation) -> None:
        layout = op.cache.layout
        add: dict[str, str] = {}
        forget: set[str] = set()
        try:
            for ref, entry, path in op.plans:
                if op.cancel.is_set():
                    return
                if self.queue.active_job(path) is not None:
                    self._note(op, ref, entry, "downloading")
                    continue
                try:
                    status = op.cache._states.status(entry, path, verify=True)
                except OSError as err:
                    self._note(op, ref, entry, "error", error=f"{entry.key}: {err}")
                    continue
                if status.state is FileState.VERIFIED:
                    add[str(path.resolve())] = entry.file_hash
                elif status.state is FileState.CORRUPT:
                    forget.add(str(path.resolve()))
                self._note(op, ref, entry, status.state.value, size=status.bytes_on_disk)
        finally:
            if isinstance(layout, CacheLayout) and (add or forget):
                layout.update_downloaded(add, forget)

    def _delete(self, op: Operation) -> None:
        layout = op.cache.layout
        assert isinstance(layout, CacheLayout)
        busy = [i for i in (self.queue.active_job(p) for _, _, p in op.plans) if i is not None]
        if busy:
            self.queue.cancel_many(busy)
            self.queue.wait(busy, timeout=STOP_WAIT)
        forget: set[str] = set()
        try:
            for ref, entry, path in op.plans:
                if op.cancel.is_set():
                    return
                if self.queue.active_job(path) is not None:
                    self._note(
                        op, ref, entry, "downloading", error=f"{entry.key}: still downloading"
                    )
                    continue
                try:
                    freed = remove_file(layout, path, forget)
                except Timeout:
                    why = f"{entry.key}: not deleted, another process holds {path.name}'s lock"
                    self._note(op, ref, entry, "error", error=why)
                    continue
                except OSError as err:
                    self._note(op, ref, entry, "error", error=f"{entry.key}: {err}")
                    continue
                self._note(
                    op, ref, entry, "deleted" if freed is not None else "absent", size=freed or 0
                )
        finally:
            if forget:
                layout.update_downloaded(forget=forget)


def remove_file(layout: CacheLayout, final: Path, forget: set[str]) -> int | None:
    """``CacheLayout.remove`` without its record write (collected in ``forget``): bytes freed,
    or None when nothing was there. A symlink's target stays."""
    with layout.lock(final, timeout=LOCK_WAIT):
        freed = None
        forget.add(str(final.absolute()))
        if final.is_symlink():
            final.unlink()
            freed = 0
        elif final.exists():
            forget.add(str(final.resolve()))
            freed = final.stat().st_size
            final.unlink()
        if final.parent.is_dir():
            for part in final.parent.glob(f".{glob.escape(final.name)}.*{PART_SUFFIX}"):
                size = part.stat().st_size
                part.unlink(missing_ok=True)
                freed = (freed or 0) + size
    return freed
