"""``VBNCache``: AllenSDK's ``VisualBehaviorNeuropixelsProjectCache`` metadata API, lighter.

Construct it the way AllenSDK's cache is constructed (``from_s3_cache``, ``from_local_cache``) or
over a folder laid out like the bucket (``from_mirror``, e.g. the offline demo release). The cache
folder stays AllenSDK's, so either tool opens it. Nothing is read until it is needed.
"""

from __future__ import annotations

import os
import threading
import warnings
from pathlib import Path
from typing import TYPE_CHECKING

from filelock import Timeout

from .cache_sessions import SessionAccess
from .cache_tables import TableAccess
from .download import FileProgress, ProgressCallback, RetryPolicy, fetch_verified
from .errors import ManifestError, ReadOnlyCacheError, VBNDataError
from .files import FileState, FileStates, FileStatus
from .layout import CacheLayout, StaticLayout, atomic_write_bytes
from .manifest import BUCKET, FileEntry, Manifest, ManifestDiff, compare, sort_manifest_names
from .sources import MirrorSource, S3Source, Source
from .spec import read_spec, source_from_spec, source_spec, spec_path, write_spec

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FileProgress", "VBNCache"]


class VBNCache(TableAccess, SessionAccess):
    """A VBN release cache: manifests, the five metadata tables, and the data files.

    Parameters
    ----------
    cache_dir
        The cache folder (AllenSDK's layout), or in static mode the read-only bucket mirror.
    source
        Where missing files come from; ``None`` for a local-only or static cache.
    static
        Read a mounted mirror of the bucket in place; never write anything.
    """

    def __init__(
        self,
        cache_dir: str | os.PathLike[str],
        *,
        source: Source | None = None,
        static: bool = False,
        retry: RetryPolicy | None = None,
    ) -> None:
        self.static = static
        self.source = source
        self.layout: CacheLayout | StaticLayout = (
            StaticLayout(cache_dir) if static else CacheLayout(cache_dir)
        )
        self.cache_dir = self.layout.root
        self.retry = retry
        self._states = FileStates(self.layout)
        self._manifest: Manifest | None = None
        self._tables: dict[tuple[str, str], pd.DataFrame] = {}
        self._lock = threading.RLock()

    # construction, with AllenSDK's names
    @classmethod
    def from_s3_cache(
        cls,
        cache_dir: str | os.PathLike[str],
        *,
        bucket: str = BUCKET,
        endpoint_url: str | None = None,
        region: str = "us-west-2",
    ) -> VBNCache:
        return cls(cache_dir, source=S3Source(bucket, endpoint_url=endpoint_url, region=region))

    @classmethod
    def from_local_cache(
        cls, cache_dir: str | os.PathLike[str], use_static_cache: bool = False
    ) -> VBNCache:
        return cls(cache_dir, static=use_static_cache)

    @classmethod
    def from_mirror(
        cls, mirror_dir: str | os.PathLike[str], cache_dir: str | os.PathLike[str]
    ) -> VBNCache:
        return cls(cache_dir, source=MirrorSource(mirror_dir))

    @classmethod
    def from_cache_dir(cls, cache_dir: str | os.PathLike[str]) -> VBNCache:
        """The cache of ``cache_dir`` with the source its ``.vbn_widgets/source.json`` names
        (written by ``remember_source``); a local-only cache when there is no such file."""
        root = Path(cache_dir).expanduser().resolve()
        spec = read_spec(root)
        return cls(root, source=source_from_spec(spec, spec_path(root)) if spec else None)

    def source_spec(self) -> dict | None:
        """``{"kind": "s3", bucket, endpoint_url, region}`` or ``{"kind": "mirror", root}``;
        None for static and local-only caches (and sources of other types)."""
        return None if self.static else source_spec(self.source)

    def remember_source(self) -> None:
        """Write ``source_spec()`` to ``<cache_dir>/.vbn_widgets/source.json`` (atomically)."""
        spec = self.source_spec()
        if spec is not None and isinstance(self.layout, CacheLayout):
            write_spec(self.layout.root, spec)

    @property
    def read_only(self) -> bool:
        """True when this cache never downloads: static, or without a source."""
        return self.static or self.source is None

    def __repr__(self) -> str:
        where = "static" if self.static else (self.source.description if self.source else "local")
        return f"VBNCache({str(self.cache_dir)!r}, {where}, manifest={self.current_manifest()})"

    # manifests
    def list_manifest_file_names(self) -> list[str]:
        """Manifests the source offers (a local or static cache: those on disk), oldest first."""
        if self.source is None:
            return self.list_all_downloaded_manifests()
        return self.source.list_manifest_names()

    def list_all_downloaded_manifests(self) -> list[str]:
        return self.layout.downloaded_manifests()

    def latest_manifest_file(self) -> str:
        """The highest semver among the available manifests (not the last in string order)."""
        names = self.list_manifest_file_names()
        if not names:
            raise ManifestError(f"no manifests found for {self!r:.200}")
        return names[-1]

    def latest_downloaded_manifest_file(self) -> str | None:
        names = self.list_all_downloaded_manifests()
        return names[-1] if names else None

    def current_manifest(self) -> str | None:
        return self._manifest.name if self._manifest else None

    def _read_manifest(self, name: str) -> Manifest:
        local = self.layout.manifest_path(name)
        if local.is_file():  # validated when it was fetched; its ~4,300 entries are checked on use
            return Manifest.from_bytes(local.read_bytes(), name, source=str(local), lazy=True)
        if self.source is None:
            raise ManifestError(
                f"{name} is not in {local.parent}; "
                f"available: {self.list_all_downloaded_manifests()}"
            )
        data = self.source.read_manifest(name)
        manifest = Manifest.from_bytes(data, name, source=f"{self.source.description}/{name}")
        assert isinstance(self.layout, CacheLayout)
        atomic_write_bytes(local, data)  # only once it has parsed: a bad one never lands
        return manifest

    def load_manifest(self, manifest_name: str) -> None:
        """Make ``manifest_name`` current (AllenSDK: remembered in _manifest_last_used.txt)."""
        available = set(self.list_manifest_file_names()) | set(self.list_all_downloaded_manifests())
        if manifest_name not in available:
            raise ManifestError(
                f"{manifest_name!r} is not a known manifest; choose from "
                f"{sort_manifest_names(available)}"
            )
        manifest = self._read_manifest(manifest_name)
        latest = sort_manifest_names(available)[-1]
        if manifest_name != latest:
            warnings.warn(
                f"loading {manifest_name}, which is not the latest manifest: the latest is "
                f"{latest}. compare_manifests({manifest_name!r}, {latest!r}) shows what changed; "
                "load_latest_manifest() switches to it",
                stacklevel=2,
            )
        with self._lock:
            self._manifest = manifest
            self._tables.clear()
        if isinstance(self.layout, CacheLayout):
            self.layout.write_last_used(manifest_name)

    def load_latest_manifest(self) -> None:
        self.load_manifest(self.latest_manifest_file())

    @property
    def manifest(self) -> Manifest:
        """The current manifest, chosen on first use as AllenSDK's constructor chooses it."""
        if self._manifest is None:
            last = self.layout.read_last_used() if isinstance(self.layout, CacheLayout) else None
            known = self.list_manifest_file_names()
            self.load_manifest(last if last in known else self.latest_manifest_file())
        assert self._manifest is not None
        return self._manifest

    def compare_manifests(self, manifest_0_name: str, manifest_1_name: str) -> ManifestDiff:
        """Files changed, renamed, added and removed going from the first to the second."""
        return compare(self._read_manifest(manifest_0_name), self._read_manifest(manifest_1_name))

    # files
    def _entry(self, name_or_id: str | int, manifest: Manifest | None = None) -> FileEntry:
        manifest = manifest or self.manifest
        if isinstance(name_or_id, str) and not name_or_id.lstrip("-").isdigit():
            return manifest.metadata_entry(name_or_id)
        return manifest.data_entry(name_or_id)

    def local_path(self, name_or_id: str | int) -> Path:
        return self.layout.local_path(self.manifest, self._entry(name_or_id))

    def _path_info(self, name_or_id: str | int) -> dict:
        entry = self._entry(name_or_id)
        path = self.layout.local_path(self.manifest, entry)
        return {"local_path": path, "exists": path.is_file(), "file_attributes": entry}

    def metadata_path(self, fname: str) -> dict:
        """AllenSDK's dict: ``local_path``, ``exists``, ``file_attributes``."""
        return self._path_info(fname)

    def data_path(self, file_id: int | str) -> dict:
        return self._path_info(int(file_id))

    def file_status(self, name_or_id: str | int, *, verify: bool = False) -> FileStatus:
        """missing, partial, verified or corrupt; ``verify=True`` re-hashes the file."""
        entry = self._entry(name_or_id)
        path = self.layout.local_path(self.manifest, entry)
        layout = self.layout
        recorded = layout.read_downloaded() if isinstance(layout, CacheLayout) else {}
        status = self._states.status(entry, path, verify=verify, recorded=recorded)
        if verify and isinstance(layout, CacheLayout):
            # What a re-hash found replaces the record, so later calls and download() follow it.
            known = recorded.get(str(path.resolve()))
            if status.state is FileState.CORRUPT and known is not None:
                layout.forget_downloaded(path)
            elif status.state is FileState.VERIFIED and known != entry.file_hash:
                layout.record_downloaded(path, entry.file_hash)
        return status

    def file_state(self, name_or_id: str | int, *, verify: bool = False) -> FileState:
        return self.file_status(name_or_id, verify=verify).state

    def all_file_status(self, *, verify: bool = False) -> list[FileStatus]:
        recorded = self.layout.read_downloaded() if isinstance(self.layout, CacheLayout) else {}
        return [
            self._states.status(
                e, self.layout.local_path(self.manifest, e), verify=verify, recorded=recorded
            )
            for e in self.manifest.entries()
        ]

    def download(
        self,
        name_or_id: str | int,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Path:
        """Fetch one file (a table name or a data file_id) unless a verified copy is here."""
        manifest = self.manifest
        entry = self._entry(name_or_id, manifest)
        return self.fetch_entry(manifest, entry, progress=progress, cancel=cancel)

    def fetch_entry(
        self,
        manifest: Manifest,
        entry: FileEntry,
        *,
        progress: ProgressCallback | None = None,
        cancel: threading.Event | None = None,
    ) -> Path:
        """``download`` for an entry of ``manifest``, current or not: a queued job keeps the
        manifest it was queued under even if the user switches the current one."""
        final = self.layout.local_path(manifest, entry)
        layout = self.layout
        recorded = layout.read_downloaded() if isinstance(layout, CacheLayout) else {}
        status = self._states.status(entry, final, recorded=recorded)
        if status.state is FileState.VERIFIED:
            return final
        if self.source is None or not isinstance(self.layout, CacheLayout):
            mode = "static" if self.static else "local-only"
            raise ReadOnlyCacheError(
                f"{entry.key} is {status.state} in the {mode} cache {self.cache_dir}, "
                "which never downloads; use VBNCache.from_s3_cache or from_mirror"
            )
        if status.state is FileState.MISSING:
            twin = layout.find_by_hash(entry.file_hash)
            if twin is not None and twin.resolve() != final.resolve():
                final.parent.mkdir(parents=True, exist_ok=True)
                try:
                    final.symlink_to(twin)  # as AllenSDK reuses an unchanged file
                except OSError:
                    pass
                else:
                    layout.record_downloaded(final, entry.file_hash)
                    return final
        fetch_verified(
            self.source, entry, final, layout, progress=progress, cancel=cancel, retry=self.retry
        )
        layout.record_downloaded(final, entry.file_hash)
        return final

    def delete(self, name_or_id: str | int, *, timeout: float = 5.0) -> bool:
        """Remove a file (or its symlink), its _downloaded_data.json record and its partial
        bytes, under the file's lock. Returns whether anything was removed."""
        entry = self._entry(name_or_id)
        final = self.layout.local_path(self.manifest, entry)
        if not isinstance(self.layout, CacheLayout):
            raise ReadOnlyCacheError(
                f"{entry.key}: the static cache {self.cache_dir} is read-only; nothing is deleted"
            )
        try:
            return self.layout.remove(final, timeout=timeout)
        except Timeout:
            raise VBNDataError(
                f"{entry.key}: not deleted, a download of it holds {final.name}'s lock; "
                "cancel that download first"
            ) from None

    def download_metadata(self, fname: str, **kwargs) -> Path:
        return self.download(fname, **kwargs)

    def download_data(self, file_id: int | str, **kwargs) -> Path:
        return self.download(int(file_id), **kwargs)
