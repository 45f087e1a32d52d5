"""Fetch one file so that nothing unverified ever sits under its final name.

Bytes go to a hidden ``.part`` file beside the destination, keyed by the expected hash; a cut
connection resumes from the part's length with a ranged GET (retried with exponential backoff by
tenacity); the whole file is checked against the manifest's BLAKE2b and only then renamed into
place with an atomic ``os.replace``. An inter-process file lock makes two kernels fetching the
same file end with one verified copy. A cancel keeps the part (state "partial") for a later resume.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from hashlib import blake2b
from pathlib import Path

from filelock import FileLock, Timeout
from tenacity import (
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    wait_random_exponential,
)

from .errors import DownloadCancelled, DownloadError, HashMismatchError
from .layout import CacheLayout, hash_file
from .manifest import FileEntry
from .manifest_rules import shown
from .sources import Source, Stream, TransientSourceError


@dataclass(frozen=True)
class FileProgress:
    """Reported after every chunk: ``bytes_done`` of ``bytes_total`` for ``key``."""

    key: str
    path: Path
    bytes_done: int
    bytes_total: int

    @property
    def fraction(self) -> float:
        return self.bytes_done / self.bytes_total if self.bytes_total else 1.0


ProgressCallback = Callable[[FileProgress], None]


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 6
    initial_wait: float = 0.5
    max_wait: float = 20.0


def _hash_prefix(part: Path) -> tuple[blake2b, int]:
    digest = blake2b()
    size = 0
    with part.open("rb") as handle:
        while chunk := handle.read(1 << 22):
            digest.update(chunk)
            size += len(chunk)
    return digest, size


def _transfer(  # noqa: PLR0917 - private, called once by tenacity with positional args
    source: Source,
    entry: FileEntry,
    part: Path,
    final: Path,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> blake2b:
    """One attempt: append to ``part`` from where it ends. Returns the digest of the whole part."""
    if cancel is not None and cancel.is_set():  # e.g. during the wait before a retry
        raise DownloadCancelled(f"{entry.key}: cancelled before the transfer (re)started")
    digest, have = _hash_prefix(part) if part.exists() else (blake2b(), 0)
    if have:
        total = source.size(entry)
        if have == total:  # complete but never renamed (e.g. the process died)
            return digest
        if have > total:
            digest, have = blake2b(), 0
    stream = source.open(entry, start=have)
    try:
        return _append(stream, entry, part, final, digest, have, progress, cancel)
    finally:
        stream.close()  # also on a cancel or a cut: release the connection now


def _append(  # noqa: PLR0917 - private, one caller
    stream: Stream,
    entry: FileEntry,
    part: Path,
    final: Path,
    digest: blake2b,
    have: int,
    progress: ProgressCallback | None,
    cancel: threading.Event | None,
) -> blake2b:
    if stream.start != have:  # the source could not resume: start over
        digest, have = blake2b(), 0
    if stream.total == 0:
        part.write_bytes(b"")
        return digest
    mode = "r+b" if have else "wb"
    with part.open(mode) as out:
        out.seek(have)
        out.truncate()
        done = have
        for chunk in stream:
            if cancel is not None and cancel.is_set():
                raise DownloadCancelled(f"{entry.key}: cancelled at {done} of {stream.total} bytes")
            out.write(chunk)
            digest.update(chunk)
            done += len(chunk)
            if progress is not None:
                progress(FileProgress(entry.key, final, done, stream.total))
        out.flush()
        os.fsync(out.fileno())
    if done != stream.total:
        raise TransientSourceError(f"{entry.key}: stream ended at {done} of {stream.total} bytes")
    return digest


def _acquire(lock: FileLock, cancel: threading.Event | None, key: str) -> None:
    """Take the file's lock; a cancel is noticed while another process holds it."""
    if cancel is None:
        lock.acquire()
        return
    while True:
        try:
            lock.acquire(timeout=0.25)
        except Timeout:
            if cancel.is_set():
                raise DownloadCancelled(
                    f"{key}: cancelled while another download of it held the lock"
                ) from None
        else:
            return


def fetch_verified(
    source: Source,
    entry: FileEntry,
    final: Path,
    layout: CacheLayout,
    *,
    progress: ProgressCallback | None = None,
    cancel: threading.Event | None = None,
    retry: RetryPolicy | None = None,
) -> Path:
    """Download ``entry`` to ``final`` (verified, atomic), unless a verified copy is there."""
    retry = retry or RetryPolicy()
    layout.check(final, f"key {shown(entry.key)}")  # the caller's path, checked again here
    final.parent.mkdir(parents=True, exist_ok=True)
    part = layout.part_path(final, entry)
    lock = layout.file_lock(final)
    _acquire(lock, cancel, entry.key)
    try:
        if final.is_file() and hash_file(final) == entry.file_hash:
            return final  # another process finished it while we waited for the lock
        retrying = Retrying(
            retry=retry_if_exception_type(TransientSourceError),
            stop=stop_after_attempt(retry.attempts),
            wait=wait_random_exponential(multiplier=retry.initial_wait, max=retry.max_wait),
            sleep=cancel.wait if cancel is not None else time.sleep,  # a cancel cuts the wait
            reraise=True,
        )
        try:
            digest = retrying(_transfer, source, entry, part, final, progress, cancel)
        except TransientSourceError as err:
            raise DownloadError(
                f"{entry.key}: gave up after {retry.attempts} attempts ({err}); "
                f"{part.stat().st_size if part.exists() else 0} bytes kept for a later resume"
            ) from err
        if digest.hexdigest() != entry.file_hash:
            part.unlink(missing_ok=True)
            raise HashMismatchError(entry.key, entry.file_hash, digest.hexdigest())
        part.replace(final)
    finally:
        lock.release()
    return final
