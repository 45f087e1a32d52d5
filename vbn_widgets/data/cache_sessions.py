"""``get_ecephys_session`` / ``get_behavior_session`` for ``VBNCache``: open a session file from
wherever it is.

``source`` chooses how (default ``"auto"``):

- ``"auto"``: a verified local copy (or the file on a static mount) is opened in place; otherwise
  the file is streamed by byte ranges from the cache's source, nothing downloaded whole.
- ``"local"``: only a verified local copy (or the static mount); never touches the network.
- ``"stream"``: byte ranges from the source even if a local copy exists.
- ``"download"``: the verified download first (temporary file, BLAKE2b, atomic rename), then open.

Streamed bytes are kept in ``<cache_dir>/.vbn_widgets/blocks/`` so that opening the session
again fetches (almost) nothing.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Literal

import pandas as pd

from .errors import ReadOnlyCacheError
from .layout import PRIVATE_DIR, CacheLayout
from .manifest import FileEntry
from .sources import MirrorSource, S3Source

if TYPE_CHECKING:  # imported on first use: h5py stays out of `import vbn_widgets.data`
    from ..session import BehaviorEcephysSession, BehaviorSession
    from ..session.nwbfile import NWBFile
    from ..session.stream import RemoteFile

SessionSource = Literal["auto", "local", "stream", "download"]
SOURCES = ("auto", "local", "stream", "download")
BLOCKS_DIR = "blocks"


def source_identity(source: S3Source | MirrorSource) -> str:
    """Where the bytes come from, for the block cache: the bucket (not the endpoint, which may be
    a proxy or a test server; version id and ETag pin the bytes), or the mirror folder."""
    if isinstance(source, S3Source):
        return f"s3://{source.bucket}"
    return f"mirror:{source.root}"


class _EntryRanges:
    """``RangeReader`` for one manifest entry of an ``S3Source`` or ``MirrorSource``."""

    def __init__(self, source: S3Source | MirrorSource, entry: FileEntry, etag: str | None):
        self.source, self.entry, self.etag = source, entry, etag

    def read_range(self, start: int, stop: int) -> bytes:
        return self.source.read_range(self.entry, start, stop, etag=self.etag)


class SessionAccess:
    """Mixed into ``VBNCache``: session objects with AllenSDK's names, read lazily."""

    def get_ecephys_session(
        self, ecephys_session_id: int, *, source: SessionSource = "auto"
    ) -> BehaviorEcephysSession:
        """The ecephys session ``ecephys_session_id`` of the current manifest.

        ``source``: "auto" (local if verified, else streamed), "local", "stream" or "download".
        """
        from ..session import BehaviorEcephysSession
        from ..session.errors import NoLFPError

        row = self._session_row("ecephys_sessions", ecephys_session_id)
        entry = self.manifest.data_entry(row["file_id"])
        probes = self.get_probe_table()
        mine = probes[probes["ecephys_session_id"] == int(ecephys_session_id)]
        lfp_files: dict[int, object] = {}
        if "file_id" in mine.columns:
            for pid, has, fid in zip(
                mine.index, mine["has_lfp_data"], mine["file_id"], strict=True
            ):
                if bool(has) and pd.notna(fid) and int(fid) >= 0:
                    lfp_files[int(pid)] = fid

        def open_lfp(probe) -> NWBFile:
            fid = lfp_files.get(probe.id)
            if fid is None:
                raise NoLFPError(
                    f"probe {probe.id} of session {ecephys_session_id} has no LFP file"
                )
            return self._open_entry(self.manifest.data_entry(fid), source)

        return BehaviorEcephysSession(
            self._open_entry(entry, source),
            lfp_opener=open_lfp,
            lfp_available={int(p): True for p in lfp_files}
            | {int(p): False for p in mine.index if int(p) not in lfp_files},
        )

    def get_behavior_session(
        self, behavior_session_id: int, *, source: SessionSource = "auto"
    ) -> BehaviorSession:
        """A behavior session (``behavior_session_<id>.nwb``, or the behavior parts of the ecephys
        file of a session recorded with ecephys); ``source`` as above."""
        from ..session import BehaviorSession

        row = self._session_row("behavior_sessions", behavior_session_id)
        # A behavior session recorded with ecephys points at the ecephys file (as in AllenSDK,
        # which then reads the behavior parts of that file).
        entry = self.manifest.data_entry(row["file_id"])
        return BehaviorSession(self._open_entry(entry, source))

    # helpers
    def _session_row(self, table: str, session_id: int) -> pd.Series:
        from ..session.errors import UnknownSessionError

        frame = (
            self.get_ecephys_session_table(filter_abnormalities=False)
            if table == "ecephys_sessions"
            else self.get_behavior_session_table()
        )
        try:
            key = int(session_id)
        except (TypeError, ValueError):
            raise UnknownSessionError(f"{session_id!r} is not a session id") from None
        if key not in frame.index:
            kind = "ecephys" if table == "ecephys_sessions" else "behavior"
            raise UnknownSessionError(
                f"{kind} session {key} is not in {self.manifest.name} ({len(frame)} {kind} "
                f"sessions; see get_{table[:-1]}_table())"
            )
        row = frame.loc[key]
        fid = row.get("file_id")
        if fid is None or pd.isna(fid) or int(fid) < 0:
            raise UnknownSessionError(f"session {key} has no data file in {self.manifest.name}")
        return row

    def _open_entry(self, entry: FileEntry, source: SessionSource) -> NWBFile:
        from ..session.nwbfile import NWBFile

        if source not in SOURCES:
            raise ValueError(f"source must be one of {SOURCES}, not {source!r}")
        path = self.layout.local_path(self.manifest, entry)
        if not isinstance(self.layout, CacheLayout):  # static mount: in place, never written
            if not path.is_file():
                raise ReadOnlyCacheError(f"{entry.key} is not on the static mount {path}")
            return NWBFile(path)
        if source == "download":
            return NWBFile(self.fetch_entry(self.manifest, entry))
        verified = path.is_file() and (
            self.layout.read_downloaded().get(str(path.resolve())) == entry.file_hash
        )
        if source in ("auto", "local") and verified:
            return NWBFile(path)
        if source == "local" or self.source is None:
            raise ReadOnlyCacheError(
                f"{entry.key} has no verified local copy at {path}"
                + ("" if self.source else "; this local-only cache has no source to stream from")
            )
        return NWBFile(self.stream_file(entry), name=f"{self.source.description}/{entry.key}")

    def stream_file(self, entry: FileEntry, **options) -> RemoteFile:
        """A read-only file object over ``entry`` fetched by byte ranges through the block cache."""
        from ..session.stream import RemoteFile, RemoteObject

        source = self.source
        if not isinstance(source, (S3Source, MirrorSource)):
            raise ReadOnlyCacheError(f"{entry.key}: the source {source!r} cannot be streamed")
        size, etag = source.stat(entry)
        obj = RemoteObject(source_identity(source), entry.key, entry.version_id, etag, size)
        root = Path(self.layout.root) / PRIVATE_DIR / BLOCKS_DIR
        reader = _EntryRanges(source, entry, etag)
        return RemoteFile(reader, obj, cache_root=root, retry=self.retry, **options)
