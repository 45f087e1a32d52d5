"""The data layer: releases, manifests, the cache folder, downloads and typed tables. No widgets."""

from .cache import VBNCache
from .download import FileProgress
from .errors import (
    DownloadCancelled,
    DownloadError,
    HashMismatchError,
    ManifestError,
    ReadOnlyCacheError,
    TableError,
    VBNDataError,
)
from .files import FileState, FileStatus
from .manifest import FileEntry, Manifest, ManifestDiff
from .sources import MirrorSource, S3Source

__all__ = [
    "DownloadCancelled",
    "DownloadError",
    "FileEntry",
    "FileProgress",
    "FileState",
    "FileStatus",
    "HashMismatchError",
    "Manifest",
    "ManifestDiff",
    "ManifestError",
    "MirrorSource",
    "ReadOnlyCacheError",
    "S3Source",
    "TableError",
    "VBNCache",
    "VBNDataError",
]
