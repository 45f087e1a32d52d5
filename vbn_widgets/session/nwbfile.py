"""Open an NWB file by path with h5py: no pynwb, no extension classes, the same code for every file.

Every error names the file (and the object inside it) so that a truncated download, a demo
stand-in or a corrupt block says what to delete or fetch again.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO, Any

import h5py
import numpy as np

from ..data.demo import STANDIN_HEADER
from .errors import SessionFileError, StandInFileError

HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"
# HDF5 looks for its superblock at 0, 512, 1024, 2048, ... (a user block may precede it).
_SIGNATURE_OFFSETS = (0, 512, 1024, 2048, 4096)


def _first_bytes(handle: IO[bytes], offset: int, count: int) -> bytes:
    handle.seek(offset)
    return handle.read(count)


def check_header(handle: IO[bytes], name: str) -> None:
    """Raise unless ``handle`` starts like an HDF5 file (a demo stand-in gets its own error)."""
    head = _first_bytes(handle, 0, max(len(STANDIN_HEADER), len(HDF5_SIGNATURE)))
    if head.startswith(STANDIN_HEADER[:-1]):
        raise StandInFileError(
            f"{name} is a vbn-widgets demo stand-in, not an NWB file: the demo release was "
            "written without NWB session files (regenerate it with genuine NWB files, or open "
            "a real release)"
        )
    if not head:
        raise SessionFileError(f"{name} is empty (0 bytes); delete it and download it again")
    for offset in _SIGNATURE_OFFSETS:
        if _first_bytes(handle, offset, len(HDF5_SIGNATURE)) == HDF5_SIGNATURE:
            return
    raise SessionFileError(f"{name} is not an HDF5 file (no HDF5 signature), so not an NWB file")


def text(value: Any) -> Any:
    """An HDF5 attribute or scalar as Python: bytes -> str, numpy scalars -> Python scalars,
    arrays of strings -> lists of str."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "SO":
            return [text(v) for v in value.tolist()]
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def _open_h5(target: Any) -> h5py.File:
    try:
        return h5py.File(target, "r")
    except OSError as err:
        # A read-only mount (a static cache) may refuse HDF5's file lock: read without it.
        if "lock" not in str(err).lower() or not isinstance(target, str):
            raise
        return h5py.File(target, "r", locking=False)


class NWBFile:
    """One NWB file open for reading (``h5py.File``); ``name`` is how errors refer to it."""

    def __init__(self, source: str | os.PathLike[str] | IO[bytes], name: str | None = None):
        self.path = None if hasattr(source, "read") else Path(source)
        self.name = name or (str(self.path) if self.path is not None else repr(source))
        self._fileobj: IO[bytes] | None = None
        if self.path is not None:
            try:
                handle = self.path.open("rb")
            except FileNotFoundError:
                raise SessionFileError(f"{self.name} does not exist") from None
            except OSError as err:
                raise SessionFileError(f"{self.name} cannot be opened: {err}") from err
            with handle:
                check_header(handle, self.name)
            target: Any = str(self.path)
        else:
            self._fileobj = source  # type: ignore[assignment]
            check_header(self._fileobj, self.name)
            self._fileobj.seek(0)
            target = self._fileobj
        try:
            self.h5 = _open_h5(target)
        except OSError as err:
            raise SessionFileError(
                f"{self.name} is truncated or corrupt: HDF5 cannot open it ({err}); "
                "delete it and download it again"
            ) from err
        kind = text(self.h5.attrs.get("neurodata_type", b""))
        if kind != "NWBFile":
            self.h5.close()
            raise SessionFileError(
                f"{self.name} is an HDF5 file but not an NWB file "
                f"(root neurodata_type is {kind or 'missing'!r})"
            )

    @property
    def fileobj(self) -> IO[bytes] | None:
        """The file object read from (a byte-range stream), or None for a path."""
        return self._fileobj

    @property
    def fetch_stats(self) -> Any:
        """Bytes and requests fetched so far when streamed (``FetchStats``); None for a path."""
        return getattr(self._fileobj, "stats", None)

    # access, with errors that name the file and the object
    @contextmanager
    def reading(self, what: str) -> Iterator[None]:
        """Turn an HDF5 or layout failure inside the block into a ``SessionFileError``."""
        try:
            yield
        except SessionFileError:
            raise
        except (OSError, RuntimeError, ValueError, TypeError, IndexError) as err:
            raise SessionFileError(
                f"{self.name}: cannot read {what}: {err} (the file may be truncated or corrupt)"
            ) from err
        except KeyError as err:
            raise SessionFileError(f"{self.name}: {what} is missing ({err})") from err

    def get(self, path: str) -> h5py.Group | h5py.Dataset | None:
        with self.reading(path):
            try:
                return self.h5[path]
            except KeyError as err:
                if not self._linked(path):
                    return None
                # The link is there but its object cannot be read: a damaged object header.
                raise SessionFileError(
                    f"{self.name}: cannot read {path}: {err} (the file is corrupt; delete it and "
                    "download it again)"
                ) from err

    def _linked(self, path: str) -> bool:
        parent, _, name = path.strip("/").rpartition("/")
        try:
            group = self.h5[parent] if parent else self.h5
            return name in group
        except (KeyError, OSError, RuntimeError):
            return False

    def require(self, path: str) -> Any:
        found = self.get(path)
        if found is None:
            raise SessionFileError(f"{self.name} has no {path}: not a VBN session file?")
        return found

    def attrs(self, path: str) -> dict[str, Any]:
        obj = self.get(path)
        if obj is None:
            return {}
        with self.reading(f"the attributes of {path}"):
            return {k: text(v) for k, v in obj.attrs.items()}

    def scalar(self, path: str, default: Any = None) -> Any:
        """A scalar dataset (``/identifier``, ``/general/subject/age``) as Python."""
        obj = self.get(path)
        if obj is None:
            return default
        with self.reading(path):
            return text(obj[()])

    def read(self, dataset: h5py.Dataset, selection: Any = ()) -> np.ndarray:
        with self.reading(dataset.name):
            if h5py.check_string_dtype(dataset.dtype) is not None:
                return np.asarray(dataset.asstr()[selection], dtype=object)
            return dataset[selection]

    def close(self) -> None:
        try:
            self.h5.close()
        finally:
            if self._fileobj is not None:
                self._fileobj.close()

    def __enter__(self) -> NWBFile:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
