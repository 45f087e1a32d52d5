"""The job board: a queue's progress written into the cache folder, for any process to read.

The Jupyter server's download manager (and a kernel's ``DownloadQueue(board="kernel")``) keeps one
board file per cache folder it downloads into, so a kernel sees server downloads with no token and
no page open: ``read_board(cache_dir)``. Each writer has its own file (several processes may work
on one folder)::

    <cache_dir>/.vbn_widgets/jobs/<kind>-<writer id>.json      kind: server | kernel

replaced atomically (temporary file + rename), at most ``1 / INTERVAL`` times a second, and at
least every ``HEARTBEAT`` seconds while jobs are active. Format 1, one JSON object:

- ``format`` "vbn-widgets-job-board", ``version`` 1
- ``writer`` {id, kind, pid, host, started, closed}: ``closed`` once the queue shut down
- ``updated`` (unix time of this write), ``seq`` (grows with every write), ``cache_dir``
- ``totals`` {counts, bytes_done, bytes_total, sized, active}: every job of this writer in this
  folder since it started, each job once (``jobs`` defines counts and bytes)
- ``batches``: every active batch (at most 256), then the newest finished ones, 64 in all
  unless more are active; oldest first (``jobs.BATCH_FIELDS``)
- ``jobs``: running jobs, then queued ones in queue order (at most 256 active), then failed ones
  newest first (at most 256), each with ``jobs.JOB_FIELDS``
- ``left_out`` {active, failed}: how many active and failed jobs ``jobs`` leaves out
- ``operations``: the newest 16 verify/delete operations (``jobs.OPERATION_FIELDS``)

A board is untrusted input like any file: ``read_board`` checks every field, skips a file that is
half-written, malformed, oversized or not a regular file (saying why in ``Board.problems``), and
never raises on content. A writer is ``live`` unless it closed, its process is gone (same host),
or it has active jobs and missed its heartbeat for ``STALE`` seconds.
"""

from __future__ import annotations

import json
import os
import socket
import stat
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from .jobs import BATCH_FIELDS, JOB_FIELDS, JOB_STATES, OPERATION_FIELDS, check_fields, is_id
from .layout import PRIVATE_DIR
from .paths import atomic_write_bytes

if TYPE_CHECKING:
    from .queue_views import QueueViews

FORMAT = "vbn-widgets-job-board"
VERSION = 1
INTERVAL = 0.25
HEARTBEAT = 2.0
STALE = 10.0
MAX_BYTES = 4 << 20
KINDS = ("server", "kernel")


def board_dir(cache_dir: Path) -> Path:
    return Path(cache_dir) / PRIVATE_DIR / "jobs"


class BoardWriter:
    """Writes the boards of one queue from a thread of its own, throttled."""

    def __init__(self, queue: QueueViews, kind: str) -> None:
        if kind not in KINDS:
            raise ValueError(f"board kind must be one of {KINDS}, got {kind!r}")
        self.queue = queue
        self.writer = {
            "id": uuid.uuid4().hex,
            "kind": kind,
            "pid": os.getpid(),
            "host": socket.gethostname(),
            "started": time.time(),
            "closed": False,
        }
        self.name = f"{kind}-{self.writer['id']}.json"
        self._paths: dict[str, Path] = {}
        self._dirty: set[Path] = set()
        self._active: set[Path] = set()  # folders with active jobs: heartbeat
        self._cleaned: set[Path] = set()
        self._seq = 0
        self._cond = threading.Condition()
        self._stopped = False
        queue.subscribe(self._heard)
        self._thread = threading.Thread(target=self._run, name="vbn-job-board", daemon=True)
        self._thread.start()

    def _heard(self, snap) -> None:
        path = self._paths.get(snap.cache_dir)
        if path is None:
            path = self._paths[snap.cache_dir] = Path(snap.cache_dir)
        self.poke(path)

    def poke(self, cache_dir: Path) -> None:
        if cache_dir in self._dirty:  # already due: the write to come reads the state after this
            return
        with self._cond:
            if cache_dir not in self._dirty:
                self._dirty.add(cache_dir)
                self._cond.notify()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._cond.wait_for(lambda: self._dirty or self._stopped, HEARTBEAT)
                stopping = self._stopped
                todo = self._dirty | self._active
                self._dirty = set()
            for cache_dir in todo:
                self._write(cache_dir)
            if stopping:
                return
            with self._cond:
                self._cond.wait_for(lambda: self._stopped, INTERVAL)

    def _write(self, cache_dir: Path) -> None:
        try:
            view = self.queue.board_view(cache_dir)
            self._seq += 1
            board = {
                "format": FORMAT,
                "version": VERSION,
                "writer": dict(self.writer),
                "updated": time.time(),
                "seq": self._seq,
                "cache_dir": str(cache_dir),
                **view,
            }
            folder = board_dir(cache_dir)
            folder.mkdir(parents=True, exist_ok=True)
            if cache_dir not in self._cleaned:
                self._cleaned.add(cache_dir)
                _remove_dead_boards(folder)
            atomic_write_bytes(
                folder / self.name, json.dumps(board, separators=(",", ":")).encode(), durable=False
            )
        except OSError:
            return  # the folder went away or is full: the board is best effort
        if view["totals"]["active"] or any(o["state"] == "running" for o in view["operations"]):
            self._active.add(cache_dir)
        else:
            self._active.discard(cache_dir)

    def stop(self) -> None:
        """A last write of every board (``closed``: true), then the thread ends."""
        with self._cond:
            self.writer["closed"] = True
            self._dirty |= self._active | self._cleaned
            self._stopped = True
            self._cond.notify_all()
        if self._thread is not threading.current_thread():
            self._thread.join(30)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except (PermissionError, OverflowError, ValueError):
        return True
    return True


def _remove_dead_boards(folder: Path) -> None:
    """Boards of processes on this host that are gone and stale: nobody will update them."""
    for board in _read_dir(folder).boards:
        mine = board.writer["host"] == socket.gethostname()
        if not board.live and mine and not _pid_alive(board.writer["pid"]):
            Path(board.path).unlink(missing_ok=True)


# reading
@dataclass(frozen=True)
class WriterBoard:
    """One writer's board, checked; ``live`` as the module docstring defines it."""

    path: str
    writer: dict
    updated: float
    seq: int
    cache_dir: str
    totals: dict
    batches: list[dict]
    jobs: list[dict]
    left_out: dict
    operations: list[dict]
    live: bool

    @property
    def active(self) -> bool:
        return self.live and bool(self.totals["active"])


@dataclass(frozen=True)
class Board:
    """Every writer's board of one cache folder, and why any file was skipped."""

    cache_dir: str
    boards: tuple[WriterBoard, ...] = ()
    problems: tuple[str, ...] = field(default=())

    @property
    def active(self) -> bool:
        """True while a live writer has queued or running jobs in this folder."""
        return any(b.active for b in self.boards)

    @property
    def jobs(self) -> list[dict]:
        return [j for b in self.boards for j in b.jobs]

    @property
    def batches(self) -> list[dict]:
        return [x for b in self.boards for x in b.batches]

    @property
    def operations(self) -> list[dict]:
        return [x for b in self.boards for x in b.operations]

    def batch(self, batch_id: str) -> dict | None:
        return next((x for x in self.batches if x["id"] == batch_id), None)


def read_board(cache_dir: str | os.PathLike[str]) -> Board:
    """The boards in ``<cache_dir>/.vbn_widgets/jobs/``; never raises on their content."""
    return _read_dir(board_dir(Path(cache_dir).expanduser().resolve()))


def _read_dir(folder: Path) -> Board:
    cache_dir = str(folder.parent.parent)
    try:
        names = sorted(p.name for p in folder.iterdir())
    except OSError:
        return Board(cache_dir)
    boards, problems = [], []
    for name in names:
        if name.startswith(".") or not name.endswith(".json"):
            continue  # temporary files of a write in progress
        try:
            boards.append(_read_one(folder / name))
        except ValueError as err:
            problems.append(f"{folder / name}: {err}")
    return Board(cache_dir, tuple(boards), tuple(problems))


def _read_bytes(path: Path) -> bytes:
    try:
        info = os.lstat(path)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if info.st_size > MAX_BYTES:
            raise ValueError(f"larger than {MAX_BYTES} bytes")
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except OSError as err:
        raise ValueError(f"unreadable: {err.strerror or err}") from None
    if len(data) > MAX_BYTES:
        raise ValueError(f"larger than {MAX_BYTES} bytes")
    return data


_TOP = {
    "format": "string",
    "version": "integer",
    "updated": "number",
    "seq": "integer",
    "cache_dir": "string",
}
_PARTS = {
    "writer": {
        "id": "id",
        "kind": "string",
        "pid": "integer",
        "host": "string",
        "started": "number",
        "closed": "boolean",
    },
    "totals": {
        "counts": "counts",
        "bytes_done": "integer",
        "bytes_total": "integer",
        "sized": "integer",
        "active": "boolean",
    },
    "left_out": {"active": "integer", "failed": "integer"},
}
_LISTS = {"batches": BATCH_FIELDS, "jobs": JOB_FIELDS, "operations": OPERATION_FIELDS}


def _read_one(path: Path) -> WriterBoard:
    try:
        raw = json.loads(_read_bytes(path).decode("utf-8"))
    except UnicodeDecodeError:
        raise ValueError("not UTF-8") from None
    except RecursionError:
        raise ValueError("JSON nested too deeply") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"not JSON (half-written?): {err.msg} at {err.pos}") from None
    board = check_fields(raw, _TOP, "board")
    if board["format"] != FORMAT or board["version"] != VERSION:
        raise ValueError(f"not a {FORMAT} of version {VERSION}")
    parts = {name: check_fields(board.get(name), f, name) for name, f in _PARTS.items()}
    if parts["writer"]["kind"] not in KINDS:
        raise ValueError(f"writer.kind must be one of {KINDS}")
    if any(k not in JOB_STATES for k in parts["totals"]["counts"]):
        raise ValueError("totals.counts may only count job states")
    for name, fields in _LISTS.items():
        items = board.get(name)
        if not isinstance(items, list):
            raise ValueError(f"board.{name} must be a list, got {type(items).__name__}")
        parts[name] = [check_fields(x, fields, f"{name}[{i}]") for i, x in enumerate(items)]
    updated = float(board["updated"])
    live = _live(parts["writer"], parts["totals"], updated, parts["operations"])
    return WriterBoard(
        path=str(path),
        updated=updated,
        seq=board["seq"],
        cache_dir=board["cache_dir"],
        live=live,
        **parts,
    )


def _live(writer: dict, totals: dict, updated: float, ops: list[dict]) -> bool:
    if writer["closed"]:
        return False
    if writer["host"] == socket.gethostname() and not _pid_alive(writer["pid"]):
        return False
    busy = totals["active"] or any(o["state"] == "running" for o in ops)
    return not busy or time.time() - updated <= STALE


__all__ = ["Board", "BoardWriter", "WriterBoard", "board_dir", "is_id", "read_board"]
