"""What the cache browser's summary traits hold: ``totals`` and ``preview_summary`` (sums over a
``CacheTree``), ``versions``, ``comparison`` and ``source``. Pure Python, no widget, no I/O."""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from .shapes import Comparison, Preview, SourceInfo, Totals, VersionInfo

if TYPE_CHECKING:
    from ..data.manifest import ManifestDiff
    from .tree import CacheTree

ON_DISK = ("verified", "unchecked")  # unchecked: on a static mount, present but not hashed


def _still_to_fetch(tree: CacheTree, keys: Iterable[str]) -> tuple[int, int, int]:
    """(files not verified, bytes still to fetch for them, how many of unknown size)."""
    files = fetch = unknown = 0
    for k in keys:
        state, on_disk = tree.local[k]
        if state in ON_DISK:
            continue
        files += 1
        size = tree.sizes.get(k)
        if size is None:
            unknown += 1
        else:
            fetch += max(0, size - on_disk) if state == "partial" else size
    return files, fetch, unknown


def totals_info(tree: CacheTree) -> Totals:
    """The ``totals`` trait: files, on disk, known sizes, the selection and what it lacks."""
    to_files, to_bytes, _ = _still_to_fetch(tree, tree.selected)
    return {
        "files": len(tree.files),
        "files_on_disk": sum(s in ON_DISK for s, _ in tree.local.values()),
        "bytes_on_disk": sum(b for _, b in tree.local.values()),
        "bytes_known": sum(tree.sizes.values()),
        "sizes_pending": len(tree.files) - len(tree.sizes),
        "selected_files": len(tree.selected),
        "selected_bytes": sum(tree.sizes.get(k, 0) for k in tree.selected),
        "to_download_files": to_files,
        "to_download_bytes": to_bytes,
    }


def preview_info(tree: CacheTree, session_ids: Iterable[int]) -> Preview:
    """What downloading these sessions means: files, bytes, and what is not on disk yet."""
    ids = list(dict.fromkeys(session_ids))
    files, unknown = tree.catalog.files_for_sessions(ids)
    keys = [f.key for f in files]
    to_files, to_bytes, _ = _still_to_fetch(tree, keys)
    known = [tree.sizes[k] for k in keys if k in tree.sizes]
    return {
        "sessions": len(ids) - len(unknown),
        "unknown": [int(i) for i in unknown[:50]],
        "files": len(keys),
        "bytes": sum(known),
        "to_download_files": to_files,
        "to_download_bytes": to_bytes,
        "bytes_unknown": len(keys) - len(known),
    }


def versions_info(
    available: Iterable[str], on_disk: Iterable[str], current: str
) -> list[VersionInfo]:
    """The ``versions`` trait: every manifest, oldest first, latest and current marked."""
    from ..data.manifest import manifest_version, sort_manifest_names

    downloaded = set(on_disk)
    names = sort_manifest_names(set(available) | downloaded | {current})
    return [
        {
            "name": n,
            "version": str(manifest_version(n)),
            "latest": n == names[-1],
            "current": n == current,
            "downloaded": n in downloaded,
        }
        for n in names
    ]


def comparison_info(diff: ManifestDiff, cap: int) -> Comparison:
    """The ``comparison`` trait: counts, and at most ``cap`` keys of each kind of change."""
    kinds = ("changed", "added", "removed", "renamed")
    counts = {k: len(getattr(diff, k)) for k in kinds}
    return {
        "a": diff.old,
        "b": diff.new,
        **{k: list(getattr(diff, k)[:cap]) for k in kinds[:3]},
        "renamed": [list(pair) for pair in diff.renamed[:cap]],
        "counts": {**counts, "unchanged": diff.unchanged},
        "text": str(diff)[:20_000],
    }


def source_info(cache: Any) -> SourceInfo:
    """The ``source`` trait of a ``VBNCache``: kind, description, read_only."""
    name = type(cache.source).__name__
    kind = "static" if cache.static else {"S3Source": "s3", "NoneType": "local"}.get(name, "mirror")
    description = cache.source.description if cache.source else f"{kind} {cache.cache_dir}"
    return {"kind": kind, "description": description, "read_only": bool(cache.read_only)}
