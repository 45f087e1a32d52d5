"""The release manifest: parsing, validation, semver ordering, and comparison of two versions."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from packaging.version import InvalidVersion, Version

from .errors import ManifestError

PROJECT = "visual-behavior-neuropixels"
BUCKET = "visual-behavior-neuropixels-data"
MANIFEST_PREFIX = f"{PROJECT}_project_manifest_v"
METADATA_TABLES = ("units", "probes", "channels", "ecephys_sessions", "behavior_sessions")

_MANIFEST_NAME = re.compile(
    rf"^{re.escape(MANIFEST_PREFIX)}(?P<version>[0-9][0-9A-Za-z.+-]*)\.json$"
)
_HASH = re.compile(r"^[0-9a-f]{128}$")


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
        """Key without the project prefix: the path under a version folder of the cache."""
        prefix = f"{PROJECT}/"
        return self.key[len(prefix) :] if self.key.startswith(prefix) else self.key


_URL = (
    r"https://(?P<bucket>[a-z0-9][a-z0-9.-]*?)\.s3[.-]?[a-z0-9.-]*?amazonaws\.com/(?P<key>[^?#\s]+)"
)
_URL_ONE = re.compile(_URL)
_URL_LINES = re.compile(rf"^{_URL}$", re.MULTILINE)
_HASH_LINES = re.compile(r"(?:[0-9a-fA-F]{128}\n)*[0-9a-fA-F]{128}")


def split_url(url: str) -> tuple[str, str]:
    """(bucket, key) of an S3 https URL as manifests write them."""
    match = _URL_ONE.fullmatch(url)
    if not match:
        raise ValueError(f"{url!r} is not an https URL of an object in an S3 bucket")
    return match["bucket"], match["key"]


def _entry(source: str, where: str, name: str, raw: object) -> FileEntry:
    if not isinstance(raw, Mapping):
        raise ManifestError(f"{source}: {where}[{name!r}] must be an object, got {raw!r:.80}")
    missing = [k for k in ("url", "file_hash") if not isinstance(raw.get(k), str)]
    if missing:
        raise ManifestError(f"{source}: {where}[{name!r}] lacks string field(s) {missing}")
    version_id = raw.get("version_id")
    if version_id is not None and not isinstance(version_id, str):
        raise ManifestError(f"{source}: {where}[{name!r}].version_id must be a string")
    file_hash = raw["file_hash"].lower()
    if not _HASH.match(file_hash):
        raise ManifestError(
            f"{source}: {where}[{name!r}].file_hash {raw['file_hash']!r:.40} is not a BLAKE2b "
            "hex digest (128 hex characters)"
        )
    try:
        bucket, key = split_url(raw["url"])
    except ValueError as err:
        raise ManifestError(f"{source}: {where}[{name!r}]: {err}") from None
    if ".." in key.split("/"):
        raise ManifestError(f"{source}: {where}[{name!r}] key {key!r} escapes the release")
    return FileEntry(name, raw["url"], version_id, file_hash, bucket, key)


def _validate_group(source: str, where: str, group: dict) -> None:
    """Check every entry of a group; a few passes in C for the ~4,300 entries of a release."""
    values = list(group.values())
    fast_ok = all(
        type(v) is dict
        and type(v.get("url")) is str
        and type(v.get("file_hash")) is str
        and type(v.get("version_id", "")) is str
        for v in values
    )
    if fast_ok and values:
        urls = "\n".join(v["url"] for v in values)
        fast_ok = (
            len(_URL_LINES.findall(urls)) == len(values)
            and "/../" not in urls.replace("\n", "/")
            and "/..\n" not in urls + "\n"
            and _HASH_LINES.fullmatch("\n".join(v["file_hash"] for v in values)) is not None
        )
    if not fast_ok:
        for name, raw in group.items():
            _entry(source, where, str(name), raw)  # raises, naming the first bad entry


class Manifest:
    """A parsed, validated manifest. ``source`` names where it came from, for error messages."""

    def __init__(self, name: str, raw: dict, source: str, version: Version) -> None:
        self.name = name
        self.raw = raw
        self.source = source
        self.version = version
        self.project_name = str(raw["project_name"])
        self.data_pipeline = tuple(p for p in raw.get("data_pipeline", []) if isinstance(p, dict))
        self._data_ids = {int(k): k for k in raw["data_files"]}
        self._built: dict[str, FileEntry] = {}

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
        needed = ("project_name", "manifest_version", "metadata_files", "data_files")
        missing = [k for k in needed if k not in raw]
        if missing:
            raise ManifestError(f"{source}: missing top-level key(s) {missing}")
        if not isinstance(raw["metadata_files"], dict) or not isinstance(raw["data_files"], dict):
            raise ManifestError(f"{source}: metadata_files and data_files must be objects")
        try:
            version = Version(str(raw["manifest_version"]))
        except InvalidVersion:
            raise ManifestError(
                f"{source}: manifest_version {raw['manifest_version']!r} is not a version"
            ) from None
        for key in raw["data_files"]:
            if not key.lstrip("-").isdigit():
                raise ManifestError(f"{source}: data_files key {key!r} is not an integer")
        _validate_group(source, "metadata_files", raw["metadata_files"])
        if not lazy:
            _validate_group(source, "data_files", raw["data_files"])
        return cls(name, raw, source, version)

    def _build(self, group: str, key: str) -> FileEntry:
        tag = f"{group}/{key}"
        if tag not in self._built:
            self._built[tag] = _entry(self.source, group, key, self.raw[group][key])
        return self._built[tag]

    @property
    def metadata_files(self) -> dict[str, FileEntry]:
        return {k: self._build("metadata_files", k) for k in self.raw["metadata_files"]}

    @property
    def data_files(self) -> dict[int, FileEntry]:
        return {i: self._build("data_files", k) for i, k in self._data_ids.items()}

    def metadata_entry(self, table: str) -> FileEntry:
        if table not in self.raw["metadata_files"]:
            raise ManifestError(
                f"{self.name} has no metadata file {table!r}; "
                f"it has {sorted(self.raw['metadata_files'])}"
            )
        return self._build("metadata_files", table)

    def data_entry(self, file_id: int | str | float) -> FileEntry:
        try:
            number = int(file_id)
        except (TypeError, ValueError):
            raise ManifestError(f"file_id {file_id!r} is not an integer") from None
        if number != file_id and not isinstance(file_id, str):
            raise ManifestError(f"file_id {file_id!r} is not an integer")
        if number not in self._data_ids:
            raise ManifestError(
                f"{self.name} has no data file with file_id {file_id!r} "
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
