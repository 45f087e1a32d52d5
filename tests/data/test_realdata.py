"""The real release files from ../shared/realdata, read through the data layer."""

import json
import shutil

from vbn_widgets.data.layout import CacheLayout, hash_file
from vbn_widgets.data.manifest import Manifest
from vbn_widgets.data.tables import load_table

V030 = "vbn_v0.3.0"


def test_real_probes_csv_matches_manifest_hash_and_counts(realdata, tmp_path):
    manifest_path = realdata / V030 / "visual-behavior-neuropixels_project_manifest_v0.3.0.json"
    manifest = Manifest.from_bytes(manifest_path.read_bytes(), manifest_path.name)
    csv = realdata / V030 / "project_metadata" / "probes.csv"
    expected = manifest.metadata_entry("probes").file_hash
    assert hash_file(csv) == expected

    probes = load_table(csv, "probes", tmp_path / "sidecars", csv_hash=expected)
    assert len(probes) == 905
    assert probes.index.name == "ecephys_probe_id"
    assert probes.index.is_unique
    assert int(probes["unit_count"].sum()) == 319_013
    assert int(probes["channel_count"].sum()) == 347_520
    assert probes["unit_count"].dtype == "int64"  # AllenSDK casts Int64 only in session tables
    assert probes["has_lfp_data"].dtype == bool
    assert probes["structure_acronyms"].map(type).eq(list).all()
    assert probes.loc[1044506933, "structure_acronyms"][:2] == ["CA1", "DG"]
    assert probes["ecephys_session_id"].nunique() == 153
    session_ids = {int(e.key.rsplit("_", 1)[1][:-4]) for e in manifest.data_files.values()}
    assert set(probes["ecephys_session_id"].astype(int)) == session_ids

    # warm: the same frame through the sidecar, which is named by the CSV's hash
    (sidecar,) = (tmp_path / "sidecars").iterdir()
    assert expected[:32] in sidecar.name
    again = load_table(csv, "probes", tmp_path / "sidecars", csv_hash=expected)
    assert again.equals(probes)
    assert again["structure_acronyms"].tolist() == probes["structure_acronyms"].tolist()


def test_real_downloaded_data_json_parses(realdata, tmp_path):
    shutil.copy(realdata / V030 / "_downloaded_data.json", tmp_path / "_downloaded_data.json")
    book = CacheLayout(tmp_path).read_downloaded()
    assert len(book) == 7
    manifest_path = realdata / V030 / "visual-behavior-neuropixels_project_manifest_v0.3.0.json"
    manifest = Manifest.from_bytes(manifest_path.read_bytes(), manifest_path.name)
    known = {e.file_hash for e in manifest.entries()}
    assert set(book.values()) <= known
    assert sum(p.endswith(".csv") for p in book) == 5

    # a record added by us keeps AllenSDK's format: indent=2, sorted keys, the others untouched
    layout = CacheLayout(tmp_path)
    new = tmp_path / "visual-behavior-neuropixels-0.3.0" / "x.nwb"
    layout.record_downloaded(new, "0" * 128)
    text = (tmp_path / "_downloaded_data.json").read_text()
    data = json.loads(text)
    assert text == json.dumps(data, indent=2, sort_keys=True)
    assert {k: v for k, v in data.items() if k != str(new.resolve())} == book
