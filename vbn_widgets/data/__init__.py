"""The data layer: releases, manifests, the cache folder, downloads and typed tables. No widgets.

Names are imported on first use, so that a light module of the layer (the job vocabulary in
``jobs``, imported by the Jupyter server extension) does not pull in pandas and pyarrow.
"""

from importlib import import_module
from typing import TYPE_CHECKING

if TYPE_CHECKING:
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

_LAZY = {
    "AccessDeniedError": ".errors",
    "CacheFolderError": ".errors",
    "Catalog": ".catalog",
    "CatalogFile": ".catalog",
    "CatalogSession": ".catalog",
    "DownloadCancelled": ".errors",
    "DownloadError": ".errors",
    "DownloadQueue": ".transfers",
    "FileEntry": ".manifest",
    "FileProgress": ".download",
    "FileState": ".files",
    "FileStatus": ".files",
    "HashMismatchError": ".errors",
    "JobSnapshot": ".transfers",
    "JobState": ".transfers",
    "Manifest": ".manifest",
    "ManifestDiff": ".manifest",
    "ManifestError": ".errors",
    "MirrorSource": ".sources",
    "ReadOnlyCacheError": ".errors",
    "S3Source": ".sources",
    "SizeBook": ".sizes",
    "TableError": ".errors",
    "UnsafePathError": ".errors",
    "VBNCache": ".cache",
    "VBNDataError": ".errors",
    "build_catalog": ".catalog",
    "classify": ".transfers",
}

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


def __getattr__(name: str) -> object:
    if name in _LAZY:
        return getattr(import_module(_LAZY[name], __name__), name)
    raise AttributeError(f"module 'vbn_widgets.data' has no attribute {name!r}")
