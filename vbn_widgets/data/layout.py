"""The cache folder, laid out exactly as AllenSDK's cloud cache lays it out.

::

    cache_dir/
      _downloaded_data.json      {"<absolute resolved path>": "<blake2b hex>"}, indent=2, sort_keys
      _manifest_last_used.txt    bare manifest file name, no newline
      <project>_project_manifest_v<semver>.json
      <project>-<semver>/<key without the project prefix>
      .vbn_widgets/              our own additions (locks, table sidecars); AllenSDK ignores it

Static mode reads a read-only mirror of the bucket (``cache_dir/<project>/...``) and never writes.

Every path computed here is checked to lie inside its folder (``check``): the manifest's keys are
validated when it is read, and this is the second wall, against symlinks on the way (a link to
another version's file inside the cache, as AllenSDK makes them, is fine).
"""

from __future__ import annotations

import glob
import json
import os
from contextlib import contextmanager
from hashlib import blake2b
from pathlib import Path

from filelock import FileLock

from .errors import CacheFolderError, UnsafePathError, VBNDataError
from .manifest import (
    MANIFEST_PREFIX,
    PROJECT,
    FileEntry,
    Manifest,
    is_manifest_name,
    sort_manifest_names,
)
from .manifest_rules import shown
from .paths import atomic_write_bytes, escape_of, within

DOWNLOADED_DATA = "_downloaded_data.json"
LAST_USED = "_manifest_last_used.txt"
PRIVATE_DIR = ".vbn_widgets"
PART_SUFFIX = ".part"


def hash_file(path: Path, chunk_size: int = 1 << 22) -> str:
    """BLAKE2b (hashlib's default 64-byte digest) of a whole file, as manifests record it."""
    digest = blake2b()
    with path.open("rb") as handle:
        while chunk := handle.read(chunk_size):
            digest.update(chunk)
    return digest.hexdigest()


def check_cache_folder(folder: Path, *, static: bool) -> None:
    """CacheFolderError, saying what was looked for and what to do, unless ``folder`` holds a
    cache (a manifest or _manifest_last_used.txt) or, ``static``, a copy of the bucket. One
    listdir: nothing is parsed."""
    folder = folder.absolute()
    manifests = f"{PROJECT}/manifests/"
    download = f"To download into it, use VBNCache.from_s3_cache({str(folder)!r})"
    on_disk = "to open a cache on disk, point from_local_cache to the folder that"
    if not folder.is_dir():
        what = "does not exist" if not folder.exists() else "is not a folder"
        raise CacheFolderError(
            f"{folder} {what}, so there is no cache to open. {download}; {on_disk} holds "
            f"{LAST_USED} and the {MANIFEST_PREFIX}<version>.json files (or, for a mounted "
            f"copy of the bucket, to the folder that holds {manifests} with use_static_cache=True)"
        )
    names = [p.name for p in folder.iterdir()]
    looks_cached = LAST_USED in names or any(map(is_manifest_name, names))
    mounted = (folder / manifests).is_dir()
    if static and not mounted:
        hint = "; it looks like a cache folder: drop use_static_cache=True" if looks_cached else ""
        raise CacheFolderError(
            f"{folder} is no mounted copy of the bucket: it has no {manifests} folder. Point to "
            f"the folder that holds {PROJECT}/ (the top of the bucket's copy){hint}"
        )
    if not static and not looks_cached:
        hint = (
            f"; it holds {manifests}, so it looks like a mounted copy of the bucket: pass "
            "use_static_cache=True"
            if mounted
            else " (a mounted copy of the bucket opens with use_static_cache=True)"
        )
        raise CacheFolderError(
            f"{folder} holds no VBN cache: it has no {MANIFEST_PREFIX}<version>.json and no "
            f"{LAST_USED}. {download}; {on_disk} from_s3_cache (or AllenSDK) downloaded "
            f"into{hint}"
        )


class _Walled:
    """A folder whose paths may not lead out of it."""

    root: Path
    room = "the cache folder"

    def check(self, path: Path, what: str) -> Path:
        """``path`` if it stays inside ``root``; UnsafePathError naming ``what`` if not."""
        escape = escape_of(self.root, path)
        if escape is not None:
            raise UnsafePathError(
                f"{what}: its local path {escape[:1000]} outside {self.room} {self.root}; "
                "nothing was read, written or deleted there"
            )
        return path

    def entry_path(self, manifest: Manifest, entry: FileEntry, relative: str) -> Path:
        return self.check(self.root / relative, f"{manifest.source}: key {shown(entry.key)}")


class CacheLayout(_Walled):
    """Paths and bookkeeping files of one writable, AllenSDK-compatible cache folder."""

    def __init__(self, cache_dir: str | os.PathLike[str]) -> None:
        self.root = Path(cache_dir).expanduser().resolve()

    # paths
    def manifest_path(self, name: str) -> Path:
        return self.root / name

    def local_path(self, manifest: Manifest, entry: FileEntry) -> Path:
        """Where AllenSDK keeps ``entry``; UnsafePathError if that leads out of the cache."""
        return self.entry_path(manifest, entry, f"{manifest.version_folder}/{entry.relative_path}")

    def private_path(self, *parts: str) -> Path:
        """A path under ``.vbn_widgets/``, which must be a real folder of the cache."""
        return self.check(self.root.joinpath(PRIVATE_DIR, *parts), f"{PRIVATE_DIR}/")

    def part_path(self, final: Path, entry: FileEntry) -> Path:
        # Keyed by hash so a partial download of one version is never resumed into another.
        return final.with_name(f".{final.name}.{entry.file_hash[:16]}{PART_SUFFIX}")

    def lock_path(self, target: Path) -> Path:
        tag = blake2b(str(target).encode(), digest_size=16).hexdigest()
        return self.private_path("locks", f"{tag}.lock")

    def sidecar_dir(self) -> Path:
        return self.private_path("tables")

    def file_lock(self, target: Path) -> FileLock:
        """The inter-process lock of ``target`` (not yet acquired)."""
        path = self.lock_path(target)
        path.parent.mkdir(parents=True, exist_ok=True)
        return FileLock(path)

    @contextmanager
    def lock(self, target: Path, timeout: float = -1):
        with self.file_lock(target).acquire(timeout=timeout):
            yield

    # manifests on disk
    def downloaded_manifests(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sort_manifest_names(p.name for p in self.root.iterdir() if is_manifest_name(p.name))

    def read_last_used(self) -> str | None:
        path = self.root / LAST_USED
        try:
            name = path.read_text().strip()
        except FileNotFoundError:
            return None
        return name or None

    def write_last_used(self, name: str) -> None:
        if self.read_last_used() != name:
            atomic_write_bytes(self.root / LAST_USED, name.encode())

    # _downloaded_data.json
    def read_downloaded(self) -> dict[str, str]:
        """The records (a fresh dict); parsed again only when the file changed on disk."""
        path = self.root / DOWNLOADED_DATA
        try:
            stat = path.stat()
        except FileNotFoundError:
            return {}
        signature = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        cached = getattr(self, "_records", None)
        if cached is not None and cached[0] == signature:
            return dict(cached[1])
        try:
            data = json.loads(path.read_bytes())
        except FileNotFoundError:
            return {}
        except json.JSONDecodeError as err:
            raise VBNDataError(
                f"{path}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}"
            ) from None
        if not isinstance(data, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in data.items()
        ):
            raise VBNDataError(f"{path}: expected an object mapping paths to hash strings")
        self._records = (signature, data)
        return dict(data)

    def update_downloaded(
        self, add: dict[str, str] | None = None, forget: set[str] = frozenset()
    ) -> None:
        """One read-modify-write of _downloaded_data.json under its lock: drop path keys, then
        add records (path -> hash; paths resolved). Nothing is written when nothing changes."""
        book = self.root / DOWNLOADED_DATA
        add = {str(Path(k).resolve()): v for k, v in (add or {}).items()}
        with self.lock(book):
            data = self.read_downloaded()
            kept = {k: v for k, v in data.items() if k not in forget} | add
            if kept == data:
                return
            data = kept
            atomic_write_bytes(book, json.dumps(data, indent=2, sort_keys=True).encode())
            stat = book.stat()
            self._records = ((stat.st_ino, stat.st_size, stat.st_mtime_ns), data)

    def record_downloaded(self, path: Path, file_hash: str) -> None:
        """Add one verified file to _downloaded_data.json."""
        self.update_downloaded({str(path): file_hash})

    def forget_downloaded(self, path: Path) -> None:
        self.update_downloaded(forget={str(path.resolve())})

    def forget_keys(self, keys: set[str]) -> None:
        """Drop these path keys from _downloaded_data.json."""
        self.update_downloaded(forget=keys)

    def remove(self, final: Path, *, timeout: float = 5.0, record: bool = True) -> bool:
        """Delete ``final`` (a file or a symlink to a reused file), its record and its parts.

        A symlink's target stays, and so does its record. Raises filelock.Timeout when a
        download of the file holds its lock for longer than ``timeout`` seconds. With
        ``record=False`` the records are left for the caller (see :meth:`record_keys`), so that
        many removals cost one write of _downloaded_data.json.
        """
        with self.lock(final, timeout=timeout):
            removed = False
            forget = self.record_keys(final)
            if final.is_symlink() or final.exists():
                final.unlink()
                removed = True
            if final.parent.is_dir():
                for part in final.parent.glob(f".{glob.escape(final.name)}.*{PART_SUFFIX}"):
                    part.unlink(missing_ok=True)
                    removed = True
            if record:
                self.forget_keys(forget)
        return removed

    @staticmethod
    def record_keys(final: Path) -> set[str]:
        """The _downloaded_data.json keys that describe ``final`` (its own path and, unless it
        is a symlink to a reused file, its resolved path)."""
        keys = {str(final.absolute())}
        if not final.is_symlink() and final.exists():
            keys.add(str(final.resolve()))
        return keys

    def find_by_hash(self, file_hash: str) -> Path | None:
        """An existing file of the cache recorded with this hash, for reuse across versions,
        resolved. A record (AllenSDK's or a hostile one) of a file elsewhere is never used."""
        base = str(self.root)
        for path, recorded in self.read_downloaded().items():
            if recorded == file_hash and Path(path).is_absolute():
                real = os.path.realpath(path)
                if within(real, base) and real != base and Path(real).is_file():
                    return Path(real)
        return None


class StaticLayout(_Walled):
    """A read-only mirror of the bucket (``root/<project>/...``); nothing here is ever written."""

    room = "the mount"

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()

    def manifest_dir(self) -> Path:
        return self.root / PROJECT / "manifests"

    def manifest_path(self, name: str) -> Path:
        return self.manifest_dir() / name

    def local_path(self, manifest: Manifest, entry: FileEntry) -> Path:
        return self.entry_path(manifest, entry, entry.key)

    def downloaded_manifests(self) -> list[str]:
        folder = self.manifest_dir()
        if not folder.is_dir():
            return []
        return sort_manifest_names(p.name for p in folder.iterdir())
