"""A deterministic synthetic VBN release, laid out like the S3 bucket.

The bucket is ``visual-behavior-neuropixels-data``; ``dest`` mirrors it::

    dest/
      .vbn-widgets-demo.json         marks the folder as a demo release (safe to overwrite)
      visual-behavior-neuropixels/
        manifests/visual-behavior-neuropixels_project_manifest_v0.4.0.json
        manifests/visual-behavior-neuropixels_project_manifest_v0.5.0.json
        project_metadata/{units,probes,channels,ecephys_sessions,behavior_sessions}.csv  (v0.5.0)
        behavior_ecephys_sessions/<ecephys_session_id>/ecephys_session_<id>.nwb
        behavior_ecephys_sessions/<ecephys_session_id>/probe_<probeName>_lfp.nwb
        behavior_only_sessions/<behavior_session_id>/behavior_session_<id>.nwb
      .versions/<version_id>/visual-behavior-neuropixels/...   superseded object versions

The plain path of a key holds its latest version, as a read-only mount of the bucket would. An
object version that a manifest references but that is not the latest (v0.4.0's ``units.csv`` and
its ecephys NWB files) sits under ``.versions/<version_id>/<key>``. Files that did not change
between the versions exist once and carry the same version id in both manifests.

Data files are small stand-ins, not NWB (a header line, a JSON line naming the key, ids and
version, then pseudo-random bytes), except for ``nwb_sessions`` ecephys sessions (and one
behavior-only session of each of their mice) that get genuine NWB files written by pynwb in the
real files' layout (:mod:`vbn_widgets.data.demo_nwb`): the session file (v0.5.0; its superseded
v0.4.0 version stays a stand-in), LFP files of its probes and the behavior-only file. The marker
file lists them (``nwb``), and ``.vbn-widgets-demo-truth/<ecephys_session_id>.parquet`` holds the
ground truth of their built-in responses. Everything derives from
``numpy.random.default_rng([seed, stream])``, so the same arguments give a byte-identical tree.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from pathlib import Path

import numpy as np
import pandas as pd

from .demo_constants import (
    STREAM_FILES,
    STREAM_VERSION_IDS,
    Counts,
    check_seed,
    counts_for_scale,
    stream,
)
from .demo_nwb.plan import Genuine, NwbOptions, write_genuine
from .demo_tables import DemoTables, build_tables

PROJECT = "visual-behavior-neuropixels"
BUCKET_URL = "https://visual-behavior-neuropixels-data.s3.us-west-2.amazonaws.com/"
VERSIONS = ("0.4.0", "0.5.0")
LATEST = VERSIONS[-1]
MARKER = ".vbn-widgets-demo.json"
TRUTH_DIR = ".vbn-widgets-demo-truth"
VERSIONS_DIR = ".versions"
STANDIN_HEADER = b"VBN-WIDGETS DEMO STAND-IN, NOT AN NWB FILE\n"
TABLES = ("units", "probes", "channels", "ecephys_sessions", "behavior_sessions")
DATA_PIPELINE = {
    "0.4.0": [{"comment": "", "version": "2.16.2", "name": "AllenSDK"}],
    "0.5.0": [{"comment": "", "version": "2.16.2", "name": "AllenSDK"}],
}
# Stand-in sizes in bytes, (low, high) inclusive.
SIZES = {"probe_lfp": (12 << 10, 24 << 10), "ecephys_session": (48 << 10, 96 << 10)}
SIZES["behavior_session"] = (1 << 10, 3 << 10)
_VERSION_ID_ALPHABET = np.frombuffer(
    b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._", dtype=np.uint8
)


def manifest_name(version: str) -> str:
    return f"{PROJECT}_project_manifest_v{version}.json"


@dataclass(frozen=True)
class DemoRelease:
    """What :func:`write_demo_release` wrote."""

    root: Path
    manifest_paths: Mapping[str, Path] = field(hash=False)  # version -> manifest, oldest first
    row_counts: Mapping[str, int] = field(hash=False)  # table -> rows (same in every version)
    data_file_counts: Mapping[str, int] = field(hash=False)  # kind -> files per manifest
    scale: float = 1.0
    seed: int = 0
    nwb: Mapping[str, object] = field(default_factory=dict, hash=False)  # the marker's "nwb"

    @property
    def nwb_sessions(self) -> tuple[int, ...]:
        """Ecephys sessions whose v0.5.0 session file is a genuine NWB file."""
        return tuple(int(k) for k in self.nwb.get("sessions", {}))

    @property
    def nwb_behavior_sessions(self) -> tuple[int, ...]:
        """Behavior-only sessions whose file is a genuine NWB file."""
        return tuple(int(k) for k in self.nwb.get("behavior_sessions", {}))

    def ground_truth(self, ecephys_session_id: int) -> pd.DataFrame:
        """The built-in responses of a genuine session: one row per (unit, event class) with
        ``unit_id``, ``event``, ``spikes_per_event``, ``latency_s``, ``jitter_s``."""
        return read_ground_truth(self.root, ecephys_session_id)

    @property
    def latest_manifest(self) -> Path:
        return self.manifest_paths[LATEST]

    @property
    def project_dir(self) -> Path:
        return self.root / PROJECT


@dataclass(frozen=True)
class _DataFile:
    """One data file of the manifests, in file_id order."""

    key: str
    kind: str  # probe_lfp | ecephys_session | behavior_session
    ids: Mapping[str, object]


@dataclass(frozen=True)
class _Object:
    """One object version: its bytes, version id, and whether it is the key's latest version."""

    key: str
    data: bytes
    version_id: str
    latest: bool
    written: Path | None = None  # a genuine NWB file already in the build folder (data unused)

    @cached_property
    def file_hash(self) -> str:
        if self.written is None:
            return hashlib.blake2b(self.data).hexdigest()
        digest = hashlib.blake2b()
        with self.written.open("rb") as f:
            while block := f.read(1 << 22):
                digest.update(block)
        return digest.hexdigest()

    def entry(self) -> dict[str, str]:
        return {
            "url": BUCKET_URL + self.key,
            "version_id": self.version_id,
            "file_hash": self.file_hash,
        }


def _data_files(tables: DemoTables) -> list[_DataFile]:
    probes = tables.probes[tables.probes["has_lfp_data"]]
    sessions = tables.ecephys_sessions
    behavior = tables.behavior_sessions[tables.behavior_sessions["ecephys_session_id"].isna()]
    found: dict[int, _DataFile] = {}
    for fid, sid, pid, name in zip(
        probes["file_id"],
        probes["ecephys_session_id"],
        probes["ecephys_probe_id"],
        probes["name"],
        strict=True,
    ):
        key = f"{PROJECT}/behavior_ecephys_sessions/{sid}/probe_{name}_lfp.nwb"
        ids = {"ecephys_session_id": int(sid), "ecephys_probe_id": int(pid), "probe": name}
        found[int(fid)] = _DataFile(key, "probe_lfp", ids)
    for fid, sid, bid in zip(
        sessions["file_id"],
        sessions["ecephys_session_id"],
        sessions["behavior_session_id"],
        strict=True,
    ):
        key = f"{PROJECT}/behavior_ecephys_sessions/{sid}/ecephys_session_{sid}.nwb"
        ids = {"ecephys_session_id": int(sid), "behavior_session_id": int(bid)}
        found[int(fid)] = _DataFile(key, "ecephys_session", ids)
    for fid, bid in zip(behavior["file_id"], behavior["behavior_session_id"], strict=True):
        key = f"{PROJECT}/behavior_only_sessions/{bid}/behavior_session_{bid}.nwb"
        found[int(fid)] = _DataFile(key, "behavior_session", {"behavior_session_id": int(bid)})
    if sorted(found) != list(range(len(found))):
        raise AssertionError("demo file ids are not 0..n-1")  # a bug in demo_tables, not user input
    return [found[i] for i in range(len(found))]


def _standin(data_file: _DataFile, file_id: int, version: str, scale: float, seed: int) -> bytes:
    about = {"key": data_file.key, "kind": data_file.kind, **data_file.ids}
    about |= {"version": version, "demo_scale": scale, "demo_seed": seed}
    rng = np.random.default_rng([seed, STREAM_FILES, file_id, VERSIONS.index(version)])
    low, high = SIZES[data_file.kind]
    body = rng.bytes(int(rng.integers(low, high + 1)))
    return STANDIN_HEADER + json.dumps(about, sort_keys=True).encode() + b"\n" + body


def _version_ids(count: int, seed: int) -> Iterator[str]:
    """Unique 32-character S3-style version ids, in a fixed order."""
    draws = stream(seed, STREAM_VERSION_IDS).integers(0, 64, (count, 32))
    # Alphanumeric first and last characters: .versions/<id> is then a visible folder name that
    # every file system keeps as is (Windows drops trailing dots).
    draws[:, [0, -1]] %= 62
    letters = _VERSION_ID_ALPHABET[draws]
    ids = [row.tobytes().decode() for row in letters]
    if len(set(ids)) != count:
        raise AssertionError("version id collision")  # 64**32 choices: never in practice
    return iter(ids)


def _csv(frame: pd.DataFrame) -> bytes:
    return frame.to_csv(index=False, lineterminator="\n").encode()


def _release_objects(
    tables: DemoTables, counts: Counts, scale: float, seed: int, genuine: Genuine | None = None
) -> tuple[dict[str, dict], list[_Object]]:
    """The two manifests (as dicts) and every object version they reference."""
    files = _data_files(tables)
    ids = _version_ids(len(TABLES) + 1 + len(files) + counts.sessions, seed)
    meta = {
        name: _Object(f"{PROJECT}/project_metadata/{name}.csv", _csv(frame), next(ids), True)
        for name, frame in (
            ("units", tables.units),
            ("probes", tables.probes),
            ("channels", tables.channels),
            ("ecephys_sessions", tables.ecephys_sessions),
            ("behavior_sessions", tables.behavior_sessions),
        )
    }
    old_units = _Object(meta["units"].key, _csv(tables.units_v040), next(ids), latest=False)
    old_data: list[_Object] = []
    latest_data: list[_Object] = []
    real = genuine.files if genuine is not None else {}
    for i, f in enumerate(files):
        first = _Object(f.key, _standin(f, i, "0.4.0", scale, seed), next(ids), latest=True)
        if f.kind != "ecephys_session" and f.key in real:
            first = replace(first, data=b"", written=real[f.key])
        if f.kind == "ecephys_session":  # every ecephys NWB file was reprocessed for v0.5.0
            old_data.append(replace(first, latest=False))
            new = _Object(f.key, _standin(f, i, "0.5.0", scale, seed), next(ids), latest=True)
            if f.key in real:
                new = replace(new, data=b"", written=real[f.key])
            latest_data.append(new)
        else:
            old_data.append(first)
            latest_data.append(first)
    per_version = {
        "0.4.0": ({**meta, "units": old_units}, old_data),
        "0.5.0": (meta, latest_data),
    }
    manifests = {
        version: {
            "project_name": PROJECT,
            "manifest_version": version,
            "data_pipeline": DATA_PIPELINE[version],
            "metadata_file_id_column_name": "file_id",
            "metadata_files": {name: objs[name].entry() for name in TABLES},
            "data_files": {str(i): obj.entry() for i, obj in enumerate(objects)},
        }
        for version, (objs, objects) in per_version.items()
    }
    unique: dict[tuple[str, str], _Object] = {}
    for objs, objects in per_version.values():
        for obj in [*objs.values(), *objects]:
            unique.setdefault((obj.key, obj.version_id), obj)
    return manifests, list(unique.values())


def _object_path(root: Path, obj: _Object) -> Path:
    return root / obj.key if obj.latest else root / VERSIONS_DIR / obj.version_id / obj.key


def _write_tree(
    root: Path, manifests: dict[str, dict], objects: list[_Object], marker: dict
) -> None:
    made: set[Path] = set()
    for obj in objects:
        path = _object_path(root, obj)
        if obj.written is not None:
            if obj.written != path:
                raise AssertionError(f"{obj.written} is not at its key's path {path}")
            continue
        if path.parent not in made:
            path.parent.mkdir(parents=True, exist_ok=True)
            made.add(path.parent)
        path.write_bytes(obj.data)
    manifest_dir = root / PROJECT / "manifests"
    manifest_dir.mkdir(parents=True, exist_ok=True)
    for version, manifest in manifests.items():
        (manifest_dir / manifest_name(version)).write_bytes(json.dumps(manifest, indent=4).encode())
    (root / MARKER).write_bytes(json.dumps(marker, indent=2, sort_keys=True).encode() + b"\n")


def read_marker(path: str | os.PathLike[str]) -> dict | None:
    """The marker of a demo release in ``path`` (its scale, seed, row counts and ``nwb``: the
    genuine NWB sessions), or None when ``path`` holds none."""
    try:
        marker = json.loads((Path(path) / MARKER).read_text())
    except (OSError, ValueError):
        return None
    return marker if isinstance(marker, dict) and marker.get("generator") == __name__ else None


def is_demo_release(path: str | os.PathLike[str]) -> bool:
    """True if ``path`` holds a release written by :func:`write_demo_release`."""
    return read_marker(path) is not None


def is_standin(path: str | os.PathLike[str]) -> bool:
    """True if the file at ``path`` is a demo stand-in (not an NWB file): it starts with
    :data:`STANDIN_HEADER`."""
    with Path(path).open("rb") as f:
        return f.read(len(STANDIN_HEADER)) == STANDIN_HEADER


def read_ground_truth(root: str | os.PathLike[str], ecephys_session_id: int) -> pd.DataFrame:
    """The built-in responses of a genuine demo session (see :meth:`DemoRelease.ground_truth`)."""
    path = Path(root) / TRUTH_DIR / f"{int(ecephys_session_id)}.parquet"
    if not path.is_file():
        raise KeyError(f"{ecephys_session_id} is not a genuine NWB session of the demo in {root}")
    return pd.read_parquet(path)


def _check_destination(dest: Path) -> None:
    if dest.is_symlink() or (dest.exists() and not dest.is_dir()):
        raise ValueError(f"{dest} exists and is not a directory; not writing a demo release there")
    if dest.is_dir() and any(dest.iterdir()) and not is_demo_release(dest):
        raise ValueError(
            f"{dest} is a non-empty directory that is not a vbn-widgets demo release; "
            "refusing to overwrite it"
        )


def _swap_into_place(built: Path, dest: Path) -> None:
    """Rename the finished tree to ``dest``, replacing an empty folder or an older demo release."""
    built.chmod(0o755)
    if not dest.exists() or not any(dest.iterdir()):
        built.replace(dest)
        return
    _check_destination(dest)  # again: the folder may have changed while the release was built
    trash = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
    dest.replace(trash)
    try:
        built.replace(dest)
    except BaseException:
        trash.replace(dest)
        raise
    shutil.rmtree(trash, ignore_errors=True)


def write_demo_release(
    dest: str | os.PathLike[str],
    *,
    scale: float = 1.0,
    seed: int = 0,
    nwb_sessions: int = 0,
    session_duration_s: float = NwbOptions.duration_s,
    lfp_s: float = NwbOptions.lfp_s,
    lfp_probes: int | None = None,
    nwb: NwbOptions | None = None,
) -> DemoRelease:
    """Write a synthetic two-version (v0.4.0, v0.5.0) VBN release into ``dest``.

    ``scale`` in (0, 1] scales every row and file count (1.0 is the real release's size);
    ``seed`` (a non-negative integer) selects the data. ``nwb_sessions`` ecephys sessions get
    genuine NWB files (:mod:`vbn_widgets.data.demo_nwb`) lasting about ``session_duration_s``
    (>= 60; every stimulus block is kept, so short sessions come out at >= ~150 s), with genuine
    LFP files of ``lfp_s`` seconds for their first ``lfp_probes`` LFP probes (None: all); all other
    data files are stand-ins. ``nwb`` (an :class:`NwbOptions`) replaces those four arguments.
    The same arguments always give a byte-identical tree. ``dest`` may be missing, an empty
    folder, or an earlier demo release (which is replaced); anything else raises ValueError. The
    tree is built in a temporary folder beside ``dest`` and renamed into place, so an interrupted
    run leaves no partial release.
    """
    counts_for_scale(scale)  # validate before touching the file system
    scale, seed = float(scale), check_seed(seed)
    if nwb is None:
        nwb = NwbOptions(nwb_sessions, session_duration_s, lfp_s, lfp_probes)
    dest = Path(dest).expanduser().absolute()
    _check_destination(dest)
    counts, tables = build_tables(scale, seed)
    row_counts = {
        "ecephys_sessions": len(tables.ecephys_sessions),
        "behavior_sessions": len(tables.behavior_sessions),
        "probes": len(tables.probes),
        "channels": len(tables.channels),
        "units": len(tables.units),
    }
    data_file_counts = {
        "probe_lfp": counts.lfp,
        "ecephys_session": counts.sessions,
        "behavior_session": counts.behavior_only,
    }
    dest.parent.mkdir(parents=True, exist_ok=True)
    built = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".partial", dir=dest.parent))
    try:
        genuine = write_genuine(built, PROJECT, tables, nwb, seed)
        manifests, objects = _release_objects(tables, counts, scale, seed, genuine)
        marker = {
            "generator": __name__,
            "format": 2,
            "scale": scale,
            "seed": seed,
            "manifests": [manifest_name(v) for v in VERSIONS],
            "row_counts": row_counts,
            "nwb": _nwb_marker(nwb, genuine),
        }
        _write_truth(built, genuine)
        _write_tree(built, manifests, objects, marker)
        _swap_into_place(built, dest)
    except BaseException:
        shutil.rmtree(built, ignore_errors=True)
        raise
    manifest_dir = dest / PROJECT / "manifests"
    return DemoRelease(
        root=dest,
        manifest_paths={v: manifest_dir / manifest_name(v) for v in VERSIONS},
        row_counts=row_counts,
        data_file_counts=data_file_counts,
        scale=scale,
        seed=seed,
        nwb=marker["nwb"],
    )


def _nwb_marker(options: NwbOptions, genuine: Genuine) -> dict:
    used = {
        "sessions": int(options.sessions),
        "duration_s": float(options.duration_s),
        "lfp_s": float(options.lfp_s),
        "lfp_probes": options.lfp_probes,
        "behavior_duration_s": float(options.behavior_duration_s),
        "typical_units": options.typical_units,
    }
    return {
        "options": used if options.sessions else {"sessions": 0},
        "sessions": {str(k): v for k, v in genuine.sessions.items()},
        "behavior_sessions": {str(k): v for k, v in genuine.behavior_sessions.items()},
        "truth_dir": TRUTH_DIR,
    }


def _write_truth(root: Path, genuine: Genuine) -> None:
    if not genuine.truth:
        return
    (root / TRUTH_DIR).mkdir()
    for sid, table in genuine.truth.items():
        table.to_parquet(root / TRUTH_DIR / f"{sid}.parquet", index=False)
