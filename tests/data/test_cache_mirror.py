"""VBNCache over a local mirror of the bucket (the demo release): manifests, tables, layout."""

import json
import warnings

import pandas as pd
import pytest
from conftest import tree_snapshot

from vbn_widgets import VBNCache
from vbn_widgets.data import FileState, ManifestError, ReadOnlyCacheError
from vbn_widgets.data.layout import hash_file

V4 = "visual-behavior-neuropixels_project_manifest_v0.4.0.json"
V5 = "visual-behavior-neuropixels_project_manifest_v0.5.0.json"


@pytest.fixture
def cache(demo_release, tmp_path):
    return VBNCache.from_mirror(demo_release, tmp_path / "cache")


def test_nothing_is_read_or_written_until_asked(cache):
    assert cache.list_manifest_file_names() == [V4, V5]
    assert cache.latest_manifest_file() == V5
    assert cache.current_manifest() is None
    assert not cache.cache_dir.exists()


def test_first_table_loads_latest_in_allensdk_layout(cache):
    units = cache.get_unit_table()
    root = cache.cache_dir
    assert cache.current_manifest() == V5
    assert (root / "_manifest_last_used.txt").read_bytes() == V5.encode()  # no newline
    assert (root / V5).is_file()  # manifests sit flat in cache_dir
    csv = root / "visual-behavior-neuropixels-0.5.0" / "project_metadata" / "units.csv"
    book_text = (root / "_downloaded_data.json").read_text()
    book = json.loads(book_text)
    assert book_text == json.dumps(book, indent=2, sort_keys=True)
    assert book == {str(csv.resolve()): cache.manifest.metadata_entry("units").file_hash}
    assert units.index.name == "unit_id"
    assert "quality" in units.columns
    assert cache.list_all_downloaded_manifests() == [V5]
    # only the table asked for was fetched
    assert sorted(p.name for p in csv.parent.iterdir()) == ["units.csv"]


def test_tables_have_allensdk_types(cache):
    sessions = cache.get_ecephys_session_table(filter_abnormalities=False)
    assert sessions.index.name == "ecephys_session_id"
    assert str(sessions["date_of_acquisition"].dtype).startswith("datetime64")
    assert str(sessions["date_of_acquisition"].dt.tz) == "UTC"
    for col in ("unit_count", "probe_count", "channel_count", "prior_exposures_to_image_set"):
        assert str(sessions[col].dtype) == "Int64", col
    for col in ("structure_acronyms", "abnormal_histology", "abnormal_activity"):
        assert sessions[col].map(type).eq(list).all(), col
    behavior = cache.get_behavior_session_table()
    assert behavior.index.name == "behavior_session_id"
    assert str(behavior["ecephys_session_id"].dtype) == "Int64"
    assert behavior["ecephys_session_id"].isna().any()
    probes = cache.get_probe_table()
    assert probes.index.name == "ecephys_probe_id"
    assert probes["has_lfp_data"].dtype == bool
    assert (probes.loc[~probes["has_lfp_data"], "file_id"] == -999).all()
    channels = cache.get_channel_table()
    assert channels.index.name == "ecephys_channel_id"
    units = cache.get_unit_table()
    assert units["firing_rate"].dtype == "float64"
    assert units["isolation_distance"].isna().any()
    # links hold
    assert probes["unit_count"].sum() == len(units)
    assert set(units["ecephys_probe_id"]) <= set(probes.index)
    assert set(channels["ecephys_session_id"]) <= set(sessions.index)


def test_filter_abnormalities_drops_any_flagged_session(cache):
    everything = cache.get_ecephys_session_table(filter_abnormalities=False)
    normal = cache.get_ecephys_session_table()
    flagged = (everything["abnormal_histology"].map(len) > 0) | (
        everything["abnormal_activity"].map(len) > 0
    )
    assert flagged.any()
    assert normal.index.equals(everything.index[~flagged])
    assert cache.get_ecephys_session_table(filter_abnormalities=True).equals(normal)


def test_returned_tables_are_independent_copies(cache):
    units = cache.get_unit_table()
    units["firing_rate"] = -1.0
    assert (cache.get_unit_table()["firing_rate"] != -1.0).any()


def test_old_manifest_reuses_unchanged_files(cache):
    cache.get_probe_table()
    cache.get_unit_table()
    with pytest.warns(UserWarning, match="not the latest"):
        cache.load_manifest(V4)
    assert cache.current_manifest() == V4
    assert (cache.cache_dir / "_manifest_last_used.txt").read_text() == V4
    opened = []
    original = cache.source.open

    def counting_open(entry, start=0):
        opened.append(entry.key)
        return original(entry, start)

    cache.source.open = counting_open
    probes = cache.get_probe_table()  # byte-identical in both versions: reused, not fetched
    units = cache.get_unit_table()  # changed: fetched
    assert opened == ["visual-behavior-neuropixels/project_metadata/units.csv"]
    v4_probes = cache.cache_dir / "visual-behavior-neuropixels-0.4.0/project_metadata/probes.csv"
    assert v4_probes.is_symlink()
    assert v4_probes.resolve() == (
        cache.cache_dir / "visual-behavior-neuropixels-0.5.0/project_metadata/probes.csv"
    )
    assert "quality" not in units.columns
    assert len(probes) > 0
    assert cache.file_state("units") is FileState.VERIFIED


def test_compare_manifests_reports_the_release_changes(cache):
    diff = cache.compare_manifests(V4, V5)
    assert "visual-behavior-neuropixels/project_metadata/units.csv" in diff.changed
    nwb_changed = [k for k in diff.changed if k.endswith(".nwb")]
    assert nwb_changed
    assert all("/ecephys_session_" in k for k in nwb_changed)
    assert diff.added == diff.removed == ()
    assert str(diff).startswith(f"Changes going from\n{V4}\nto\n{V5}\n\n")
    assert "project_metadata/units.csv changed\n" in str(diff)


def test_last_used_manifest_is_reopened_with_a_warning(demo_release, tmp_path):
    first = VBNCache.from_mirror(demo_release, tmp_path / "c")
    with pytest.warns(UserWarning, match="not the latest"):
        first.load_manifest(V4)
    again = VBNCache.from_mirror(demo_release, tmp_path / "c")
    with pytest.warns(UserWarning, match=r"v0\.4\.0.*latest is .*v0\.5\.0"):
        assert again.manifest.name == V4
    with pytest.raises(ManifestError, match="not a known manifest"):
        again.load_manifest("visual-behavior-neuropixels_project_manifest_v9.9.9.json")
    assert again.current_manifest() == V4


def test_static_mount_reads_in_place_and_never_writes(demo_release):
    before = tree_snapshot(demo_release)
    static = VBNCache.from_local_cache(demo_release, use_static_cache=True)
    assert static.latest_manifest_file() == V5
    units = static.get_unit_table()
    sessions = static.get_ecephys_session_table()
    assert len(units) > 0
    assert len(sessions) > 0
    assert static.file_state("units") is FileState.VERIFIED
    file_id = int(sessions["file_id"].iloc[0])
    assert static.data_path(file_id)["exists"]
    assert static.file_state(file_id, verify=True) is FileState.VERIFIED
    with pytest.warns(UserWarning, match="not the latest"):
        static.load_manifest(V4)  # older manifest: its superseded units.csv is not on the mount
    assert static.file_state("units") is FileState.CORRUPT
    assert tree_snapshot(demo_release) == before


def test_local_cache_opens_what_was_downloaded_and_refuses_the_rest(cache):
    cache.get_unit_table()
    local = VBNCache.from_local_cache(cache.cache_dir)
    assert local.list_manifest_file_names() == [V5]
    assert local.get_unit_table().equals(cache.get_unit_table())
    with pytest.raises(ReadOnlyCacheError, match=r"channels\.csv is missing") as err:
        local.get_channel_table()
    assert isinstance(err.value, FileNotFoundError)


def test_folder_filled_by_allensdk_opens_here(demo_release, tmp_path):
    """Lay a folder out the way AllenSDK's S3CloudCache writes it, then open it locally."""
    mirror = VBNCache.from_local_cache(demo_release, use_static_cache=True)
    manifest = mirror.manifest
    root = tmp_path / "allensdk_cache"
    root.mkdir()
    (root / V5).write_bytes(
        (demo_release / "visual-behavior-neuropixels/manifests" / V5).read_bytes()
    )
    book = {}
    for table in ("units", "probes", "ecephys_sessions"):
        entry = manifest.metadata_entry(table)
        local = root / "visual-behavior-neuropixels-0.5.0" / entry.relative_path
        local.parent.mkdir(parents=True, exist_ok=True)
        local.write_bytes((demo_release / entry.key).read_bytes())
        book[str(local.resolve())] = entry.file_hash
    (root / "_downloaded_data.json").write_text(json.dumps(book, indent=2, sort_keys=True))
    (root / "_manifest_last_used.txt").write_text(V5)

    local = VBNCache.from_local_cache(root)
    assert local.current_manifest() is None
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        sessions = local.get_ecephys_session_table()
    assert local.current_manifest() == V5
    assert len(sessions) > 0
    assert local.file_state("probes") is FileState.VERIFIED
    assert local.file_state("channels") is FileState.MISSING
    pd.testing.assert_frame_equal(local.get_unit_table(), mirror.get_unit_table())


def test_verify_on_demand_detects_corruption_and_download_repairs(cache):
    path = cache.download("probes")
    assert cache.file_state("probes", verify=True) is FileState.VERIFIED
    path.write_bytes(path.read_bytes()[:-10] + b"0123456789")
    assert cache.file_state("probes") is FileState.VERIFIED  # the record is trusted
    assert cache.file_state("probes", verify=True) is FileState.CORRUPT
    assert cache.file_state("probes") is FileState.CORRUPT  # the re-hash replaced the record
    cache.download("probes")
    assert hash_file(path) == cache.manifest.metadata_entry("probes").file_hash
    assert cache.file_state("probes", verify=True) is FileState.VERIFIED


def test_bad_entry_in_a_cached_manifest_is_named_when_used(cache):
    cache.get_probe_table()
    path = cache.cache_dir / V5
    raw = json.loads(path.read_text())
    raw["data_files"]["3"]["file_hash"] = "not-a-hash"
    path.write_text(json.dumps(raw, indent=4))
    local = VBNCache.from_local_cache(cache.cache_dir)
    assert len(local.get_probe_table()) > 0  # the table does not need data file 3
    with pytest.raises(ManifestError, match=rf"{V5}: data_files\['3'\]\.file_hash"):
        local.data_path(3)


@pytest.mark.full_scale
def test_full_scale_release_through_the_cache(full_demo_release, tmp_path):
    cache = VBNCache.from_mirror(full_demo_release, tmp_path / "c")
    assert len(cache.get_ecephys_session_table(filter_abnormalities=False)) == 153
    assert len(cache.get_ecephys_session_table()) == 103
    assert len(cache.get_behavior_session_table()) == 3424
    probes = cache.get_probe_table()
    assert len(probes) == 905
    assert int(probes["has_lfp_data"].sum()) == 869
    assert len(cache.get_channel_table()) == 347_520
    units = cache.get_unit_table()
    assert len(units) == 319_013 == int(probes["unit_count"].sum())
    assert len(cache.manifest.data_files) == 869 + 153 + 3271
    warm = VBNCache.from_mirror(full_demo_release, tmp_path / "c").get_unit_table()
    pd.testing.assert_frame_equal(warm, units)
