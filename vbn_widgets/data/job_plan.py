"""Planning download jobs and file operations: which entry and final path each ref names (all or
none), which files are already verified, and what ``DownloadQueue.enqueue`` answers."""

from __future__ import annotations

import numbers
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING

from .errors import DownloadError, ManifestError, ReadOnlyCacheError, VBNDataError
from .layout import CacheLayout
from .manifest import is_manifest_name

if TYPE_CHECKING:
    from .cache import VBNCache
    from .jobs import BatchSnapshot, JobSnapshot
    from .manifest import Manifest

__all__ = ["Enqueued", "manifest_named", "plan_entries", "plan_jobs", "verified_paths"]


class Enqueued(tuple):
    """``(batch, jobs, verified)`` of ``DownloadQueue.enqueue``: the batch snapshot, a snapshot
    of each job the batch has (new or joined, in request order) and ``{ref, key, path}`` of each
    file that was already verified and got no job."""

    __slots__ = ()

    def __new__(cls, batch: BatchSnapshot, jobs: list[JobSnapshot], verified: list[dict]):
        return super().__new__(cls, (batch, jobs, verified))

    batch = property(lambda self: self[0])
    jobs = property(lambda self: self[1])
    verified = property(lambda self: self[2])


def _norm_ref(ref: object) -> str | int:
    if isinstance(ref, str):
        return ref
    if isinstance(ref, numbers.Integral) and not isinstance(ref, bool):
        return int(ref)
    raise ManifestError(f"{ref!r} names no file: use a table name or an integer file_id")


def manifest_named(cache: VBNCache, name: str | None) -> Manifest:
    if name is None or name == cache.current_manifest():
        return cache.manifest
    if not isinstance(name, str) or not is_manifest_name(name):
        raise ManifestError(f"{name!r:.120} is not a manifest file name")
    try:
        return cache._read_manifest(name)
    except DownloadError as err:
        raise ManifestError(f"{name} cannot be read: {err}") from None


def plan_jobs(
    cache: VBNCache, refs: Iterable[str | int], manifest_name: str | None
) -> tuple[Manifest, list[tuple]]:
    """(manifest, [(ref, entry, final path)]) for every ref; all or none: an error names every
    bad ref, and a read-only cache refuses."""
    if isinstance(refs, (str, bytes)):
        raise TypeError(f"refs must be a list of table names or file_ids, not {refs!r:.80}")
    refs = list(refs)
    if cache.read_only:
        mode = "static" if cache.static else "local-only"
        raise ReadOnlyCacheError(
            f"the {mode} cache {cache.cache_dir} never downloads; "
            f"{len(refs)} file(s) not queued: {refs[:5]!r:.200}"
        )
    manifest = manifest_named(cache, manifest_name)
    return manifest, plan_entries(cache, manifest, refs, "nothing queued")


def plan_entries(cache: VBNCache, manifest: Manifest, refs: list, what: str) -> list[tuple]:
    """[(ref, entry, final path)] of ``refs`` in ``manifest``; a ManifestError naming every
    ref that is not in it (``what`` opens the message)."""
    plans, bad = [], []
    for given in refs:
        try:
            ref = _norm_ref(given)
            entry = cache._entry(ref, manifest)
        except ManifestError as err:
            bad.append((given, str(err)))
            continue
        plans.append((ref, entry, cache.layout.local_path(manifest, entry)))
    if bad:
        names = ", ".join(repr(r) for r, _ in bad[:10]) + (", ..." if len(bad) > 10 else "")
        raise ManifestError(
            f"{what}: {len(bad)} of {len(refs)} file(s) are not in {manifest.name}: "
            f"{names} ({bad[0][1]})"
        )
    return plans


def verified_paths(cache: VBNCache, plans: list[tuple]) -> set[str]:
    """Final paths recorded in _downloaded_data.json with the manifest's hash (and there); one
    read of the record and a stat per file, no hashing."""
    if not isinstance(cache.layout, CacheLayout):
        return set()
    try:
        recorded = cache.layout.read_downloaded()
    except VBNDataError:
        return set()  # a broken record: every job checks its file itself
    found = set()
    for _, entry, path in plans:
        if not path.is_file():  # one stat; most files of a fresh request are not there
            continue
        key = str(path)  # the layout's paths are resolved already, unless a symlink is on the way
        if (recorded.get(key) or recorded.get(os.path.realpath(key))) == entry.file_hash:
            found.add(key)
    return found
