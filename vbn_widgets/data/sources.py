"""Where releases come from: the public S3 bucket, or a local folder laid out like it.

A source answers four questions: which manifests exist, a manifest's bytes, a file's size, and a
stream of a file's bytes from an offset (so a cut download resumes with a ranged GET). Both sources
here also size many files at once (``sizes``), for the cache browser.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from .errors import AccessDeniedError, DownloadError
from .manifest import BUCKET, PROJECT, FileEntry, is_manifest_name, sort_manifest_names

CHUNK = 1 << 20
MANIFEST_DIR = f"{PROJECT}/manifests/"
_DENIED = frozenset({"AccessDenied", "403", "Forbidden", "AllAccessDisabled"})


class TransientSourceError(DownloadError):
    """A network-level failure worth retrying (connection cut, timeout, throttling)."""


@dataclass
class Stream:
    """Bytes of one object from ``start`` on; ``total`` is the size of the whole object."""

    chunks: Iterator[bytes]
    start: int
    total: int
    release: Callable[[], None] | None = None  # frees the connection or file handle

    def __iter__(self) -> Iterator[bytes]:
        return self.chunks

    def close(self) -> None:
        if self.release is not None:
            self.release()


class Source(Protocol):
    description: str

    def list_manifest_names(self) -> list[str]: ...

    def read_manifest(self, name: str) -> bytes: ...

    def size(self, entry: FileEntry) -> int: ...

    def open(self, entry: FileEntry, start: int = 0) -> Stream: ...


class MirrorSource:
    """A folder laid out like the bucket (the offline demo release).

    The latest version of each key is at ``root/<key>``; a superseded version that a manifest
    still references is at ``root/.versions/<version_id>/<key>``.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).expanduser().resolve()
        self.description = f"mirror {self.root}"
        if not (self.root / MANIFEST_DIR).is_dir():
            raise DownloadError(
                f"{self.root} is not a release mirror: {MANIFEST_DIR} is missing "
                "(make one with `vbn-widgets demo-data DIR`)"
            )

    def list_manifest_names(self) -> list[str]:
        return sort_manifest_names(p.name for p in (self.root / MANIFEST_DIR).iterdir())

    def read_manifest(self, name: str) -> bytes:
        if not is_manifest_name(name):
            raise DownloadError(f"{name!r} is not a manifest file name")
        path = self.root / MANIFEST_DIR / name
        try:
            return path.read_bytes()
        except FileNotFoundError:
            raise DownloadError(f"{self.description} has no manifest {name}") from None

    def path_of(self, entry: FileEntry) -> Path:
        vid = entry.version_id
        if vid:
            if "/" in vid or vid in {".", ".."}:
                raise DownloadError(f"{entry.key}: version_id {vid!r} is not a plain name")
            older = self.root / ".versions" / vid / entry.key
            if older.is_file():
                return older
        return self.root / entry.key

    def size(self, entry: FileEntry) -> int:
        try:
            return self.path_of(entry).stat().st_size
        except FileNotFoundError:
            raise DownloadError(f"{self.description} has no {entry.key}") from None

    def sizes(
        self, entries: Iterable[FileEntry], *, cancel: threading.Event | None = None
    ) -> list[int | None]:
        """Each entry's size in bytes, None where the mirror lacks it (or after a cancel)."""
        found: list[int | None] = []
        for entry in entries:
            size = None
            if cancel is None or not cancel.is_set():
                try:
                    size = self.path_of(entry).stat().st_size
                except (DownloadError, OSError):
                    size = None
            found.append(size)
        return found

    def open(self, entry: FileEntry, start: int = 0) -> Stream:
        path = self.path_of(entry)
        try:
            handle = path.open("rb")
        except FileNotFoundError:
            raise DownloadError(f"{self.description} has no {entry.key}") from None
        total = os.fstat(handle.fileno()).st_size
        handle.seek(start)

        def chunks() -> Iterator[bytes]:
            with handle:
                while block := handle.read(CHUNK):
                    yield block

        return Stream(chunks(), start, total, handle.close)

    # byte ranges, for reading a file in place without downloading it (vbn_widgets.session)
    def stat(self, entry: FileEntry) -> tuple[int, str]:
        """(size, a tag that changes when the file does: size and modification time)."""
        try:
            info = self.path_of(entry).stat()
        except FileNotFoundError:
            raise DownloadError(f"{self.description} has no {entry.key}") from None
        return info.st_size, f"{info.st_size}-{info.st_mtime_ns}"

    def read_range(
        self, entry: FileEntry, start: int, stop: int, *, etag: str | None = None
    ) -> bytes:
        """Bytes ``start`` to ``stop - 1``; ``etag`` (from ``stat``) must still match."""
        path = self.path_of(entry)
        try:
            with path.open("rb") as handle:
                if etag is not None:
                    info = os.fstat(handle.fileno())
                    if f"{info.st_size}-{info.st_mtime_ns}" != etag:
                        raise DownloadError(f"{entry.key} changed in {self.description}")
                handle.seek(start)
                return handle.read(stop - start)
        except FileNotFoundError:
            raise DownloadError(f"{self.description} has no {entry.key}") from None


def _s3_client(region: str, endpoint_url: str | None, max_attempts: int):
    import boto3
    from botocore import UNSIGNED
    from botocore.config import Config

    config = Config(
        signature_version=UNSIGNED,
        region_name=region,
        retries={"mode": "standard", "max_attempts": max_attempts},
        connect_timeout=10,
        read_timeout=60,
    )
    return boto3.session.Session().client("s3", endpoint_url=endpoint_url, config=config)


def _transient_errors() -> tuple[type[BaseException], ...]:
    from botocore.exceptions import (
        ConnectionClosedError,
        EndpointConnectionError,
        IncompleteReadError,
        ReadTimeoutError,
        ResponseStreamingError,
    )
    from urllib3.exceptions import HTTPError as Urllib3Error

    return (
        ConnectionClosedError,
        EndpointConnectionError,
        IncompleteReadError,
        ReadTimeoutError,
        ResponseStreamingError,
        Urllib3Error,
        ConnectionError,
    )


class S3Source:
    """The versioned public bucket, read anonymously (UNSIGNED) in us-west-2.

    ``endpoint_url`` points the client at another S3 server (a test server, a proxy); otherwise
    boto3's own resolution applies, including ``AWS_ENDPOINT_URL_S3``. Request-level retries are
    botocore's "standard" mode with exponential backoff.
    """

    def __init__(
        self,
        bucket: str = BUCKET,
        *,
        endpoint_url: str | None = None,
        region: str = "us-west-2",
        max_attempts: int = 5,
        client=None,
    ) -> None:
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self.region = region
        self.client = client or _s3_client(region, endpoint_url, max_attempts)
        self.description = f"s3://{bucket}" + (f" at {endpoint_url}" if endpoint_url else "")

    def _call(self, what: str, fn, **kwargs):
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            return fn(**kwargs)
        except ClientError as err:
            code = err.response.get("Error", {}).get("Code", "?")
            if code in {"SlowDown", "RequestTimeout", "InternalError", "ServiceUnavailable"}:
                raise TransientSourceError(f"{what}: {code} from {self.description}") from err
            if code in _DENIED:
                raise AccessDeniedError(
                    f"{what}: access denied ({code}) by {self.description}"
                ) from err
            raise DownloadError(f"{what}: {code} from {self.description}") from err
        except _transient_errors() as err:
            raise TransientSourceError(f"{what}: {err}") from err
        except BotoCoreError as err:
            raise DownloadError(f"{what}: {err}") from err

    def list_manifest_names(self) -> list[str]:
        names: list[str] = []
        token = None
        while True:
            kwargs = {"Bucket": self.bucket, "Prefix": MANIFEST_DIR}
            if token:
                kwargs["ContinuationToken"] = token
            page = self._call(f"listing {MANIFEST_DIR}", self.client.list_objects_v2, **kwargs)
            names += [obj["Key"].rsplit("/", 1)[-1] for obj in page.get("Contents", [])]
            if not page.get("IsTruncated"):
                return sort_manifest_names(names)
            token = page["NextContinuationToken"]

    def read_manifest(self, name: str) -> bytes:
        if not is_manifest_name(name):
            raise DownloadError(f"{name!r} is not a manifest file name")
        key = MANIFEST_DIR + name
        reply = self._call(key, self.client.get_object, Bucket=self.bucket, Key=key)
        return self._read_all(key, reply["Body"])

    def _read_all(self, key: str, body) -> bytes:
        try:
            return body.read()
        except _transient_errors() as err:
            raise TransientSourceError(f"{key}: {err}") from err

    def _object_kwargs(self, entry: FileEntry) -> dict:
        kwargs = {"Bucket": entry.bucket, "Key": entry.key}
        if entry.version_id:
            kwargs["VersionId"] = entry.version_id
        return kwargs

    def size(self, entry: FileEntry) -> int:
        reply = self._call(entry.key, self.client.head_object, **self._object_kwargs(entry))
        return int(reply["ContentLength"])

    def sizes(
        self, entries: Iterable[FileEntry], *, cancel: threading.Event | None = None
    ) -> list[int | None]:
        """Each entry's size: object versions listed under the keys' common prefix, matched by
        VersionId; a HEAD per entry where listing is refused. None where the object is missing."""
        from .s3_sizes import s3_sizes

        return s3_sizes(self, list(entries), cancel)

    def open(self, entry: FileEntry, start: int = 0) -> Stream:
        kwargs = self._object_kwargs(entry)
        if start:
            kwargs["Range"] = f"bytes={start}-"
        reply = self._call(entry.key, self.client.get_object, **kwargs)
        body = reply["Body"]
        length = int(reply["ContentLength"])
        content_range = reply.get("ContentRange")  # "bytes 100-999/1000"
        if start and content_range:
            total = int(content_range.rsplit("/", 1)[1])
        else:
            start, total = 0, length  # the server ignored the range: start over
        errors = _transient_errors()

        def chunks() -> Iterator[bytes]:
            try:
                yield from body.iter_chunks(CHUNK)
            except errors as err:
                raise TransientSourceError(f"{entry.key}: connection lost: {err}") from err
            finally:
                body.close()

        return Stream(chunks(), start, total, body.close)

    # byte ranges, for reading a file in place without downloading it (vbn_widgets.session)
    def stat(self, entry: FileEntry) -> tuple[int, str | None]:
        """(size, ETag) of the entry's object version (a HEAD request)."""
        reply = self._call(entry.key, self.client.head_object, **self._object_kwargs(entry))
        return int(reply["ContentLength"]), reply.get("ETag")

    def read_range(
        self, entry: FileEntry, start: int, stop: int, *, etag: str | None = None
    ) -> bytes:
        """Bytes ``start`` to ``stop - 1`` of the entry's object version, in one ranged GET.

        With ``etag`` the server refuses (412) an object that is no longer that one; a reply
        for another range, or a cut body, raises ``TransientSourceError`` (worth retrying).
        """
        kwargs = self._object_kwargs(entry)
        kwargs["Range"] = f"bytes={start}-{stop - 1}"
        if etag:
            kwargs["IfMatch"] = etag
        reply = self._call(entry.key, self.client.get_object, **kwargs)
        body = reply["Body"]
        try:
            content_range = reply.get("ContentRange") or ""
            if not content_range.startswith(f"bytes {start}-{stop - 1}/"):
                raise TransientSourceError(
                    f"{entry.key}: asked for bytes {start}-{stop - 1}, the server sent "
                    f"{content_range or 'no Content-Range'}"
                )
            if etag and reply.get("ETag") not in (None, etag):
                raise DownloadError(f"{entry.key}: ETag changed from {etag} to {reply['ETag']}")
            return self._read_all(entry.key, body)
        finally:
            body.close()
