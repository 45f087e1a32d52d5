"""File sizes from the source, asked for once and remembered in the cache folder.

A manifest carries no sizes, and asking S3 for ~4,300 of them takes a few listing requests, so the
answers are kept in ``<cache_dir>/.vbn_widgets/sizes.json`` (``{file_hash: size}``; a hash names
the same bytes in every manifest version) and shared by every kernel and the Jupyter server using
the folder. Files already on disk answer for themselves. A static mount is only ever stat-ed.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DownloadError
from .layout import PRIVATE_DIR, CacheLayout, atomic_write_bytes
from .manifest import FileEntry

if TYPE_CHECKING:
    from .cache import VBNCache

__all__ = ["SIZES_FILE", "SizeBook"]

SIZES_FILE = "sizes.json"
_HASH = re.compile(r"^[0-9a-f]{128}$")


def _parse(data: bytes) -> dict[str, int]:
    """The valid entries of a sizes file; a damaged file counts as empty (it is only a cache)."""
    try:
        raw = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        return {}
    if not isinstance(raw, dict):
        return {}
    return {
        k: v
        for k, v in raw.items()
        if isinstance(k, str) and _HASH.match(k) and type(v) is int and v >= 0
    }


class SizeBook:
    """Sizes of a cache's files: remembered ones, files on disk, and (``fetch``) the source's."""

    def __init__(self, cache: VBNCache) -> None:
        self.cache = cache
        layout = cache.layout
        self.path = (
            layout.root / PRIVATE_DIR / SIZES_FILE if isinstance(layout, CacheLayout) else None
        )
        self._memo: dict[str, int] = {}
        self._stamp: tuple[int, int] | None = None
        self._lock = threading.Lock()

    def _remembered(self) -> dict[str, int]:
        if self.path is None:
            return {}
        with self._lock:
            try:
                stat = self.path.stat()
            except FileNotFoundError:
                return {}
            stamp = (stat.st_mtime_ns, stat.st_size)
            if stamp != self._stamp:  # re-read only when another writer changed it
                self._memo, self._stamp = _parse(self.path.read_bytes()), stamp
            return self._memo

    def _on_disk(self, entries: list[FileEntry]) -> dict[str, int]:
        layout = self.cache.layout
        found: dict[str, int] = {}
        if not isinstance(layout, CacheLayout):  # static: the mount is the bucket's copy
            for entry in entries:
                path = layout.root / entry.key
                if path.is_file():
                    found[entry.file_hash] = path.stat().st_size
            return found
        wanted = {e.file_hash for e in entries}
        for path, file_hash in layout.read_downloaded().items():
            if file_hash in wanted and file_hash not in found:
                try:
                    found[file_hash] = Path(path).stat().st_size
                except OSError:
                    continue
        return found

    def known(self, entries: Iterable[FileEntry]) -> dict[str, int]:
        """file_hash -> size for entries whose size is known (remembered, or a local file)."""
        entries = list(entries)
        book = self._remembered()
        known = {e.file_hash: book[e.file_hash] for e in entries if e.file_hash in book}
        rest = [e for e in entries if e.file_hash not in known]
        if rest:
            known.update(self._on_disk(rest))
        return known

    def fetch(
        self, entries: Iterable[FileEntry], *, cancel: threading.Event | None = None
    ) -> dict[str, int]:
        """Ask the source about the unknown ones (batched), remember them, return all known.

        A cancel returns what is known by then. Raises DownloadError when the source cannot be
        reached at all.
        """
        entries = list(entries)
        known = self.known(entries)
        source = self.cache.source
        if source is None or self.path is None:
            return known
        missing = list({e.file_hash: e for e in entries if e.file_hash not in known}.values())
        if not missing:
            return known
        if hasattr(source, "sizes"):
            sizes = source.sizes(missing, cancel=cancel)
        else:
            sizes = [self._one(source, e, cancel) for e in missing]
        fresh = {e.file_hash: s for e, s in zip(missing, sizes, strict=True) if s is not None}
        if fresh:
            self._remember(fresh)
        known.update(fresh)
        return known

    @staticmethod
    def _one(source, entry: FileEntry, cancel: threading.Event | None) -> int | None:
        if cancel is not None and cancel.is_set():
            return None
        try:
            return source.size(entry)
        except DownloadError:
            return None

    def _remember(self, fresh: dict[str, int]) -> None:
        assert self.path is not None
        layout = self.cache.layout
        assert isinstance(layout, CacheLayout)
        with layout.lock(self.path):
            try:
                book = _parse(self.path.read_bytes())
            except FileNotFoundError:
                book = {}
            book.update(fresh)
            atomic_write_bytes(self.path, json.dumps(book, sort_keys=True).encode())
