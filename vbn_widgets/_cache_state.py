"""The cache browser's tree kept in step with the cache: built for the current manifest, file
states read from disk, sizes fetched in the background."""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import TYPE_CHECKING

from ._cache_rows import CacheTree
from ._cache_summaries import versions_info
from .data.catalog import build_catalog

if TYPE_CHECKING:
    from .cache_browser import CacheBrowser
    from .data import FileState, VBNCache

log = logging.getLogger(__name__)


# the caller holds b._lock (except for fetch_sizes, which takes it)
def load_current_manifest(b: CacheBrowser, keep: CacheTree | None) -> None:
    """(Re)build the tree of the current manifest, its file states and known sizes; ``keep``:
    the tree whose selection, expansion and search carry over."""
    cache = b.cache
    current = cache.manifest.name
    available = cache.list_manifest_file_names()
    on_disk = cache.list_all_downloaded_manifests()
    b.set_trait("versions", versions_info(available, on_disk, current))
    b.set_trait("current", current)
    tree = b._tree = CacheTree(build_catalog(cache))
    if keep is not None:
        tree.adopt(keep)
    scan_local_states(cache, tree, b._checked)
    for key, job in b._book.by_key.items():
        if job["manifest"] == current:
            tree.set_job(key, job)
    entries = [f.entry for f in tree.files.values()]
    tree.set_sizes(b._sizes.known(entries))
    b._publish()
    if tree.sizes.keys() != tree.files.keys():
        b._chores.submit(fetch_sizes, b, tree, entries)


def scan_local_states(cache: VBNCache, tree: CacheTree, checked: Mapping[str, str]) -> None:
    """Local states: from the download record; on a static mount (no record) by presence
    only, "unchecked" until verified (``checked``: what verify found, by key): hashing the whole
    mount (524 GB) is not for display."""
    if not cache.static:
        for status in cache.all_file_status():
            if status.entry.key in tree.files:
                tree.set_local(status.entry.key, status.state.value, status.bytes_on_disk)
        return
    for key, f in tree.files.items():
        path = cache.layout.local_path(cache.manifest, f.entry)
        size = path.stat().st_size if path.is_file() else None
        state = "missing" if size is None else checked.get(key, "unchecked")
        tree.set_local(key, state, size or 0)


def fetch_sizes(b: CacheBrowser, tree: CacheTree, entries: list) -> None:
    """Ask the source for the sizes not known yet (on the chores thread)."""
    try:
        sizes = b._sizes.fetch(entries, cancel=b._stop)
    except Exception as err:
        log.warning("cache browser: sizes not fetched: %s", err)
        with b._lock:
            b.set_trait("error", f"sizes: {err}"[:500])
        return
    with b._lock:
        if b._tree is tree and not b._closed:
            tree.set_sizes(sizes)
            b._publish()


def reread_local_state(b: CacheBrowser, key: str, job: Mapping | None = None) -> FileState:
    """Read one file's state from the download record again (after a job ends or a delete)."""
    status = b.cache.file_status(b._tree.files[key].ref)
    state = status.state.value
    if job is not None and job.get("error_kind") == "hash-mismatch":
        state = "corrupt"  # the bytes were discarded; the error says why
    b._tree.set_local(key, state, status.bytes_on_disk)
    return status.state
