"""Sizes of many objects of a versioned bucket in a few requests (``S3Source.sizes``).

``ListObjectVersions`` returns up to 1,000 versions a page, with their sizes, so the ~4,300 files of
a release cost a handful of requests instead of one HEAD each. Entries are matched by key and
VersionId (by the latest version when an entry has none). A bucket that refuses listing (a reader
with Read but not List rights) is asked with a HEAD per entry, a few at a time.
"""

from __future__ import annotations

import os
import threading
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING

from .errors import DownloadError
from .manifest import FileEntry
from .sources import TransientSourceError

if TYPE_CHECKING:
    from .sources import S3Source

MAX_FOLDERS = 8  # entries in this few folders are listed folder by folder
HEAD_WORKERS = 8


def list_prefixes(keys: list[str]) -> list[str]:
    """Prefixes to list: each folder of the keys when there are few, else their common prefix."""
    folders = sorted({k.rsplit("/", 1)[0] + "/" if "/" in k else "" for k in keys})
    if len(folders) > MAX_FOLDERS:
        common = os.path.commonpath(folders)
        return [f"{common}/" if common else ""]
    # drop a folder inside another one: listing the outer one covers it
    return [f for f in folders if not any(o != f and f.startswith(o) for o in folders)]


def _listed(
    source: S3Source,
    bucket: str,
    entries: list[tuple[int, FileEntry]],
    found: list[int | None],
    cancel: threading.Event | None,
) -> None:
    wanted: dict[tuple[str, str | None], list[int]] = defaultdict(list)
    for i, entry in entries:
        wanted[entry.key, entry.version_id or None].append(i)
    for prefix in list_prefixes([e.key for _, e in entries]):
        kwargs = {"Bucket": bucket, "Prefix": prefix}
        while any(key.startswith(prefix) for key, _ in wanted):
            if cancel is not None and cancel.is_set():
                return
            page = source._call(
                f"listing object versions under s3://{bucket}/{prefix}",
                source.client.list_object_versions,
                **kwargs,
            )
            for version in page.get("Versions", []):
                key, size = version["Key"], int(version["Size"])
                for i in wanted.pop((key, version["VersionId"]), []):
                    found[i] = size
                if version.get("IsLatest"):
                    for i in wanted.pop((key, None), []):
                        found[i] = size
            if not page.get("IsTruncated"):
                break
            kwargs["KeyMarker"] = page["NextKeyMarker"]
            kwargs["VersionIdMarker"] = page.get("NextVersionIdMarker", "")


def _headed(
    source: S3Source,
    entries: list[tuple[int, FileEntry]],
    found: list[int | None],
    cancel: threading.Event | None,
) -> None:
    stop = threading.Event()  # set when the network fails: the remaining HEADs would fail too

    def one(item: tuple[int, FileEntry]) -> None:
        i, entry = item
        if stop.is_set() or (cancel is not None and cancel.is_set()):
            return
        try:
            found[i] = source.size(entry)
        except TransientSourceError:
            stop.set()
            raise
        except DownloadError:
            found[i] = None  # missing or refused: unknown

    with ThreadPoolExecutor(HEAD_WORKERS, thread_name_prefix="vbn-head") as pool:
        for _ in pool.map(one, entries):
            pass


def s3_sizes(
    source: S3Source, entries: list[FileEntry], cancel: threading.Event | None
) -> list[int | None]:
    """Sizes of ``entries`` in order; None for an object that is not there (or after a cancel).

    Raises TransientSourceError when the server cannot be reached.
    """
    found: list[int | None] = [None] * len(entries)
    by_bucket: dict[str, list[tuple[int, FileEntry]]] = defaultdict(list)
    for i, entry in enumerate(entries):
        by_bucket[entry.bucket].append((i, entry))
    for bucket, group in by_bucket.items():
        try:
            _listed(source, bucket, group, found, cancel)
        except TransientSourceError:
            raise
        except DownloadError:  # listing refused (AccessDenied) or not implemented by the server
            _headed(source, group, found, cancel)
    return found
