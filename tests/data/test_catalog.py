"""build_catalog: a release's files grouped as metadata, ecephys and behavior sessions."""

from __future__ import annotations

import json
import shutil
from collections import Counter
from hashlib import blake2b

import numpy as np
import pandas as pd
import pytest

from vbn_widgets import VBNCache
from vbn_widgets.data.catalog import build_catalog, classify_key, to_session_id

V4 = "visual-behavior-neuropixels_project_manifest_v0.4.0.json"
V5 = "visual-behavior-neuropixels_project_manifest_v0.5.0.json"
V3 = "visual-behavior-neuropixels_project_manifest_v0.3.0.json"
ALLENSDK_ORDER = ["units", "probes", "channels", "ecephys_sessions", "behavior_sessions"]
TABLE_ORDER = ["ecephys_sessions", "behavior_sessions", "probes", "channels", "units"]


@pytest.fixture
def cache(demo_release, tmp_path):
    return VBNCache.from_mirror(demo_release, tmp_path / "c")


@pytest.mark.parametrize("version", [V4, V5])
def test_every_file_appears_exactly_once(cache, version):
    if version == V4:
        with pytest.warns(UserWarning, match="not the latest"):
            cache.load_manifest(V4)
    catalog = build_catalog(cache)
    assert catalog.manifest_name == version
    keys = [f.key for f in catalog.files()]
    assert Counter(keys).most_common(1)[0][1] == 1
    assert sorted(keys) == sorted(e.key for e in cache.manifest.entries())
    assert catalog.other == ()
    for item in catalog.files():  # refs are what the cache takes
        assert cache.file_status(item.ref).entry == item.entry
        assert catalog.by_key(item.key) is item


def test_metadata_tables_come_first_in_a_fixed_order(cache):
    catalog = build_catalog(cache)
    assert [f.ref for f in catalog.metadata] == TABLE_ORDER
    assert [f.label for f in catalog.metadata] == [f"{t}.csv" for t in TABLE_ORDER]
    assert {f.kind for f in catalog.metadata} == {"metadata"}
    assert catalog.files()[:5] == list(catalog.metadata)


def test_ecephys_sessions_hold_their_nwb_and_lfp_files(cache):
    catalog = build_catalog(cache)
    sessions = cache.get_ecephys_session_table(filter_abnormalities=False)
    probes = cache.get_probe_table()
    assert [s.session_id for s in catalog.ecephys] == sorted(sessions.index)
    for session in catalog.ecephys:
        nwb, *lfp = session.files
        assert nwb.kind == "ecephys_nwb"
        assert nwb.label == f"ecephys_session_{session.session_id}.nwb"
        assert nwb.ref == int(sessions.loc[session.session_id, "file_id"])
        mine = probes[(probes["ecephys_session_id"] == session.session_id) & probes["has_lfp_data"]]
        assert len(lfp) == len(mine)
        assert [f.probe for f in lfp] == sorted(mine["name"])
        assert [f.label for f in lfp] == [f"{p} LFP" for p in sorted(mine["name"])]
        assert {f.kind for f in lfp} <= {"lfp_nwb"}
        assert {f.session_id for f in session.files} == {session.session_id}
        assert {f.ref for f in lfp} == {int(i) for i in mine["file_id"]}


def test_behavior_only_sessions_are_the_rows_without_an_ecephys_session(cache):
    catalog = build_catalog(cache)
    table = cache.get_behavior_session_table()
    only = table[table["ecephys_session_id"].isna()]
    assert [s.session_id for s in catalog.behavior] == sorted(only.index)
    for session in catalog.behavior:
        (nwb,) = session.files
        assert nwb.kind == "behavior_nwb"
        assert nwb.ref == int(only.loc[session.session_id, "file_id"])
        assert session.experience_level is None


def test_session_metadata_comes_from_the_tables(cache):
    catalog = build_catalog(cache)
    assert catalog.problems == ()
    ecephys = cache.get_ecephys_session_table(filter_abnormalities=False)
    for session in catalog.ecephys:
        row = ecephys.loc[session.session_id]
        assert session.kind == "ecephys"
        assert session.mouse_id == str(int(row["mouse_id"]))
        assert session.genotype == row["genotype"]
        assert session.experience_level == row["experience_level"]
        assert session.session_type == row["session_type"]
        stamp = pd.Timestamp(row["date_of_acquisition"]).tz_convert("UTC")
        assert session.date == stamp.strftime("%Y-%m-%d")
    behavior = cache.get_behavior_session_table()
    for session in catalog.behavior:
        row = behavior.loc[session.session_id]
        assert (session.kind, session.mouse_id) == ("behavior", str(int(row["mouse_id"])))
        assert session.session_type == row["session_type"]
        assert session.date is not None and len(session.date) == 10


def test_without_tables_the_grouping_stands_and_metadata_is_none(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    catalog = build_catalog(cache, fetch_tables=False)
    assert not (tmp_path / "c" / "visual-behavior-neuropixels-0.5.0").exists()  # nothing fetched
    assert catalog.ecephys and catalog.behavior
    assert all(s.mouse_id is s.genotype is s.date is None for s in catalog.ecephys)
    local = VBNCache(tmp_path / "c")  # local-only: the manifest is here, the tables are not
    catalog = build_catalog(local)
    assert len(catalog.problems) == 2
    assert "ecephys_sessions" in catalog.problems[0]
    assert all(s.session_type is None for s in catalog.behavior)


def test_a_static_mount_reads_metadata_in_place(demo_release):
    catalog = build_catalog(VBNCache(demo_release, static=True), fetch_tables=False)
    assert catalog.problems == ()
    assert all(s.mouse_id for s in catalog.ecephys)


def test_session_lookups_accept_numpy_ints_and_digit_strings(cache):
    catalog = build_catalog(cache)
    first = catalog.ecephys[0]
    behavior = catalog.behavior[-1]
    assert catalog.session(np.int64(first.session_id)) is first
    assert catalog.session(str(behavior.session_id)) is behavior
    with pytest.raises(KeyError, match="session 12345 is not in"):
        catalog.session(12345)
    ids = pd.Index([first.session_id, behavior.session_id, first.session_id, 12345])
    files, unknown = catalog.files_for_sessions([*ids, "777"])
    assert files == [*first.files, *behavior.files]
    assert unknown == [12345, 777]
    with pytest.raises(ValueError, match="'abc' is not a session id"):
        catalog.files_for_sessions(["abc"])
    with pytest.raises(KeyError, match="'nope' is not a file of"):
        catalog.by_key("nope")
    assert to_session_id(np.float64(5.0)) == 5
    with pytest.raises(ValueError, match="True"):
        to_session_id(True)


def test_unknown_keys_land_in_other(demo_release, tmp_path):
    raw = json.loads((demo_release / "visual-behavior-neuropixels/manifests" / V5).read_text())
    extra = next(iter(raw["data_files"].values())).copy()
    extra["url"] = extra["url"].rsplit("/visual-behavior-neuropixels/", 1)[0] + (
        "/visual-behavior-neuropixels/extras/readme.txt"
    )
    raw["data_files"]["9999"] = extra
    (tmp_path / "c").mkdir()
    (tmp_path / "c" / V5).write_text(json.dumps(raw))
    catalog = build_catalog(VBNCache(tmp_path / "c"))
    (other,) = catalog.other
    assert (other.ref, other.kind, other.label) == (9999, "other", "extras/readme.txt")
    assert catalog.files()[-1] is other
    assert (
        classify_key("visual-behavior-neuropixels/behavior_ecephys_sessions/1/x.nwb")[0] == "other"
    )


def test_real_v030_manifest_groups_its_153_nwb_files(realdata, tmp_path):
    shutil.copy(realdata / "vbn_v0.3.0" / V3, tmp_path / V3)
    catalog = build_catalog(VBNCache(tmp_path))
    assert catalog.manifest_name == V3
    assert len(catalog.ecephys) == 153
    assert catalog.behavior == () and catalog.other == ()
    assert all(len(s.files) == 1 and s.files[0].kind == "ecephys_nwb" for s in catalog.ecephys)
    probes = pd.read_csv(realdata / "vbn_v0.3.0" / "project_metadata" / "probes.csv")
    assert {s.session_id for s in catalog.ecephys} == set(probes["ecephys_session_id"])
    assert sorted(f.ref for s in catalog.ecephys for f in s.files) == list(range(153))
    assert len(catalog.files()) == 158
    assert catalog.session(1044385384).files[0].label == "ecephys_session_1044385384.nwb"


def test_real_v040_keys_group_into_sessions_and_probes(realdata, tmp_path):
    """The real v0.4.0 bucket keys (from AllenSDK's notebook output; hashes made up)."""
    lines = (realdata / "vbn_v0.4.0" / "manifest_v0.4.0_download_urls.txt").read_text().split()

    def entry(line: str) -> dict:
        url, version_id = line.split("?versionId=")
        fake = blake2b(url.encode()).hexdigest()
        return {"url": url, "version_id": version_id, "file_hash": fake}

    raw = {
        "project_name": "visual-behavior-neuropixels",
        "manifest_version": "0.4.0",
        "metadata_files": {
            t: entry(line) for t, line in zip(ALLENSDK_ORDER, lines[:5], strict=True)
        },
        "data_files": {str(i): entry(line) for i, line in enumerate(lines[5:])},
    }
    (tmp_path / V4).write_text(json.dumps(raw))
    catalog = build_catalog(VBNCache(tmp_path))
    assert (len(catalog.ecephys), len(catalog.behavior), len(catalog.other)) == (153, 3271, 0)
    assert sum(len(s.files) - 1 for s in catalog.ecephys) == 869
    assert len(catalog.files()) == 4298
    # file ids as the AllenSDK notebook tables show them (see the realdata README)
    session = catalog.session(1044385384)
    assert session.files[0].ref == 870
    assert [f.probe for f in session.files[1:]] == [
        "probeB",
        "probeC",
        "probeD",
        "probeE",
        "probeF",
    ]
    assert session.files[1].ref == 0
    assert catalog.session(1055198750).files[0].ref == 1022
