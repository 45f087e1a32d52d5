"""Typed loading and the columnar sidecar: warm loads skip the CSV, rebuilt when it changes."""

import os

import pandas as pd
import pytest

from vbn_widgets import VBNCache
from vbn_widgets.data import tables
from vbn_widgets.data.errors import TableError

V4 = "visual-behavior-neuropixels_project_manifest_v0.4.0.json"


def forbid_csv_parsing(monkeypatch):
    def fail(path, table):
        raise AssertionError(f"{path} was parsed although a valid sidecar exists")

    monkeypatch.setattr(tables, "read_csv_typed", fail)


def test_warm_load_goes_through_the_sidecar(demo_release, tmp_path, monkeypatch):
    cold = VBNCache.from_mirror(demo_release, tmp_path / "c").get_unit_table()
    sidecars = sorted((tmp_path / "c" / ".vbn_widgets" / "tables").iterdir())
    assert [p.name.split("-")[0] for p in sidecars] == ["units"]
    forbid_csv_parsing(monkeypatch)
    warm = VBNCache.from_mirror(demo_release, tmp_path / "c").get_unit_table()
    pd.testing.assert_frame_equal(warm, cold)


def test_lists_survive_the_sidecar(demo_release, tmp_path, monkeypatch):
    cold = VBNCache.from_mirror(demo_release, tmp_path / "c").get_ecephys_session_table(False)
    forbid_csv_parsing(monkeypatch)
    warm = VBNCache.from_mirror(demo_release, tmp_path / "c").get_ecephys_session_table(False)
    pd.testing.assert_frame_equal(warm, cold)
    assert warm["structure_acronyms"].map(type).eq(list).all()


def test_new_csv_hash_gets_a_new_sidecar(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    cache.get_unit_table()
    with pytest.warns(UserWarning, match="not the latest"):
        cache.load_manifest(V4)
    cache.get_unit_table()
    names = sorted(p.name for p in (tmp_path / "c" / ".vbn_widgets" / "tables").iterdir())
    assert len(names) == 2
    assert all(n.startswith("units-") for n in names)


def test_touched_csv_is_rechecked_and_sidecar_rebuilt(demo_release, tmp_path):
    cache = VBNCache.from_mirror(demo_release, tmp_path / "c")
    first = cache.get_probe_table()
    csv = cache.metadata_path("probes")["local_path"]
    os.utime(csv, ns=(1, 1))  # same bytes, new mtime: stale stamp
    again = VBNCache.from_mirror(demo_release, tmp_path / "c").get_probe_table()
    pd.testing.assert_frame_equal(first, again)

    csv.write_bytes(csv.read_bytes().replace(b"probeA", b"probeZ", 1))  # now the bytes differ
    with pytest.raises(TableError, match=r"probes\.csv: content no longer matches"):
        VBNCache.from_mirror(demo_release, tmp_path / "c").get_probe_table()


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda lines: lines.insert(3, lines[3] + ",extra"), r"line 4 has \d+ fields, expected"),
        (
            lambda lines: lines.__setitem__(5, lines[5].replace("True", "maybe", 1)),
            r"column 'has_lfp_data' expects a bool, line 6: 'maybe'",
        ),
        (
            lambda lines: lines.__setitem__(2, lines[2].replace(",384,", ",3x4,", 1)),
            r"column 'channel_count' expects a number, line 3: '3x4'",
        ),
        (
            lambda lines: lines.__setitem__(2, lines[2].replace(",384,", ",384.5,", 1)),
            r"column 'channel_count' expects an integer, line 3: 384\.5",
        ),
        (
            lambda lines: lines.__setitem__(4, lines[4].replace("['", "[__import__('os')", 1)),
            r"column 'structure_acronyms' expects a Python list, line 5",
        ),
        (lambda lines: lines.__setitem__(0, lines[0].replace("ecephys_probe_id", "id")), "missing"),
    ],
)
def test_malformed_csv_names_file_column_and_line(realdata, tmp_path, mutate, message):
    lines = (realdata / "vbn_v0.3.0/project_metadata/probes.csv").read_text().splitlines()
    mutate(lines)
    bad = tmp_path / "probes.csv"
    bad.write_text("\n".join(lines) + "\n")
    sidecars = tmp_path / "sidecars"
    with pytest.raises(TableError, match=message) as err:
        tables.load_table(bad, "probes", sidecars)
    assert str(bad) in str(err.value)
    assert not sidecars.exists()  # nothing half-built is left behind


@pytest.mark.parametrize(
    ("line", "value"),
    [(2, "yesterday"), (4, "2021-13-45 25:00:00+00:00"), (3, "2021-02-30 00:00:00+00:00")],
)
def test_unparsable_date_names_file_column_line_and_value(demo_release, tmp_path, line, value):
    sessions = demo_release / "visual-behavior-neuropixels/project_metadata/ecephys_sessions.csv"
    lines = sessions.read_text().splitlines()
    date = lines[line - 1].split(",")[2]
    lines[line - 1] = lines[line - 1].replace(date, value, 1)
    bad = tmp_path / "ecephys_sessions.csv"
    bad.write_text("\n".join(lines) + "\n")
    with pytest.raises(TableError) as err:
        tables.load_table(bad, "ecephys_sessions", tmp_path / "sidecars")
    assert str(err.value) == (
        f"{bad}: column 'date_of_acquisition' expects a UTC timestamp such as "
        f"'2020-08-19 14:47:08.574000+00:00', line {line}: {value!r}"
    )
    assert not (tmp_path / "sidecars").exists()
