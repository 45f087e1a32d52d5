import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from vbn_widgets.data.errors import ManifestError
from vbn_widgets.data.manifest import (
    Manifest,
    compare,
    manifest_file_name,
    manifest_version,
    sort_manifest_names,
    split_url,
)
from vbn_widgets.data.manifest_rules import group_is_clean

V030 = "vbn_v0.3.0/visual-behavior-neuropixels_project_manifest_v0.3.0.json"
URL = "https://visual-behavior-neuropixels-data.s3.us-west-2.amazonaws.com/visual-behavior-neuropixels/{}"


def entry(key: str, digest: str = "a" * 128, vid: str = "v1") -> dict:
    return {"url": URL.format(key), "version_id": vid, "file_hash": digest}


def manifest_dict(version: str, data: dict | None = None, meta: dict | None = None) -> dict:
    return {
        "project_name": "visual-behavior-neuropixels",
        "manifest_version": version,
        "data_pipeline": [{"name": "AllenSDK", "version": "2.16.2", "comment": ""}],
        "metadata_file_id_column_name": "file_id",
        "metadata_files": meta or {"units": entry("project_metadata/units.csv")},
        "data_files": data or {},
    }


def test_real_v030_manifest_parses(realdata):
    path = realdata / V030
    manifest = Manifest.from_bytes(path.read_bytes(), path.name)
    assert str(manifest.version) == "0.3.0"
    assert manifest.version_folder == "visual-behavior-neuropixels-0.3.0"
    assert set(manifest.metadata_files) == {
        "units",
        "probes",
        "channels",
        "ecephys_sessions",
        "behavior_sessions",
    }
    assert sorted(manifest.data_files) == list(range(153))
    units = manifest.metadata_entry("units")
    assert units.bucket == "visual-behavior-neuropixels-data"
    assert units.key == "visual-behavior-neuropixels/project_metadata/units.csv"
    assert units.relative_path == "project_metadata/units.csv"
    assert units.version_id == "91TmYyyHY0hv3j0Mn9U0JDULeAes0YGk"
    assert all(len(e.file_hash) == 128 for e in manifest.entries())
    assert manifest.data_entry(87).key.startswith("visual-behavior-neuropixels/ecephys_sessions/")


def test_latest_is_highest_semver_not_string_order():
    names = [manifest_file_name(v) for v in ("0.9.0", "0.10.0", "0.2.1", "1.0.0rc1")]
    assert sorted(names[:3])[-1] == manifest_file_name("0.9.0")  # what string order would pick
    assert sort_manifest_names([*names, "notes.txt"]) == [
        manifest_file_name(v) for v in ("0.2.1", "0.9.0", "0.10.0", "1.0.0rc1")
    ]


@given(st.lists(st.tuples(*(st.integers(0, 30),) * 3), min_size=1, max_size=12, unique=True))
def test_semver_ordering_matches_numeric_tuples(versions):
    names = [manifest_file_name(".".join(map(str, v))) for v in versions]
    ordered = sort_manifest_names(names)
    assert [manifest_version(n).release for n in ordered] == sorted(versions)


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"{not json", "invalid JSON at line 1"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[]", "top level must be a JSON object"),
        (json.dumps({"project_name": "p"}).encode(), "missing top-level key"),
        (
            json.dumps(manifest_dict("0.4.0", meta={"units": {"url": "x"}})).encode(),
            "lacks string field(s) ['file_hash']",
        ),
        (
            json.dumps(manifest_dict("0.4.0", meta={"units": entry("a.csv", "md5ish")})).encode(),
            "is not a BLAKE2b hex digest",
        ),
        (
            json.dumps(manifest_dict("0.4.0", data={"x1": entry("a.nwb")})).encode(),
            "data_files key 'x1' is not an integer",
        ),
        (
            json.dumps(manifest_dict("zero", data={})).encode(),
            "manifest_version 'zero' is not a version",
        ),
        (
            json.dumps(
                manifest_dict("0.4.0", data={"1": {**entry("a"), "url": "ftp://h/x"}})
            ).encode(),
            "is not an https URL",
        ),
        (
            json.dumps(manifest_dict("0.4.0", data={"1": entry("../../etc/passwd")})).encode(),
            "escapes the release",
        ),
    ],
)
def test_malformed_manifest_names_file_and_fault(payload, message):
    with pytest.raises(ManifestError) as err:
        Manifest.from_bytes(payload, "m_v0.4.0.json", source="/cache/m_v0.4.0.json")
    assert message in str(err.value)
    assert "/cache/m_v0.4.0.json" in str(err.value)


def test_multiline_json_error_reports_line(realdata):
    text = (realdata / V030).read_text().splitlines()
    text[7] = text[7] + ","  # a trailing comma inside data_pipeline
    with pytest.raises(ManifestError, match=r"invalid JSON at line \d+"):
        Manifest.from_bytes("\n".join(text).encode(), "bad.json")


def test_split_url_rejects_other_hosts():
    assert split_url(URL.format("x/y.csv")) == (
        "visual-behavior-neuropixels-data",
        "visual-behavior-neuropixels/x/y.csv",
    )
    with pytest.raises(ValueError, match="not an https URL"):
        split_url("https://example.com/visual-behavior-neuropixels/x")


def test_unknown_file_id_and_table_are_named():
    manifest = Manifest.from_dict(manifest_dict("0.4.0", data={"3": entry("a.nwb")}), "m")
    with pytest.raises(ManifestError, match=r"no data file with file_id -999"):
        manifest.data_entry(-999)
    with pytest.raises(ManifestError, match=r"file_id 2\.5 is not an integer"):
        manifest.data_entry(2.5)
    with pytest.raises(ManifestError, match="no metadata file 'spikes'"):
        manifest.metadata_entry("spikes")


def test_compare_reports_changed_added_removed_renamed():
    old = Manifest.from_dict(
        manifest_dict(
            "0.4.0",
            data={
                "0": entry("s/a.nwb", "1" * 128),
                "1": entry("s/b.nwb", "2" * 128),
                "2": entry("s/c.nwb", "3" * 128),
                "3": entry("s/d.nwb", "4" * 128),
            },
        ),
        "old",
    )
    new = Manifest.from_dict(
        manifest_dict(
            "0.5.0",
            data={
                "0": entry("s/a.nwb", "1" * 128),  # unchanged
                "1": entry("s/b.nwb", "9" * 128),  # changed
                "2": entry("s/c2.nwb", "3" * 128),  # renamed, same bytes
                "3": entry("s/e.nwb", "5" * 128),  # added; d removed
            },
        ),
        "new",
    )
    diff = compare(old, new)
    assert diff.changed == ("visual-behavior-neuropixels/s/b.nwb",)
    assert diff.renamed == (
        ("visual-behavior-neuropixels/s/c.nwb", "visual-behavior-neuropixels/s/c2.nwb"),
    )
    assert diff.added == ("visual-behavior-neuropixels/s/e.nwb",)
    assert diff.removed == ("visual-behavior-neuropixels/s/d.nwb",)
    assert diff.unchanged == 2  # a.nwb and units.csv
    assert str(diff) == (
        "Changes going from\nold\nto\nnew\n\n"
        "s/b.nwb changed\ns/c.nwb renamed s/c2.nwb\ns/d.nwb deleted\ns/e.nwb created\n"
    )
    assert compare(old, old).changed == ()
    assert str(compare(old, old)) == "The two manifests are equivalent"


def real_v040_entries(realdata) -> list[dict]:
    lines = (realdata / "vbn_v0.4.0" / "manifest_v0.4.0_download_urls.txt").read_text().split()
    return [
        {"url": url, "version_id": vid, "file_hash": "ab" * 64}
        for url, vid in (line.split("?versionId=") for line in lines)
    ]


def test_real_v040_keys_pass_every_rule_in_the_fast_check(realdata):
    """All 4,298 real keys pass the all-at-once check, not only the entry-by-entry one."""
    values = real_v040_entries(realdata)
    assert len(values) == 4298
    assert group_is_clean(values, "visual-behavior-neuropixels")
    raw = manifest_dict("0.4.0", data={str(i): v for i, v in enumerate(values[5:])})
    manifest = Manifest.from_dict(raw, "m")
    assert len(manifest.data_files) == 4293
    assert manifest.data_entry(1022).relative_path == (
        "behavior_only_sessions/1055198750/behavior_session_1055198750.nwb"
    )


_KEY_CHARS = st.sampled_from(["a", "7", "/", ".", "..", "\\", "\x00", "\x1b", "\x85", "é", "-"])


@given(
    rest=st.lists(_KEY_CHARS, max_size=12).map("".join),
    long_part=st.sampled_from(["", "b" * 255, "b" * 256, "é" * 128]),
    vid=st.sampled_from(["v1", "", ".", "..", "a/b", "a\\b", "x" * 1024, "x" * 1025, "é", "K.a_Z"]),
)
def test_fast_and_entry_checks_agree(rest, long_part, vid):
    value = entry(long_part + rest, vid=vid)
    try:
        raw = manifest_dict("0.4.0", data={"1": value})
        built = Manifest.from_dict(raw, "m", lazy=True).data_entry(1)
    except ManifestError:
        built = None
    fast = group_is_clean([value], "visual-behavior-neuropixels")
    if fast:  # the fast check never passes what the entry check refuses...
        assert built is not None
    elif value["url"].isascii():  # ...and, on ASCII, refuses only that (else it defers)
        assert built is None
    if built is not None:  # a clean key names a path inside the version folder
        parts = built.relative_path.split("/")
        assert all(p not in {"", ".", ".."} and "\\" not in p for p in parts)
