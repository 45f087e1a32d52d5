"""The release manifest: parsing, validation, semver ordering, and comparison of two versions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from .errors import ManifestError
from .manifest_rules import (
    URL,
    file_hash_problem,
    file_id_problem,
    group_is_clean,
    key_problem,
    project_name_problem,
    semver_problem,
    shown,
    version_id_problem,
)

PROJECT = "visual-behavior-neuropixels"
BUCKET = "visual-behavior-neuropixels-data"
MANIFEST_PREFIX = f"{PROJECT}_project_manifest_v"
METADATA_TABLES = ("units", "probes", "channels", "ecephys_sessions", "behavior_sessions")

_MANIFEST_NAME = re.compile(
    rf"^{re.escape(MANIFEST_PREFIX)}(?P<version>[0-9][0-9A-Za-z.+-]*)\.json$"
)


def manifest_file_name(version: str) -> str:
    return f"{MANIFEST_PREFIX}{version}.json"


def manifest_version(name: str) -> Version:
    """The semver of a manifest file name; ValueError naming the name if it is not one."""
    match = _MANIFEST_NAME.match(name)
    if not match:
        raise ValueError(f"{name!r} is not a manifest file name ({MANIFEST_PREFIX}<version>.json)")
    try:
        return Version(match["version"])
    except InvalidVersion as err:
        raise ValueError(f"{name!r}: {match['version']!r} is not a version") from err


def is_manifest_name(name: str) -> bool:
    try:
        manifest_version(name)
    except ValueError:
        return False
    return True


def sort_manifest_names(names: Iterable[str]) -> list[str]:
    """Oldest first by semver (v0.10.0 after v0.9.0), ignoring names that are not manifests."""
    return sorted((n for n in names if is_manifest_name(n)), key=manifest_version)


@dataclass(frozen=True)
class FileEntry:
    """One file of a release: where it is in the bucket, which object version, its BLAKE2b."""

    name: str  # metadata table name, or str(file_id) for a data file
    url: str
    version_id: str | None
    file_hash: str
    bucket: str
    key: str

    @property
    def relative_path(self) -> str:
        """Key without its first folder (the project's, as AllenSDK strips it): the path under
        a version folder of the cache."""
        return self.key.split("/", 1)[1] if "/" in self.key else self.key


_URL_ONE = re.compile(URL)


def split_url(url: str) -> tuple[str, str]:
    """(bucket, key) of an S3 https URL as manifests write them."""
    match = _URL_ONE.fullmatch(url)
    if not match:
        raise ValueError(f"{shown(url)} is not an https URL of an object in an S3 bucket")
    return match["bucket"], match["key"]


def _entry(source: str, where: str, name: str, raw: object, project_name: str) -> FileEntry:
    """One checked entry; a ManifestError naming the manifest, the entry and the field if not."""
    place = f"{source}: {where}[{shown(name, 40)}]"
    if not isinstance(raw, Mapping):
        raise ManifestError(f"{place} must be an object, got {shown(raw, 80)}")
    missing = [k for k in ("url", "file_hash") if not isinstance(raw.get(k), str)]
    if missing:
        raise ManifestError(f"{place} lacks string field(s) {missing}")
    version_id = raw.get("version_id")
    problem = version_id_problem(version_id)
    if problem:
        raise ManifestError(f"{place}.version_id {problem}")
    file_hash = raw["file_hash"].lower()
    problem = file_hash_problem(file_hash)
    if problem:
        raise ManifestError(f"{place}.file_hash {problem}")
    try:
        bucket, key = split_url(raw["url"])
    except ValueError as err:
        raise ManifestError(f"{place}.url: {err}") from None
    problem = key_problem(key, project_name)
    if problem:
        raise ManifestError(f"{place}.url: the key {shown(key)} {problem}")
    return FileEntry(name, raw["url"], version_id, file_hash, bucket, key)


def _checked_entry(name: str, raw: dict) -> FileEntry:
    """An entry of a group that ``_validate_group`` passed as a whole."""
    bucket, key = split_url(raw["url"])
    return FileEntry(name, raw["url"], raw.get("version_id"), raw["file_hash"].lower(), bucket, key)


def _validate_group(source: str, where: str, group: dict, project_name: str) -> None:
    """Check every entry of a group: all at once when they are clean, else one by one."""
    if not group_is_clean(list(group.values()), project_name):
        for name, raw in group.items():
            _entry(source, where, str(name), raw, project_name)  # raises, naming the first bad one


def _check_top(source: str, raw: dict) -> None:
    """The fields that name folders (project_name, manifest_version) and the data file ids."""
    needed = ("project_name", "manifest_version", "metadata_files", "data_files")
    missing = [k for k in needed if k not in raw]
    if missing:
        raise ManifestError(f"{source}: missing top-level key(s) {missing}")
    problem = project_name_problem(raw["project_name"])
    if problem:
        raise ManifestError(f"{source}: project_name {problem}")
    problem = semver_problem(raw["manifest_version"])
    if problem:
        raise ManifestError(f"{source}: manifest_version {problem}")
    if not isinstance(raw["metadata_files"], dict) or not isinstance(raw["data_files"], dict):
        raise ManifestError(f"{source}: metadata_files and data_files must be objects")
    for key in raw["data_files"]:
        problem = file_id_problem(key)
        if problem:
            raise ManifestError(f"{source}: data_files key {problem}")


class Manifest:
    """A parsed, validated manifest. ``source`` names where it came from, for error messages."""

    def __init__(
        self, name: str, raw: dict, source: str, version: Version, checked: Iterable[str] = ()
    ) -> None:
        self.name = name
        self.raw = raw
        self.source = source
        self.version = version
        self.project_name: str = raw["project_name"]  # checked: a safe folder name
        self.data_pipeline = tuple(p for p in raw.get("data_pipeline", []) if isinstance(p, dict))
        self._data_ids = {int(k): k for k in raw["data_files"]}
        self._built: dict[str, FileEntry] = {}
        self._checked = set(checked)  # groups whose every entry passed; others are checked on use

    def __repr__(self) -> str:
        return f"Manifest({self.name!r}, {len(self._data_ids)} data files)"

    @property
    def version_folder(self) -> str:
        """The cache folder AllenSDK keeps this version's files in."""
        return f"{self.project_name}-{self.raw['manifest_version']}"

    @classmethod
    def from_bytes(
        cls, data: bytes, name: str, source: str | None = None, *, lazy: bool = False
    ) -> Manifest:
        """Parse and validate; ``lazy`` defers checking data_files entries until they are used."""
        source = source or name
        try:
            raw = json.loads(data.decode("utf-8-sig"))
        except UnicodeDecodeError as err:
            raise ManifestError(f"{source}: not UTF-8 text ({err.reason})") from None
        except json.JSONDecodeError as err:
            raise ManifestError(
                f"{source}: invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}"
            ) from None
        return cls.from_dict(raw, name, source, lazy=lazy)

    @classmethod
    def from_dict(
        cls, raw: object, name: str, source: str | None = None, *, lazy: bool = False
    ) -> Manifest:
        source = source or name
        if not isinstance(raw, dict):
            raise ManifestError(f"{source}: top level must be a JSON object")
        _check_top(source, raw)
        project_name = raw["project_name"]
        _validate_group(source, "metadata_files", raw["metadata_files"], project_name)
        if not lazy:
            _validate_group(source, "data_files", raw["data_files"], project_name)
        checked = ("metadata_files",) if lazy else ("metadata_files", "data_files")
        return cls(name, raw, source, Version(raw["manifest_version"]), checked)

    def _build(self, group: str, key: str) -> FileEntry:
        tag = f"{group}/{key}"
        if tag not in self._built:
            raw = self.raw[group][key]
            if group in self._checked:
                self._built[tag] = _checked_entry(key, raw)
            else:
                self._built[tag] = _entry(self.source, group, key, raw, self.project_name)
        return self._built[tag]

    def _check(self, group: str) -> None:
        """Check a whole group at once (faster than entry by entry), naming the first fault."""
        if group not in self._checked:
            _validate_group(self.source, group, self.raw[group], self.project_name)
            self._checked.add(group)

    @property
    def metadata_files(self) -> dict[str, FileEntry]:
        return {k: self._build("metadata_files", k) for k in self.raw["metadata_files"]}

    @property
    def data_files(self) -> dict[int, FileEntry]:
        self._check("data_files")
        return {i: self._build("data_files", k) for i, k in self._data_ids.items()}

    def metadata_entry(self, table: str) -> FileEntry:
        if table not in self.raw["metadata_files"]:
            raise ManifestError(
                f"{self.name} has no metadata file {shown(table, 80)}; "
                f"it has {shown(sorted(self.raw['metadata_files']), 300)}"
            )
        return self._build("metadata_files", table)

    def data_entry(self, file_id: int | str | float) -> FileEntry:
        try:
            number = int(file_id)
        except (TypeError, ValueError, OverflowError):
            raise ManifestError(f"file_id {shown(file_id, 60)} is not an integer") from None
        if number != file_id and not isinstance(file_id, str):
            raise ManifestError(f"file_id {shown(file_id, 60)} is not an integer")
        if number not in self._data_ids:
            raise ManifestError(
                f"{self.name} has no data file with file_id {shown(file_id, 60)} "
                "(ids refer to one manifest version only; -999 means no file)"
            )
        return self._build("data_files", self._data_ids[number])

    def entries(self) -> list[FileEntry]:
        return [*self.metadata_files.values(), *self.data_files.values()]


@dataclass(frozen=True)
class ManifestDiff:
    """What changed between two manifests, by bucket key."""

    old: str
    new: str
    added: tuple[str, ...]
    removed: tuple[str, ...]
    changed: tuple[str, ...]
    renamed: tuple[tuple[str, str], ...]  # (old key, new key) with identical content
    unchanged: int

    def __str__(self) -> str:
        """AllenSDK's compare_manifests text: paths without the project folder, sorted."""

        def short(key: str) -> str:
            return key.split("/", 1)[1] if "/" in key else key

        lines = sorted(
            [f"{short(k)} changed" for k in self.changed]
            + [f"{short(o)} renamed {short(n)}" for o, n in self.renamed]
            + [f"{short(k)} created" for k in self.added]
            + [f"{short(k)} deleted" for k in self.removed]
        )
        if not lines:
            return "The two manifests are equivalent"
        head = f"Changes going from\n{self.old}\nto\n{self.new}\n\n"
        return head + "".join(line + "\n" for line in lines)


def compare(old: Manifest, new: Manifest) -> ManifestDiff:
    before = {e.key: e.file_hash for e in old.entries()}
    after = {e.key: e.file_hash for e in new.entries()}
    gone = {k: h for k, h in before.items() if k not in after}
    fresh = {k: h for k, h in after.items() if k not in before}
    by_hash = {h: k for k, h in gone.items()}
    renamed = []
    for key, file_hash in sorted(fresh.items()):
        if file_hash in by_hash:
            renamed.append((by_hash.pop(file_hash), key))
    renamed_old = {o for o, _ in renamed}
    renamed_new = {n for _, n in renamed}
    common = before.keys() & after.keys()
    return ManifestDiff(
        old=old.name,
        new=new.name,
        added=tuple(sorted(k for k in fresh if k not in renamed_new)),
        removed=tuple(sorted(k for k in gone if k not in renamed_old)),
        changed=tuple(sorted(k for k in common if before[k] != after[k])),
        renamed=tuple(renamed),
        unchanged=sum(1 for k in common if before[k] == after[k]),
    )
