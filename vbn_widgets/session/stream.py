"""Read a remote file by byte ranges, through a block cache on disk, as a file object for h5py.

``RemoteFile`` splits the object into fixed-size blocks. A read takes each block from memory, from
the cache folder (``<cache_dir>/.vbn_widgets/blocks/<object>/``) or, for the blocks missing,
from the source with one ranged GET per run of adjacent missing blocks (long runs split into
pieces fetched in parallel). A block is written to disk only after its bytes were checked: the
right length, from the same object version (S3 ``VersionId`` and ``If-Match`` on the ETag seen
when the file was opened), and its file name carries a CRC32 that is checked on every read, so a
cut or changed transfer is retried and a wrong block is never cached. Block files are written to
a temporary name and renamed, so a crash leaves no partial block.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tempfile
import threading
import zlib
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Protocol

from tenacity import Retrying, retry_if_exception_type, stop_after_attempt, wait_random_exponential

from ..data.download import RetryPolicy
from ..data.errors import DownloadError
from ..data.sources import TransientSourceError

# Chosen by measurement (bench/session.py, 800 scattered units of a 2.4 GB session): 256 KiB
# fetches 23% of the file, 1 MiB 33%, 4 MiB 46% (block round-up per unit range).
BLOCK_SIZE = 256 << 10
PIECE = 8 << 20  # the longest single GET of a long run
WORKERS = 4
MEMORY_BYTES = 64 << 20


@dataclass(frozen=True)
class RemoteObject:
    """The identity of the bytes being read: a block cached for one is never used for another."""

    source: str  # "s3://bucket" or "mirror /path"
    key: str
    version_id: str | None
    etag: str | None
    size: int

    def cache_name(self) -> str:
        ident = json.dumps([self.source, self.key, self.version_id, self.etag, self.size])
        return hashlib.sha256(ident.encode()).hexdigest()[:32]


class RangeReader(Protocol):
    """What ``RemoteFile`` needs from a source: exactly ``stop - start`` bytes of ``obj``."""

    def read_range(self, start: int, stop: int) -> bytes: ...


@dataclass
class FetchStats:
    bytes_fetched: int = 0
    requests: int = 0
    blocks_from_disk: int = 0
    retries: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def add(self, nbytes: int) -> None:
        with self._lock:
            self.bytes_fetched += nbytes
            self.requests += 1


class BlockStore:
    """Verified blocks of one object on disk: ``<root>/<object>/<index>-<crc32>.blk``."""

    def __init__(self, root: Path, obj: RemoteObject, block_size: int) -> None:
        self.dir = root / obj.cache_name()
        self.block_size = block_size
        self.dir.mkdir(parents=True, exist_ok=True)
        meta = self.dir / "object.json"
        about = {**asdict(obj), "block_size": block_size}
        if not meta.is_file():
            _atomic_write(meta, json.dumps(about, indent=2).encode())
        self._names: dict[int, str] = {}
        for entry in os.scandir(self.dir):
            stem, _, ext = entry.name.partition(".")
            if ext == "blk" and "-" in stem:
                index, crc = stem.split("-", 1)
                if index.isdigit():
                    self._names[int(index)] = crc

    def __contains__(self, index: int) -> bool:
        return index in self._names

    def get(self, index: int, length: int) -> bytes | None:
        crc = self._names.get(index)
        if crc is None:
            return None
        path = self.dir / f"{index}-{crc}.blk"
        try:
            data = path.read_bytes()
        except OSError:
            data = b""
        if len(data) != length or f"{zlib.crc32(data):08x}" != crc:
            path.unlink(missing_ok=True)  # damaged on disk: fetch it again
            self._names.pop(index, None)
            return None
        return data

    def put(self, index: int, data: bytes) -> None:
        crc = f"{zlib.crc32(data):08x}"
        try:
            _atomic_write(self.dir / f"{index}-{crc}.blk", data)
        except OSError:
            return  # a full disk only costs a refetch later
        self._names[index] = crc


def _atomic_write(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class RemoteFile(io.RawIOBase):
    """A read-only, seekable file over ``reader`` (``h5py.File(RemoteFile(...))`` works)."""

    def __init__(
        self,
        reader: RangeReader,
        obj: RemoteObject,
        *,
        cache_root: Path | None = None,
        block_size: int = BLOCK_SIZE,
        retry: RetryPolicy | None = None,
        workers: int = WORKERS,
        memory_bytes: int = MEMORY_BYTES,
        piece_bytes: int = PIECE,
    ) -> None:
        super().__init__()
        self.reader = reader
        self.obj = obj
        self.name = f"{obj.source}/{obj.key}"
        self.block_size = block_size
        self.size = obj.size
        self.store = BlockStore(cache_root, obj, block_size) if cache_root is not None else None
        self.retry = retry or RetryPolicy()
        self.stats = FetchStats()
        self._pos = 0
        self._memory: OrderedDict[int, bytes] = OrderedDict()
        self._memory_cap = max(1, memory_bytes // block_size)
        self._workers = workers
        self._piece = piece_bytes
        self._lock = threading.RLock()

    # io.RawIOBase
    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._pos

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._pos, io.SEEK_END: self.size}[whence]
        self._pos = max(0, base + offset)
        return self._pos

    def readinto(self, buffer) -> int:  # type: ignore[override]
        out = memoryview(buffer).cast("B")
        start = self._pos
        stop = min(self.size, start + len(out))
        if stop <= start:
            return 0
        with self._lock:
            self._copy_range(start, stop, out)
        self._pos = stop
        return stop - start

    def prefetch(self, ranges: list[tuple[int, int]]) -> None:
        """Fetch the missing blocks of byte ranges ``[start, stop)`` ahead of reading them, many
        GETs in parallel (a reader that knows all its ranges, e.g. ``read_many``, calls this so
        that its sequential reads then hit the cache instead of waiting one round trip each).
        Only useful with a block cache on disk; fetched in groups of ``memory_bytes``."""
        if self.store is None:
            return
        wanted: set[int] = set()
        for start, stop in ranges:
            end = min(stop, self.size)
            if end > start:
                wanted.update(range(start // self.block_size, (end - 1) // self.block_size + 1))
        with self._lock:
            missing = sorted(i for i in wanted if i not in self._memory and i not in self.store)
            group = max(1, self._memory_cap // 2)
            for first in range(0, len(missing), group):
                self._fetch_blocks(missing[first : first + group])

    # blocks
    def _block_length(self, index: int) -> int:
        return min(self.block_size, self.size - index * self.block_size)

    def _cached(self, index: int) -> bytes | None:
        data = self._memory.get(index)
        if data is not None:
            self._memory.move_to_end(index)
            return data
        if self.store is not None:
            data = self.store.get(index, self._block_length(index))
            if data is not None:
                self.stats.blocks_from_disk += 1
                self._remember(index, data)
        return data

    def _remember(self, index: int, data: bytes) -> None:
        self._memory[index] = data
        self._memory.move_to_end(index)
        while len(self._memory) > self._memory_cap:
            self._memory.popitem(last=False)

    def _copy_range(self, start: int, stop: int, out: memoryview) -> None:
        first, last = start // self.block_size, (stop - 1) // self.block_size
        have: dict[int, bytes] = {}
        missing: list[int] = []
        for index in range(first, last + 1):
            data = self._cached(index)
            if data is None:
                missing.append(index)
            else:
                have[index] = data
        if missing:
            have.update(self._fetch_blocks(missing))
        for index in range(first, last + 1):
            block = have[index]
            block_start = index * self.block_size
            lo, hi = max(start, block_start), min(stop, block_start + len(block))
            out[lo - start : hi - start] = block[lo - block_start : hi - block_start]

    def _runs(self, missing: list[int]) -> list[tuple[int, int]]:
        """Adjacent missing blocks grouped into pieces of at most ``PIECE`` bytes."""
        per_piece = max(1, self._piece // self.block_size)
        runs: list[tuple[int, int]] = []
        for index in missing:
            if runs and runs[-1][1] == index and runs[-1][1] - runs[-1][0] < per_piece:
                runs[-1] = (runs[-1][0], index + 1)
            else:
                runs.append((index, index + 1))
        return runs

    def _fetch_blocks(self, missing: list[int]) -> dict[int, bytes]:
        runs = self._runs(missing)
        if len(runs) == 1 or self._workers <= 1:
            pieces = [self._fetch_run(run) for run in runs]
        else:
            with ThreadPoolExecutor(min(self._workers, len(runs))) as pool:
                pieces = list(pool.map(self._fetch_run, runs))
        found: dict[int, bytes] = {}
        for piece in pieces:
            found.update(piece)
        for index, block in found.items():  # in this thread: it holds the lock, workers do not
            self._remember(index, block)
        return found

    def _fetch_run(self, run: tuple[int, int]) -> dict[int, bytes]:
        first, end = run
        start = first * self.block_size
        stop = min(self.size, end * self.block_size)
        data = self._fetch_verified(start, stop)
        blocks: dict[int, bytes] = {}
        for index in range(first, end):
            offset = (index - first) * self.block_size
            block = data[offset : offset + self._block_length(index)]
            blocks[index] = block
            if self.store is not None:
                self.store.put(index, block)
        return blocks

    def _fetch_verified(self, start: int, stop: int) -> bytes:
        def attempt() -> bytes:
            data = self.reader.read_range(start, stop)
            self.stats.add(len(data))
            if len(data) != stop - start:
                raise TransientSourceError(
                    f"{self.name}: asked for bytes {start}-{stop - 1}, got {len(data)} bytes"
                )
            return data

        policy = self.retry
        retrying = Retrying(
            retry=retry_if_exception_type(TransientSourceError),
            stop=stop_after_attempt(policy.attempts),
            wait=wait_random_exponential(multiplier=policy.initial_wait, max=policy.max_wait),
            before_sleep=lambda _state: self._count_retry(),
            reraise=True,
        )
        try:
            return retrying(attempt)
        except TransientSourceError as err:
            raise DownloadError(
                f"{self.name}: bytes {start}-{stop - 1} could not be read after "
                f"{policy.attempts} attempts: {err}"
            ) from err

    def _count_retry(self) -> None:
        self.stats.retries += 1
