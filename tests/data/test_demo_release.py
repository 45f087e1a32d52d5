"""The synthetic demo release: layout, manifests, tables, versions, determinism, CLI."""

from __future__ import annotations

import ast
import hashlib
import json
import math
import re
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest

from vbn_widgets.cli import main
from vbn_widgets.data import demo
from vbn_widgets.data.demo import DemoRelease, write_demo_release
from vbn_widgets.data.demo_tables import build_tables, counts_for_scale
from vbn_widgets.demo_job import demo_nwb_options

PROJECT = "visual-behavior-neuropixels"
URL_PREFIX = "https://visual-behavior-neuropixels-data.s3.us-west-2.amazonaws.com/"
TABLES = ["units", "probes", "channels", "ecephys_sessions", "behavior_sessions"]
SMALL = 0.05
TIMESTAMP = re.compile(r"^(2019|2020|2021)-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}\+00:00$")
VERSION_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._]{30}[A-Za-z0-9]$")
TUTORIAL_PASS_REAL = 120_139


# ---------------------------------------------------------------------------------------------
# helpers


def load_manifest(release: DemoRelease, version: str) -> dict:
    return json.loads(release.manifest_paths[version].read_text())


def key_of(entry: dict) -> str:
    assert entry["url"].startswith(URL_PREFIX)
    return entry["url"][len(URL_PREFIX) :]


def local_path(release: DemoRelease, entry: dict, latest: dict) -> Path:
    """Where a mount of the versioned bucket keeps this object version."""
    key = key_of(entry)
    if entry["version_id"] == latest.get(key):
        return release.root / key
    return release.root / ".versions" / entry["version_id"] / key


def latest_versions(release: DemoRelease) -> dict[str, str]:
    manifest = load_manifest(release, "0.5.0")
    entries = [*manifest["metadata_files"].values(), *manifest["data_files"].values()]
    return {key_of(e): e["version_id"] for e in entries}


def read_table(release: DemoRelease, name: str, version: str = "0.5.0", **kwargs) -> pd.DataFrame:
    entry = load_manifest(release, version)["metadata_files"][name]
    return pd.read_csv(local_path(release, entry, latest_versions(release)), **kwargs)


def tree_digest(root: Path) -> str:
    digest = hashlib.blake2b()
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        digest.update(path.relative_to(root).as_posix().encode() + b"\0")
        digest.update(hashlib.blake2b(path.read_bytes()).digest())
    return digest.hexdigest()


def tutorial_pass(units: pd.DataFrame) -> pd.Series:
    return (
        (units["isi_violations"] < 0.5)
        & (units["amplitude_cutoff"] < 0.1)
        & (units["presence_ratio"] > 0.9)
    )


def assert_same(a: pd.Series, b: pd.Series) -> None:
    """Equal values for equal labels, whatever the row order."""
    pd.testing.assert_series_equal(
        a.sort_index(), b.sort_index(), check_names=False, check_dtype=False
    )


def check_manifest_files(release: DemoRelease) -> None:
    """Every entry of both manifests resolves to a file whose BLAKE2b matches."""
    latest = latest_versions(release)
    for version in ("0.4.0", "0.5.0"):
        manifest = load_manifest(release, version)
        for entry in [*manifest["metadata_files"].values(), *manifest["data_files"].values()]:
            path = local_path(release, entry, latest)
            assert path.is_file(), (version, entry)
            assert hashlib.blake2b(path.read_bytes()).hexdigest() == entry["file_hash"]


def check_table_invariants(release: DemoRelease) -> None:
    sessions = read_table(release, "ecephys_sessions")
    behavior = read_table(release, "behavior_sessions")
    probes = read_table(release, "probes")
    channels = read_table(release, "channels")
    units = read_table(release, "units")
    counts = release.row_counts
    assert len(sessions) == counts["ecephys_sessions"]
    assert len(behavior) == counts["behavior_sessions"]
    assert len(probes) == counts["probes"]
    assert len(channels) == counts["channels"] == 384 * len(probes)
    assert len(units) == counts["units"]

    for frame, key in [
        (sessions, "ecephys_session_id"),
        (behavior, "behavior_session_id"),
        (probes, "ecephys_probe_id"),
        (channels, "ecephys_channel_id"),
        (units, "unit_id"),
    ]:
        assert frame[key].is_unique, key

    # probes <-> units <-> channels
    per_probe = units.groupby("ecephys_probe_id").size()
    assert_same(probes.set_index("ecephys_probe_id")["unit_count"], per_probe)
    assert probes["unit_count"].sum() == len(units)
    per_channel = units.groupby("ecephys_channel_id").size()
    on_channel = channels.set_index("ecephys_channel_id")["unit_count"]
    assert on_channel.sum() == len(units)
    assert (on_channel[per_channel.index] == per_channel).all()
    assert (probes["channel_count"] == 384).all()
    assert (channels.groupby("ecephys_probe_id")["probe_channel_number"].nunique() == 384).all()
    assert channels["probe_channel_number"].between(0, 383).all()
    assert set(probes["name"]) <= {f"probe{c}" for c in "ABCDEF"}
    assert probes.groupby("ecephys_session_id").size().between(5, 6).all()

    # units inherit from their channel
    merged = units.merge(channels, on="ecephys_channel_id", suffixes=("", "_channel"))
    assert len(merged) == len(units)
    for column in [
        "ecephys_probe_id",
        "ecephys_session_id",
        "structure_acronym",
        "probe_vertical_position",
        "probe_horizontal_position",
        "anterior_posterior_ccf_coordinate",
        "dorsal_ventral_ccf_coordinate",
        "left_right_ccf_coordinate",
    ]:
        assert (merged[column] == merged[f"{column}_channel"]).all(), column
    assert (units.groupby("structure_acronym")["structure_id"].nunique() == 1).all()
    assert (units.groupby("structure_id")["structure_acronym"].nunique() == 1).all()

    # structure lists: probes strip substructures, sessions keep them
    for lists in (probes["structure_acronyms"], sessions["structure_acronyms"]):
        parsed = lists.map(ast.literal_eval)
        assert parsed.map(lambda xs: xs == sorted(set(xs)) and "root" in xs).all()
    probe_lists = probes["structure_acronyms"].map(ast.literal_eval)
    channel_sets = channels.groupby("ecephys_probe_id")["structure_acronym"].agg(set)
    assert (probe_lists.map(set).to_numpy() == channel_sets[probes["ecephys_probe_id"]]).all()
    assert not any("-" in a for xs in probe_lists for a in xs)
    session_acronyms = {a for s in sessions["structure_acronyms"] for a in ast.literal_eval(s)}
    assert {"DG-mo", "DG-sg"} <= session_acronyms
    assert "DG" not in session_acronyms

    # sessions aggregate their probes
    agg = probes.groupby("ecephys_session_id").agg(
        unit_count=("unit_count", "sum"), probe_count=("name", "size")
    )
    by_session = sessions.set_index("ecephys_session_id")
    assert_same(by_session["unit_count"], agg["unit_count"])
    assert_same(by_session["probe_count"], agg["probe_count"])
    assert_same(by_session["channel_count"], 384 * agg["probe_count"])

    # mice, behavior sessions and recording days
    assert sessions.groupby("mouse_id").size().between(1, 2).all()
    assert set(behavior["mouse_id"]) == set(sessions["mouse_id"])
    ephys_rows = behavior.dropna(subset=["ecephys_session_id"])
    assert len(ephys_rows) == len(sessions)
    pairs = set(
        zip(ephys_rows["behavior_session_id"], ephys_rows["ecephys_session_id"], strict=True)
    )
    assert pairs == set(
        zip(sessions["behavior_session_id"], sessions["ecephys_session_id"], strict=True)
    )
    assert ((sessions["session_number"] == 1) == (sessions["experience_level"] == "Familiar")).all()
    assert set(sessions["session_number"]) <= {1, 2}
    assert set(sessions["image_set"]) <= {"G", "H"}
    assert (
        sessions.loc[sessions["experience_level"] == "Novel", "prior_exposures_to_image_set"] == 0
    ).all()
    when = pd.to_datetime(behavior["date_of_acquisition"])
    for _mouse, rows in behavior.assign(when=when).groupby("mouse_id"):
        ephys = rows[rows["ecephys_session_id"].notna()].sort_values("when")
        training = rows[rows["ecephys_session_id"].isna()]
        assert training["when"].max() < ephys["when"].min()
        days = ephys["when"].dt.normalize().diff().dropna()
        assert (days == pd.Timedelta(days=1)).all()


def check_file_ids(release: DemoRelease) -> None:
    """file_id columns point at the right keys of the same version's manifest."""
    data = {int(k): key_of(e) for k, e in load_manifest(release, "0.5.0")["data_files"].items()}
    sessions = read_table(release, "ecephys_sessions")
    probes = read_table(release, "probes")
    behavior = read_table(release, "behavior_sessions")
    for sid, fid in zip(sessions["ecephys_session_id"], sessions["file_id"], strict=True):
        assert data[fid] == f"{PROJECT}/behavior_ecephys_sessions/{sid}/ecephys_session_{sid}.nwb"
    for sid, name, has_lfp, fid in probes[
        ["ecephys_session_id", "name", "has_lfp_data", "file_id"]
    ].itertuples(index=False):
        if has_lfp:
            assert data[fid] == f"{PROJECT}/behavior_ecephys_sessions/{sid}/probe_{name}_lfp.nwb"
        else:
            assert fid == -999
    ecephys_file = dict(zip(sessions["ecephys_session_id"], sessions["file_id"], strict=True))
    for bid, sid, fid in behavior[
        ["behavior_session_id", "ecephys_session_id", "file_id"]
    ].itertuples(index=False):
        if pd.isna(sid):
            assert data[fid] == f"{PROJECT}/behavior_only_sessions/{bid}/behavior_session_{bid}.nwb"
        else:
            assert fid == ecephys_file[int(sid)]
    referenced = [*sessions["file_id"], *probes.loc[probes["has_lfp_data"], "file_id"]]
    referenced += list(behavior.loc[behavior["ecephys_session_id"].isna(), "file_id"])
    assert sorted(referenced) == list(range(len(data)))


# ---------------------------------------------------------------------------------------------
# fixtures


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> DemoRelease:
    return write_demo_release(tmp_path_factory.mktemp("small") / "bucket", scale=SMALL, seed=0)


@pytest.fixture(scope="module")
def full(tmp_path_factory) -> DemoRelease:
    return write_demo_release(tmp_path_factory.mktemp("full") / "bucket", scale=1.0, seed=0)


# ---------------------------------------------------------------------------------------------
# small-scale tests


def test_layout(small):
    root = small.root
    project = root / PROJECT
    assert small.project_dir == project
    assert sorted(p.name for p in (project / "manifests").iterdir()) == [
        "visual-behavior-neuropixels_project_manifest_v0.4.0.json",
        "visual-behavior-neuropixels_project_manifest_v0.5.0.json",
    ]
    assert small.latest_manifest == project / "manifests" / (
        "visual-behavior-neuropixels_project_manifest_v0.5.0.json"
    )
    assert sorted(p.name for p in (project / "project_metadata").iterdir()) == sorted(
        f"{t}.csv" for t in TABLES
    )
    assert sorted(p.name for p in project.iterdir()) == [
        "behavior_ecephys_sessions",
        "behavior_only_sessions",
        "manifests",
        "project_metadata",
    ]
    sessions = read_table(small, "ecephys_sessions")
    for sid in sessions["ecephys_session_id"]:
        folder = project / "behavior_ecephys_sessions" / str(sid)
        names = {p.name for p in folder.iterdir()}
        assert f"ecephys_session_{sid}.nwb" in names
        lfp = {n for n in names if re.fullmatch(r"probe_probe[A-F]_lfp\.nwb", n)}
        assert names - lfp == {f"ecephys_session_{sid}.nwb"}
    behavior_only = list((project / "behavior_only_sessions").glob("*/behavior_session_*.nwb"))
    assert len(behavior_only) == small.data_file_counts["behavior_session"]
    # Superseded versions: v0.4.0 units.csv and every v0.4.0 ecephys NWB file, nothing else.
    old = sorted(p.relative_to(root) for p in (root / ".versions").rglob("*") if p.is_file())
    assert len(old) == 1 + len(sessions)
    assert all(VERSION_ID.match(p.parts[1]) for p in old)
    keys = sorted(Path(*p.parts[2:]).as_posix() for p in old)
    assert f"{PROJECT}/project_metadata/units.csv" in keys
    assert sum("/ecephys_session_" in k for k in keys) == len(sessions)
    assert demo.is_demo_release(root)


def test_row_counts_follow_scale(small):
    counts = counts_for_scale(SMALL)
    assert small.row_counts == {
        "ecephys_sessions": 8,
        "behavior_sessions": 8 + counts.behavior_only,
        "probes": counts.probes,
        "channels": 384 * counts.probes,
        "units": counts.units,
    }
    assert small.data_file_counts == {
        "probe_lfp": counts.lfp,
        "ecephys_session": 8,
        "behavior_session": counts.behavior_only,
    }
    assert 5 * 8 <= counts.probes <= 6 * 8
    assert counts.lfp < counts.probes


def test_table_invariants(small):
    check_table_invariants(small)


def test_manifest_shape(small):
    for version in ("0.4.0", "0.5.0"):
        text = small.manifest_paths[version].read_text()
        assert text.startswith('{\n    "project_name": "visual-behavior-neuropixels",\n')
        assert not text.endswith("\n")
        manifest = json.loads(text)
        assert list(manifest) == [
            "project_name",
            "manifest_version",
            "data_pipeline",
            "metadata_file_id_column_name",
            "metadata_files",
            "data_files",
        ]
        assert manifest["manifest_version"] == version
        assert manifest["metadata_file_id_column_name"] == "file_id"
        assert [p["name"] for p in manifest["data_pipeline"]] == ["AllenSDK"]
        assert list(manifest["metadata_files"]) == TABLES
        assert list(manifest["data_files"]) == [str(i) for i in range(len(manifest["data_files"]))]
        for entry in [*manifest["metadata_files"].values(), *manifest["data_files"].values()]:
            assert list(entry) == ["url", "version_id", "file_hash"]
            assert VERSION_ID.match(entry["version_id"])
            assert re.fullmatch(r"[0-9a-f]{128}", entry["file_hash"])
        for name, entry in manifest["metadata_files"].items():
            assert key_of(entry) == f"{PROJECT}/project_metadata/{name}.csv"


def test_every_manifest_entry_exists_with_matching_blake2b(small):
    check_manifest_files(small)


def test_data_file_order_and_contents(small):
    counts = small.data_file_counts
    manifest = load_manifest(small, "0.5.0")
    keys = [key_of(e) for e in manifest["data_files"].values()]
    n_lfp, n_ephys = counts["probe_lfp"], counts["ecephys_session"]
    assert len(keys) == n_lfp + n_ephys + counts["behavior_session"]
    assert all(re.search(r"/probe_probe[A-F]_lfp\.nwb$", k) for k in keys[:n_lfp])
    assert all("/ecephys_session_" in k for k in keys[n_lfp : n_lfp + n_ephys])
    assert all(k.startswith(f"{PROJECT}/behavior_only_sessions/") for k in keys[n_lfp + n_ephys :])
    assert len(set(keys)) == len(keys)
    sizes = {"probe_lfp": (12 << 10, 24 << 10), "ecephys_session": (48 << 10, 96 << 10)}
    sizes["behavior_session"] = (1 << 10, 3 << 10)
    for key in keys:
        raw = (small.root / key).read_bytes()
        header, about, _body = raw.split(b"\n", 2)
        assert header == b"VBN-WIDGETS DEMO STAND-IN, NOT AN NWB FILE"
        meta = json.loads(about)
        assert meta["key"] == key
        low, high = sizes[meta["kind"]]
        assert low <= len(raw) - len(header) - len(about) - 2 <= high
        assert meta["version"] == ("0.5.0" if meta["kind"] == "ecephys_session" else "0.4.0")


def test_file_ids_point_at_the_right_keys(small):
    check_file_ids(small)


def test_v040_and_v050_differ_as_released(small):
    old, new = load_manifest(small, "0.4.0"), load_manifest(small, "0.5.0")
    changed_meta = [n for n in TABLES if old["metadata_files"][n] != new["metadata_files"][n]]
    assert changed_meta == ["units"]
    assert old["metadata_files"]["units"]["url"] == new["metadata_files"]["units"]["url"]
    assert old.keys() == new.keys()
    assert old["data_files"].keys() == new["data_files"].keys()
    changed = [k for k, e in old["data_files"].items() if e != new["data_files"][k]]
    assert len(changed) == small.data_file_counts["ecephys_session"]
    for k in changed:
        a, b = old["data_files"][k], new["data_files"][k]
        assert a["url"] == b["url"]
        assert "/ecephys_session_" in a["url"]
        assert a["version_id"] != b["version_id"]
        assert a["file_hash"] != b["file_hash"]
        path = local_path(small, a, latest_versions(small))
        assert json.loads(path.read_bytes().split(b"\n", 2)[1])["version"] == "0.4.0"

    units_old = read_table(small, "units", "0.4.0")
    units_new = read_table(small, "units", "0.5.0")
    assert "quality" not in units_old.columns
    assert list(units_new.columns) == [*units_old.columns[:25], "quality", *units_old.columns[25:]]
    assert set(units_new["quality"]) == {"good", "noise"}
    same = [c for c in units_old.columns if c not in ("amplitude", "amplitude_cutoff")]
    pd.testing.assert_frame_equal(units_old[same], units_new[same])
    assert (units_old["amplitude"] != units_new["amplitude"]).mean() > 0.95
    recomputed = (units_old["amplitude_cutoff"] != units_new["amplitude_cutoff"]).mean()
    assert 0.03 < recomputed < 0.3


def test_csv_formatting(small):
    folder = small.project_dir / "project_metadata"
    for name in TABLES:
        raw = (folder / f"{name}.csv").read_bytes()
        assert b"\r" not in raw
        assert raw.endswith(b"\n")
    text = {
        name: pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)
        for name in TABLES
    }
    sessions, behavior, probes = text["ecephys_sessions"], text["behavior_sessions"], text["probes"]
    for column in (sessions["structure_acronyms"], probes["structure_acronyms"]):
        assert column.map(lambda s: isinstance(ast.literal_eval(s), list)).all()
    for column in (sessions["date_of_acquisition"], behavior["date_of_acquisition"]):
        assert column.str.match(TIMESTAMP).all()
    abnormal = (sessions["abnormal_histology"] != "") | (sessions["abnormal_activity"] != "")
    assert abnormal.sum() == round(50 * 8 / 153)
    for value in [*sessions["abnormal_histology"], *sessions["abnormal_activity"]]:
        assert value == "" or (
            isinstance(ast.literal_eval(value), list) and ast.literal_eval(value)
        )
    assert set(probes.loc[probes["has_lfp_data"] == "False", "file_id"]) == {"-999"}
    assert set(probes["has_lfp_data"]) == {"True", "False"}
    assert set(probes["phase"]) == {"1.0"}
    assert probes["sampling_rate"].str.match(r"^(29999|30000)\.\d+$").all()
    # Integer columns print as integers; missing values of nullable ones print as empty cells.
    assert behavior["ecephys_session_id"].str.fullmatch(r"\d{10}|").all()
    assert (behavior["ecephys_session_id"] == "").sum() == small.data_file_counts[
        "behavior_session"
    ]
    assert behavior["prior_exposures_to_image_set"].str.fullmatch(r"\d+|").all()
    assert (behavior["prior_exposures_to_image_set"] == "").any()
    assert ((behavior["image_set"] == "") == (behavior["prior_exposures_to_image_set"] == "")).all()
    for name, frame in text.items():
        for column in frame.columns:
            if column.endswith(("_id", "_count", "_number", "_index")):
                assert frame[column].str.fullmatch(r"-?\d+|").all(), (name, column)
    units = text["units"]
    assert (units["isolation_distance"] == "").any()
    assert (units["velocity_below"] == "").any()
    assert set(units["valid_data"]) <= {"True", "False"}
    assert set(text["channels"]["valid_data"]) == {"True", "False"}


def test_unit_metric_distributions(small):
    units = read_table(small, "units")
    assert 0.16 < (units["amplitude_cutoff"] == 0.5).mean() < 0.24
    assert units["amplitude_cutoff"].max() == 0.5
    assert 0.13 < (units["isi_violations"] == 0).mean() < 0.21
    assert units["isi_violations"].min() >= 0
    assert units["isi_violations"].max() > 1
    assert units["presence_ratio"].between(0, 0.99).all()
    assert (units["presence_ratio"] > 0.9).mean() > 0.75
    assert 2.5 < units["firing_rate"].median() < 5.5
    assert 1.5 < units["snr"].median() < 4.5
    good = units["quality"] == "good"
    assert 0.72 < good.mean() < 0.82
    passed = tutorial_pass(units)
    assert 0.33 < passed.mean() < 0.42
    assert passed[good].mean() > 2 * passed[~good].mean()
    for column in [
        "isolation_distance",
        "l_ratio",
        "d_prime",
        "nn_hit_rate",
        "nn_miss_rate",
        "silhouette_score",
        "cumulative_drift",
        "recovery_slope",
        "velocity_above",
        "velocity_below",
    ]:
        assert 0.005 < units[column].isna().mean() < 0.12, column
    for column in ["amplitude_cutoff", "firing_rate", "isi_violations", "presence_ratio", "snr"]:
        assert units[column].notna().all(), column


@pytest.mark.parametrize("scale", [1e-9, 0.013, 0.02, 0.1])
def test_tiny_scales_keep_invariants(scale):
    counts, tables = build_tables(scale, seed=5)
    assert len(tables.ecephys_sessions) == counts.sessions == max(2, round(153 * scale))
    assert tables.probes["unit_count"].sum() == len(tables.units) == counts.units
    assert tables.probes.groupby("ecephys_session_id").size().between(5, 6).all()
    assert tables.probes["has_lfp_data"].sum() == counts.lfp
    assert tables.ecephys_sessions.groupby("mouse_id").size().between(1, 2).all()
    assert tables.ecephys_sessions["mouse_id"].nunique() == counts.mice
    assert len(tables.behavior_sessions) == counts.sessions + counts.behavior_only


def test_same_seed_is_byte_identical_and_other_seeds_differ(tmp_path):
    a = write_demo_release(tmp_path / "a", scale=0.02, seed=3)
    b = write_demo_release(tmp_path / "b", scale=0.02, seed=3)
    c = write_demo_release(tmp_path / "c", scale=0.02, seed=4)
    assert tree_digest(a.root) == tree_digest(b.root)
    assert tree_digest(a.root) != tree_digest(c.root)
    manifest_a = a.latest_manifest.read_bytes()
    assert manifest_a == b.latest_manifest.read_bytes() != c.latest_manifest.read_bytes()
    assert a.row_counts == b.row_counts
    assert a.data_file_counts == b.data_file_counts
    # Overwriting an earlier demo release (even one of another seed) is allowed.
    again = write_demo_release(tmp_path / "c", scale=0.02, seed=3)
    assert tree_digest(again.root) == tree_digest(a.root)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["a", "b", "c"]


@pytest.mark.parametrize(
    "scale", [0, -0.5, 1.0000001, 2, math.nan, math.inf, -math.inf, "0.5", None, True]
)
def test_invalid_scale_is_rejected(tmp_path, scale):
    with pytest.raises(ValueError, match=re.escape(repr(scale))):
        write_demo_release(tmp_path / "out", scale=scale)
    assert not (tmp_path / "out").exists()


@pytest.mark.parametrize("seed", [-1, 1.5, "3", None, False])
def test_invalid_seed_is_rejected(tmp_path, seed):
    with pytest.raises(ValueError, match="seed"):
        write_demo_release(tmp_path / "out", scale=0.02, seed=seed)
    assert not (tmp_path / "out").exists()


def test_refuses_a_folder_that_is_not_a_demo_release(tmp_path):
    dest = tmp_path / "mine"
    dest.mkdir()
    (dest / "notes.txt").write_text("keep me")
    with pytest.raises(ValueError, match=re.escape(str(dest))):
        write_demo_release(dest, scale=0.02)
    assert [p.name for p in dest.iterdir()] == ["notes.txt"]
    a_file = tmp_path / "file"
    a_file.write_text("x")
    with pytest.raises(ValueError, match=re.escape(str(a_file))):
        write_demo_release(a_file, scale=0.02)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["file", "mine"]


def test_empty_folder_is_filled(tmp_path):
    dest = tmp_path / "empty"
    dest.mkdir()
    release = write_demo_release(dest, scale=0.02, seed=1)
    assert release.root == dest
    assert release.latest_manifest.is_file()


def test_interrupted_write_leaves_no_release(tmp_path, monkeypatch):
    dest = tmp_path / "bucket"
    real_write = demo._write_tree

    def write_then_fail(root, *args):
        real_write(root, *args)
        raise KeyboardInterrupt

    monkeypatch.setattr(demo, "_write_tree", write_then_fail)
    with pytest.raises(KeyboardInterrupt):
        write_demo_release(dest, scale=0.02)
    assert list(tmp_path.iterdir()) == []

    monkeypatch.setattr(demo, "_write_tree", real_write)
    first = write_demo_release(dest, scale=0.02, seed=1)
    before = tree_digest(dest)
    monkeypatch.setattr(demo, "_write_tree", write_then_fail)
    with pytest.raises(KeyboardInterrupt):
        write_demo_release(dest, scale=0.02, seed=2)
    assert tree_digest(first.root) == before  # the earlier release is untouched
    assert [p.name for p in tmp_path.iterdir()] == ["bucket"]


def test_folder_filled_by_someone_else_during_the_build_is_left_alone(tmp_path, monkeypatch):
    dest = tmp_path / "bucket"
    real_write = demo._write_tree

    def write_while_someone_fills_dest(root, *args):
        real_write(root, *args)
        dest.mkdir()
        (dest / "theirs.txt").write_text("not a demo release")

    monkeypatch.setattr(demo, "_write_tree", write_while_someone_fills_dest)
    with pytest.raises(ValueError, match=re.escape(str(dest))):
        write_demo_release(dest, scale=0.02)
    assert [p.name for p in dest.iterdir()] == ["theirs.txt"]
    assert [p.name for p in tmp_path.iterdir()] == ["bucket"]


def test_cli_demo_data(tmp_path, capsys):
    dest = tmp_path / "cli"
    assert (
        main(["demo-data", str(dest), "--scale", "0.02", "--seed", "3", "--nwb-sessions", "0"]) == 0
    )
    out = capsys.readouterr().out
    assert str(dest) in out
    assert "v0.5.0" in out
    assert f"units {counts_for_scale(0.02).units:,}" in out
    assert "genuine NWB: 0 ecephys sessions" in out
    reference = write_demo_release(tmp_path / "api", scale=0.02, seed=3)
    assert tree_digest(dest) == tree_digest(reference.root)


def test_cli_demo_data_nwb_options_reach_the_writer(tmp_path, capsys):
    dest = tmp_path / "cli"
    options = ["--nwb-sessions", "1", "--session-duration", "60", "--lfp-seconds", "1"]
    assert main(["demo-data", str(dest), "--scale", "0.02", "--seed", "3", *options,
                 "--lfp-probes", "1"]) == 0  # fmt: skip
    out = capsys.readouterr().out
    assert "genuine NWB: 1 ecephys sessions" in out
    options = replace(demo_nwb_options(0.02), sessions=1, duration_s=60, lfp_s=1, lfp_probes=1)
    reference = write_demo_release(tmp_path / "api", scale=0.02, seed=3, nwb=options)
    assert len(reference.nwb_sessions) == 1
    assert main(["demo-data", str(tmp_path / "bad"), "--nwb-sessions", "-1"]) == 1
    assert "nwb_sessions must be a non-negative integer, got -1" in capsys.readouterr().err
    assert not (tmp_path / "bad").exists()


def test_cli_reports_errors(tmp_path, capsys):
    assert main(["demo-data", str(tmp_path / "x"), "--scale", "3"]) == 1
    assert "3.0" in capsys.readouterr().err
    assert main(["demo-data"]) == 2
    assert main([]) == 2
    assert main(["--help"]) == 0
    assert not (tmp_path / "x").exists()


# ---------------------------------------------------------------------------------------------
# full scale


@pytest.mark.full_scale
def test_full_scale_release(full):
    assert full.row_counts == {
        "ecephys_sessions": 153,
        "behavior_sessions": 3424,
        "probes": 905,
        "channels": 347_520,
        "units": 319_013,
    }
    assert full.data_file_counts == {
        "probe_lfp": 869,
        "ecephys_session": 153,
        "behavior_session": 3271,
    }
    check_table_invariants(full)
    check_file_ids(full)
    check_manifest_files(full)

    sessions = read_table(full, "ecephys_sessions")
    behavior = read_table(full, "behavior_sessions")
    probes = read_table(full, "probes")
    units = read_table(full, "units")
    assert sessions["mouse_id"].nunique() == behavior["mouse_id"].nunique() == 81
    assert behavior["ecephys_session_id"].notna().sum() == 153
    assert behavior["session_type"].nunique() == 26
    assert probes["has_lfp_data"].sum() == 869
    assert (probes["file_id"] == -999).sum() == 905 - 869
    abnormal = sessions["abnormal_histology"].notna() | sessions["abnormal_activity"].notna()
    assert abnormal.sum() == 50
    assert len(sessions[~abnormal]) == 103
    passed = int(tutorial_pass(units).sum())
    assert abs(passed - TUTORIAL_PASS_REAL) < 0.1 * TUTORIAL_PASS_REAL
    assert 0.18 < (units["amplitude_cutoff"] == 0.5).mean() < 0.22
    assert 0.15 < (units["isi_violations"] == 0).mean() < 0.19

    manifest = load_manifest(full, "0.4.0")
    keys = [key_of(e) for e in manifest["data_files"].values()]
    assert len(keys) == 869 + 153 + 3271
    assert all(k.endswith("_lfp.nwb") for k in keys[:869])
    assert all("/ecephys_session_" in k for k in keys[869 : 869 + 153])
    assert all("/behavior_only_sessions/" in k for k in keys[869 + 153 :])

    csv_mb = {
        name: (full.project_dir / "project_metadata" / f"{name}.csv").stat().st_size / 1e6
        for name in TABLES
    }
    assert 100 < csv_mb["units"] < 140
    assert 15 < csv_mb["channels"] < 40
    total = sum(p.stat().st_size for p in full.root.rglob("*") if p.is_file())
    assert total < 600e6
