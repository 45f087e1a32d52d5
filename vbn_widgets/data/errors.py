"""Errors raised by the data layer. Each message names the file, column or value at fault."""


class VBNDataError(Exception):
    """Base class of every error the data layer raises on bad data or bad requests."""


class ManifestError(VBNDataError):
    """A manifest is missing, malformed, or does not name what was asked for."""


class TableError(VBNDataError):
    """A metadata table cannot be parsed into its documented types."""


class DownloadError(VBNDataError):
    """A file could not be fetched from the source."""


class AccessDeniedError(DownloadError):
    """The source refused to serve a file or a listing (403, AccessDenied, AllAccessDisabled)."""


class HashMismatchError(DownloadError):
    """The bytes fetched do not hash to the manifest's BLAKE2b digest."""

    def __init__(self, key: str, expected: str, actual: str) -> None:
        super().__init__(
            f"{key}: BLAKE2b mismatch, manifest says {expected[:16]}... but the fetched bytes "
            f"hash to {actual[:16]}...; the file was discarded"
        )
        self.key = key
        self.expected = expected
        self.actual = actual


class DownloadCancelled(DownloadError):  # noqa: N818 - a cancel is not an error condition
    """The caller cancelled a download; any partial bytes stay under a temporary name."""


class ReadOnlyCacheError(VBNDataError, FileNotFoundError):
    """A file is not on disk and the cache never downloads (static mode, or local-only).

    Also a FileNotFoundError, which is what AllenSDK's local caches raise in this case.
    """


class UnsafePathError(VBNDataError):
    """A local path would lie outside its cache folder (or static mount), through a hostile
    manifest key, a download record or a symlink; nothing was read, written or deleted there."""


class CacheFolderError(VBNDataError, FileNotFoundError):
    """The folder given as a cache or a mount holds no cache: nothing to open there."""
