"""The local state of each file of a release: missing, partial, verified or corrupt."""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from pathlib import Path

from .layout import CacheLayout, StaticLayout, hash_file
from .manifest import FileEntry


class FileState(str, Enum):
    MISSING = "missing"
    PARTIAL = "partial"  # a download stopped part way; bytes kept under a temporary name
    VERIFIED = "verified"  # the file's BLAKE2b is the manifest's (recorded, or re-hashed)
    CORRUPT = "corrupt"  # a file is there but its bytes are not the manifest's

    def __str__(self) -> str:
        return self.value


@dataclass(frozen=True)
class FileStatus:
    entry: FileEntry
    path: Path
    state: FileState
    bytes_on_disk: int


class FileStates:
    """Answers "what is on disk for this entry", trusting the download record unless asked.

    A file with no record (e.g. on a static mount, or copied in by hand) is hashed once; the
    answer is remembered while its size and mtime stay the same.
    """

    def __init__(self, layout: CacheLayout | StaticLayout) -> None:
        self.layout = layout
        self._hashed: dict[tuple[str, int, int], str] = {}

    def _hash(self, path: Path) -> str:
        stat = path.stat()
        key = (str(path), stat.st_size, stat.st_mtime_ns)
        if key not in self._hashed:
            self._hashed[key] = hash_file(path)
        return self._hashed[key]

    def status(
        self,
        entry: FileEntry,
        path: Path,
        *,
        verify: bool = False,
        recorded: dict[str, str] | None = None,
    ) -> FileStatus:
        if path.is_file():
            size = path.stat().st_size
            if verify:
                self._hashed.pop((str(path), size, path.stat().st_mtime_ns), None)
                digest = self._hash(path)
            else:
                record = (recorded or {}).get(str(path.resolve()))
                digest = record if record is not None else self._hash(path)
            state = FileState.VERIFIED if digest == entry.file_hash else FileState.CORRUPT
            return FileStatus(entry, path, state, size)
        if isinstance(self.layout, CacheLayout):
            part = self.layout.part_path(path, entry)
            if part.is_file():
                return FileStatus(entry, path, FileState.PARTIAL, part.stat().st_size)
        return FileStatus(entry, path, FileState.MISSING, 0)
