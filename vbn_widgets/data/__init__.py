"""The data layer: releases, manifests, the cache folder, downloads and typed tables. No widgets."""

from .cache import VBNCache
from .catalog import Catalog, CatalogFile, CatalogSession, build_catalog
from .download import FileProgress
from .errors import (
    AccessDeniedError,
    CacheFolderError,
    DownloadCancelled,
    DownloadError,
    HashMismatchError,
    ManifestError,
    ReadOnlyCacheError,
    TableError,
    UnsafePathError,
    VBNDataError,
)
from .files import FileState, FileStatus
from .manifest import FileEntry, Manifest, ManifestDiff
from .sizes import SizeBook
from .sources import MirrorSource, S3Source
from .transfers import DownloadQueue, JobSnapshot, JobState, classify

__all__ = [
    "AccessDeniedError",
    "CacheFolderError",
    "Catalog",
    "CatalogFile",
    "CatalogSession",
    "DownloadCancelled",
    "DownloadError",
    "DownloadQueue",
    "FileEntry",
    "FileProgress",
    "FileState",
    "FileStatus",
    "HashMismatchError",
    "JobSnapshot",
    "JobState",
    "Manifest",
    "ManifestDiff",
    "ManifestError",
    "MirrorSource",
    "ReadOnlyCacheError",
    "S3Source",
    "SizeBook",
    "TableError",
    "UnsafePathError",
    "VBNCache",
    "VBNDataError",
    "build_catalog",
    "classify",
]
