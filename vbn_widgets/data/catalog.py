"""The files of a release grouped the way a user thinks of them: metadata tables, then per ecephys
session its NWB file and its probes' LFP files, then behavior-only sessions.

Grouping comes from the bucket keys alone, so it works without any table::

    v0.3.0   ecephys_sessions/ecephys_session_<id>.nwb
    v0.4.0+  behavior_ecephys_sessions/<id>/ecephys_session_<id>.nwb
             behavior_ecephys_sessions/<id>/probe_<name>_lfp.nwb
             behavior_only_sessions/<id>/behavior_session_<id>.nwb

Session metadata (mouse, genotype, date, ...) comes from the session tables when they load.
"""

from __future__ import annotations

import datetime
import math
import numbers
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import pandas as pd

from .errors import VBNDataError
from .files import FileState
from .manifest import PROJECT, FileEntry

if TYPE_CHECKING:
    from .cache import VBNCache

__all__ = [
    "Catalog",
    "CatalogFile",
    "CatalogSession",
    "FileKind",
    "build_catalog",
    "classify_key",
    "to_session_id",
]

FileKind = Literal["metadata", "ecephys_nwb", "lfp_nwb", "behavior_nwb", "other"]
METADATA_ORDER = ("ecephys_sessions", "behavior_sessions", "probes", "channels", "units")
_SESSION = r"behavior_ecephys_sessions/(?P<id>\d+)/"
_PATTERNS: tuple[tuple[FileKind, re.Pattern[str]], ...] = (
    ("ecephys_nwb", re.compile(r"ecephys_sessions/ecephys_session_(?P<id>\d+)\.nwb")),
    ("ecephys_nwb", re.compile(_SESSION + r"ecephys_session_(?P=id)\.nwb")),
    ("lfp_nwb", re.compile(_SESSION + r"probe_(?P<probe>\w+)_lfp\.nwb")),
    (
        "behavior_nwb",
        re.compile(r"behavior_only_sessions/(?P<id>\d+)/behavior_session_(?P=id)\.nwb"),
    ),
)


@dataclass(frozen=True)
class CatalogFile:
    ref: str | int  # what VBNCache.download/file_status take: table name or int file_id
    key: str
    kind: FileKind
    label: str
    session_id: int | None  # ecephys_session_id, or behavior_session_id for behavior_nwb
    probe: str | None
    entry: FileEntry


@dataclass(frozen=True)
class CatalogSession:
    kind: Literal["ecephys", "behavior"]
    session_id: int
    mouse_id: str | None
    genotype: str | None
    date: str | None  # ISO date of date_of_acquisition (UTC)
    experience_level: str | None
    session_type: str | None
    files: tuple[CatalogFile, ...]  # ecephys: the NWB file first, then LFP files by probe


@dataclass(frozen=True)
class Catalog:
    manifest_name: str
    metadata: tuple[CatalogFile, ...]
    ecephys: tuple[CatalogSession, ...]
    behavior: tuple[CatalogSession, ...]
    other: tuple[CatalogFile, ...]
    problems: tuple[str, ...] = ()  # why session metadata is missing, if it is

    def __post_init__(self) -> None:
        # look-up tables; an ecephys id wins a clash with a behavior id
        keys = {f.key: f for f in self.files()}
        sessions = {s.session_id: s for s in (*self.behavior, *self.ecephys)}
        object.__setattr__(self, "_keys", keys)
        object.__setattr__(self, "_sessions", sessions)

    def files(self) -> list[CatalogFile]:
        """Every file once, in display order."""
        out = list(self.metadata)
        for session in (*self.ecephys, *self.behavior):
            out += session.files
        return out + list(self.other)

    def by_key(self, key: str) -> CatalogFile:
        try:
            return self._keys[key]
        except KeyError:
            raise KeyError(f"{key!r} is not a file of {self.manifest_name}") from None

    def session(self, session_id: int) -> CatalogSession:
        number = to_session_id(session_id)
        try:
            return self._sessions[number]
        except KeyError:
            raise KeyError(f"session {number} is not in {self.manifest_name}") from None

    def files_for_sessions(self, ids: Iterable[int]) -> tuple[list[CatalogFile], list[int]]:
        """(files of those sessions, ids that are no session of this release), each once."""
        files: list[CatalogFile] = []
        unknown: list[int] = []
        seen: set[int] = set()
        for raw in ids:
            number = to_session_id(raw)
            if number in seen:
                continue
            seen.add(number)
            if number in self._sessions:
                files += self._sessions[number].files
            else:
                unknown.append(number)
        return files, unknown


def to_session_id(value: object) -> int:
    """An int session id from an int, a numpy int, a whole float or a string of digits."""
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    if isinstance(value, numbers.Real) and not isinstance(value, bool):
        number = float(value)
        if math.isfinite(number) and number.is_integer():
            return int(number)
    raise ValueError(f"{value!r} is not a session id (an integer)")


def classify_key(key: str) -> tuple[FileKind, int | None, str | None]:
    """(kind, session id, probe name) of a data file's bucket key."""
    rest = key.removeprefix(f"{PROJECT}/")
    for kind, pattern in _PATTERNS:
        match = pattern.fullmatch(rest)
        if match:
            probe = match.groupdict().get("probe")
            return kind, int(match["id"]), probe
    return "other", None, None


def _label(kind: FileKind, entry: FileEntry, probe: str | None) -> str:
    if kind == "lfp_nwb":
        return f"{probe} LFP"
    if kind == "other":
        return entry.relative_path
    return entry.key.rsplit("/", 1)[-1]


def _missing(value: object) -> bool:
    return value is None or (pd.api.types.is_scalar(value) and bool(pd.isna(value)))


def _text(value: object) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, numbers.Real) and float(value).is_integer():
        return str(int(value))  # ids read as floats print as ints
    return str(value)


def _date(value: object) -> str | None:
    if _missing(value):
        return None
    if isinstance(value, pd.Timestamp):
        return (value.tz_convert("UTC") if value.tzinfo else value).date().isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()[:10]
    return str(value)[:10]


_META_COLUMNS = ("mouse_id", "genotype", "date_of_acquisition", "experience_level", "session_type")


def _rows(table: pd.DataFrame) -> dict[int, dict]:
    """session id -> {column: value} of the columns the catalog shows (one pass, not .loc)."""
    columns = [c for c in _META_COLUMNS if c in table.columns]
    return table[columns].to_dict("index")


def _meta(rows: dict[int, dict] | None, number: int, ecephys: bool) -> dict:
    row = (rows or {}).get(number) or {}
    return {
        "mouse_id": _text(row.get("mouse_id")),
        "genotype": _text(row.get("genotype")),
        "date": _date(row.get("date_of_acquisition")),
        "experience_level": _text(row.get("experience_level")) if ecephys else None,
        "session_type": _text(row.get("session_type")),
    }


def _tables(cache: VBNCache, fetch_tables: bool) -> tuple[dict, list[str]]:
    tables: dict = {}
    problems: list[str] = []
    for name, load in (
        ("ecephys_sessions", lambda: cache.get_ecephys_session_table(filter_abnormalities=False)),
        ("behavior_sessions", cache.get_behavior_session_table),
    ):
        if name not in cache.manifest.raw["metadata_files"]:
            continue
        if not fetch_tables and cache.file_status(name).state is not FileState.VERIFIED:
            continue
        try:
            tables[name] = _rows(load())
        except (VBNDataError, OSError) as err:
            problems.append(f"session metadata from {name} unavailable: {err}")
    return tables, problems


def build_catalog(cache: VBNCache, *, fetch_tables: bool = True) -> Catalog:
    """The catalog of the cache's current manifest.

    ``fetch_tables=False`` reads the session tables only if they are already on disk (no download).
    """
    manifest = cache.manifest
    names = list(manifest.raw["metadata_files"])
    ordered = [n for n in METADATA_ORDER if n in names] + [
        n for n in names if n not in METADATA_ORDER
    ]
    metadata = tuple(
        CatalogFile(n, e.key, "metadata", e.key.rsplit("/", 1)[-1], None, None, e)
        for n, e in ((n, manifest.metadata_entry(n)) for n in ordered)
    )
    grouped: dict[tuple[str, int], list[CatalogFile]] = {}
    other: list[CatalogFile] = []
    for file_id, entry in sorted(manifest.data_files.items()):
        kind, number, probe = classify_key(entry.key)
        item = CatalogFile(
            file_id, entry.key, kind, _label(kind, entry, probe), number, probe, entry
        )
        if number is None:
            other.append(item)
        else:
            group = "behavior" if kind == "behavior_nwb" else "ecephys"
            grouped.setdefault((group, number), []).append(item)
    tables, problems = _tables(cache, fetch_tables)
    sessions: dict[str, list[CatalogSession]] = {"ecephys": [], "behavior": []}
    for (group, number), files in sorted(grouped.items()):
        files.sort(key=lambda f: (f.kind != "ecephys_nwb", f.probe or "", f.key))
        table = tables.get(f"{group}_sessions")
        meta = _meta(table, number, group == "ecephys")
        sessions[group].append(CatalogSession(group, number, files=tuple(files), **meta))
    return Catalog(
        manifest_name=manifest.name,
        metadata=metadata,
        ecephys=tuple(sessions["ecephys"]),
        behavior=tuple(sessions["behavior"]),
        other=tuple(sorted(other, key=lambda f: f.key)),
        problems=tuple(problems),
    )
