"""The widget-free linking logic: sessions prepared as the picker shows them, key masks, the
per-session ranking, and the pandas code that reproduces each frame (run and compared)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets import VBNCache
from vbn_widgets.linking import (
    ABNORMAL,
    FIRST_COLUMNS,
    KeyColumn,
    LinkError,
    check_ids,
    finish_code,
    prepare_sessions,
    ranking_code,
    ranking_frame,
    table_code,
)


@pytest.fixture(scope="module")
def cache(demo_release):
    return VBNCache.from_local_cache(demo_release, use_static_cache=True)


def run(code: str, **names) -> dict:
    namespace = {"pd": pd, **names}
    exec(code, namespace)  # noqa: S102 - the generated code under test
    return namespace


def test_prepared_sessions_flag_abnormal_like_allensdk(cache):
    raw = cache.get_ecephys_session_table(filter_abnormalities=False)
    frame, code = prepare_sessions(raw)
    assert ABNORMAL not in raw.columns  # the input is left alone
    normal = cache.get_ecephys_session_table()
    assert frame.index[~frame[ABNORMAL]].tolist() == normal.index.tolist()
    assert frame[ABNORMAL].dtype == bool and frame[ABNORMAL].any()
    assert list(frame.columns[: len(FIRST_COLUMNS)]) == list(FIRST_COLUMNS)
    assert sorted(frame.columns) == sorted([*raw.columns, ABNORMAL])
    ns = run("\n".join(code), sessions=raw.copy())
    pd.testing.assert_frame_equal(ns["sessions"], frame)


def test_list_columns_given_as_text_are_parsed(demo_release):
    """AllenSDK reads the CSV with plain pandas: list columns stay text, empty ones NaN."""
    csv = demo_release / "visual-behavior-neuropixels/project_metadata/ecephys_sessions.csv"
    raw = pd.read_csv(csv, index_col="ecephys_session_id")
    assert isinstance(raw["structure_acronyms"].iloc[0], str)
    frame, code = prepare_sessions(raw)
    assert all(isinstance(v, list) for v in frame["structure_acronyms"])
    flagged = raw["abnormal_histology"].notna() | raw["abnormal_activity"].notna()
    assert frame[ABNORMAL].tolist() == flagged.tolist()
    ns = run("\n".join(code), sessions=raw.copy())
    pd.testing.assert_frame_equal(ns["sessions"], frame)

    bad = raw.copy()
    bad.iloc[1, bad.columns.get_loc("structure_acronyms")] = "CA1, DG"
    with pytest.raises(LinkError, match=rf"structure_acronyms.*{bad.index[1]}.*'CA1, DG'"):
        prepare_sessions(bad)


def test_prepare_rejects_what_it_cannot_link():
    with pytest.raises(LinkError, match="must be a DataFrame"):
        prepare_sessions([1, 2])
    with pytest.raises(LinkError, match="already has a column 'abnormal'"):
        prepare_sessions(pd.DataFrame({ABNORMAL: [True]}))
    bare, _ = prepare_sessions(pd.DataFrame({"genotype": ["wt"]}))
    assert bare[ABNORMAL].tolist() == [False]


def test_key_column_masks_and_counts_match_pandas(cache):
    units = cache.get_unit_table()
    keys = KeyColumn(units, "ecephys_session_id", "units")
    sessions = units["ecephys_session_id"].unique()
    chosen = [int(sessions[0]), 12345]  # 12345 is no session: it matches nothing
    expected = units["ecephys_session_id"].isin(chosen).to_numpy()
    np.testing.assert_array_equal(keys.mask(chosen), expected)
    assert not keys.mask([]).any()
    rows = units["snr"].to_numpy() > 2
    index = pd.Index([*sessions, 999], name="ecephys_session_id")
    want = units[rows]["ecephys_session_id"].value_counts().reindex(index, fill_value=0)
    np.testing.assert_array_equal(keys.counts(index, rows), want.to_numpy())
    with pytest.raises(LinkError, match="the probes table has no column 'nope'"):
        KeyColumn(units, "nope", "probes")


def test_missing_keys_match_nothing():
    frame = pd.DataFrame({"k": pd.array([1, None, 2], dtype="Int64")})
    keys = KeyColumn(frame, "k", "t")
    assert keys.mask([1, 2]).tolist() == [True, False, True]
    assert keys.counts(pd.Index([2, 1, 3])).tolist() == [1, 1, 0]


def test_ranking_frame_equals_its_code(cache):
    units = cache.get_unit_table()
    sessions, _ = prepare_sessions(cache.get_ecephys_session_table(filter_abnormalities=False))
    passing = (units["presence_ratio"] > 0.9).to_numpy()
    areas = ["VISp", "CA1"]
    in_areas = units["structure_acronym"].isin(areas).to_numpy()
    keys = KeyColumn(units, "ecephys_session_id", "units")
    ranking = ranking_frame(sessions, keys, passing, in_areas)
    assert ranking.index.equals(sessions.index)
    assert (ranking["passing_in_areas"] <= ranking["passing_units"]).all()
    assert ranking["units"].sum() == len(units)
    code = ranking_code(sessions, 'units[units["presence_ratio"] > 0.9]', areas)
    ns = run("\n".join(code), sessions=sessions, units=units)
    pd.testing.assert_frame_equal(ns["ranking"], ranking)


def test_table_and_finish_code(cache):
    probes = cache.get_probe_table()
    keep = [int(probes.index[3]), int(probes.index[1])]
    code = table_code(
        "probes",
        "get_probe_table",
        sessions_code="",
        quality_expr=None,
        filter_expr="probes",
        selected=keep,
    )
    ns = run(code, cache=cache)
    assert ns["probes"].index.tolist() == sorted(keep, key=probes.index.get_loc)
    sessions = "sessions = cache.get_ecephys_session_table().head(1)"
    code = table_code(
        "probes",
        "get_probe_table",
        sessions_code=sessions,
        quality_expr=None,
        filter_expr="probes[probes['name'] == 'probeA']",
        selected=None,
    )
    ns = run(code, cache=cache)
    first = cache.get_ecephys_session_table().index[0]
    expected = probes[(probes["ecephys_session_id"] == first) & (probes["name"] == "probeA")]
    pd.testing.assert_frame_equal(ns["probes"], expected)
    assert finish_code("t", ["a = 1"], selected=None, filter_expr="t") == "a = 1"


def test_check_ids():
    assert check_ids([np.int64(3), "4", 5]) == [3, 4, 5]
    for bad in ("12", 5, [1.5], [True], ["x"]):
        with pytest.raises(LinkError):
            check_ids(bad)
