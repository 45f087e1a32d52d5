"""Local file states read from the cache folder, for the cache browser's tree: the whole tree
when a manifest loads, and the files whose download just ended (a stat or two each: no hashing,
no read of ``_downloaded_data.json``, so thousands of finished jobs cost next to nothing).

No widget here; the callers hold no lock while these run.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

from ..data.layout import CacheLayout

if TYPE_CHECKING:
    from ..data import VBNCache
    from .tree import CacheTree


def scan_local_states(cache: VBNCache, tree: CacheTree, checked: Mapping[str, str]) -> None:
    """Every file's state: from the download record; on a static mount (no record) by presence
    only, "unchecked" until verified (``checked``: what verify found, by key): hashing the whole
    mount (524 GB) is not for display."""
    if not cache.static:
        for status in cache.all_file_status():
            if status.entry.key in tree.files:
                tree.set_local(status.entry.key, status.state.value, status.bytes_on_disk)
        return
    for key in tree.files:
        size = _size(tree.local_path(key))
        state = "missing" if size is None else checked.get(key, "unchecked")
        tree.set_local(key, state, size or 0)


def local_states(tree: CacheTree, ended: list[dict]) -> dict[str, tuple[str, int]]:
    """The local state of each file whose job ended, from the disk (a stat or two, no hash and
    no read of ``_downloaded_data.json``). A board job that left the board ("gone") finished
    done or cancelled: its file tells which, and the job's state is set from it."""
    out: dict[str, tuple[str, int]] = {}
    for job in ended:
        f = tree.files.get(job["key"]) if job["manifest"] == tree.catalog.manifest_name else None
        final = tree.local_path(f.key) if f is not None else _inside(tree, job.get("path"))
        if job["state"] == "gone":
            job["state"] = "done" if final is not None and final.is_file() else "cancelled"
        if f is None or final is None:
            continue
        if job["state"] == "done":
            out[f.key] = ("verified", _size(final) or job["bytes_total"] or 0)
        elif job.get("error_kind") == "hash-mismatch":
            out[f.key] = ("corrupt", 0)  # the bytes were discarded; the job's error says why
        elif not final.is_file():
            out[f.key] = states_of(tree, [f.key])[f.key]
    return out


def states_of(tree: CacheTree, keys: list[str]) -> dict[str, tuple[str, int]]:
    """Local states by presence: verified when the final file is there (downloads only ever
    rename a verified file into place), partial when only its ``.part`` is, else missing."""
    layout = tree.layout
    out = {}
    for key in keys:
        final = tree.local_path(key)
        size = _size(final)
        if size is not None:
            corrupt = tree.local[key][0] == "corrupt"  # a failed download leaves it as it was
            out[key] = ("corrupt" if corrupt else "verified", size)
            continue
        part = None
        if isinstance(layout, CacheLayout):
            part = _size(layout.part_path(final, tree.files[key].entry))
        out[key] = ("partial", part) if part else ("missing", 0)
    return out


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size if path.is_file() else None
    except OSError:
        return None


def _inside(tree: CacheTree, raw: object) -> Path | None:
    """A job's path from the board, only when it lies inside the cache folder."""
    if not isinstance(raw, str) or "\x00" in raw:
        return None
    root = tree.layout.root
    path = Path(raw)
    try:
        return path if path.resolve().is_relative_to(root) else None
    except (OSError, RuntimeError):
        return None
