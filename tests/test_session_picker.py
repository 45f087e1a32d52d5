"""SessionPicker: facets first, abnormal sessions out by default, selection to a variable."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from vbn_widgets import SessionPicker, VBNCache
from vbn_widgets.linking import ABNORMAL, FIRST_COLUMNS


class PlainCsvCache:
    """What AllenSDK's cache returns: ``pd.read_csv`` of the release CSVs (lists as text)."""

    def __init__(self, release: Path) -> None:
        self.folder = release / "visual-behavior-neuropixels" / "project_metadata"

    def _read(self, name: str, index: str) -> pd.DataFrame:
        return pd.read_csv(self.folder / f"{name}.csv", index_col=index)

    def get_ecephys_session_table(self, filter_abnormalities: bool = True) -> pd.DataFrame:
        sessions = self._read("ecephys_sessions", "ecephys_session_id")
        if filter_abnormalities:
            normal = sessions["abnormal_histology"].isna() & sessions["abnormal_activity"].isna()
            sessions = sessions[normal]
        return sessions

    def get_unit_table(self) -> pd.DataFrame:
        return self._read("units", "unit_id")

    def get_probe_table(self) -> pd.DataFrame:
        return self._read("probes", "ecephys_probe_id")

    def get_channel_table(self) -> pd.DataFrame:
        return self._read("channels", "ecephys_channel_id")


@pytest.fixture(scope="module")
def release(tmp_path_factory) -> Path:
    """Eight sessions (three abnormal), three genotypes, both experience levels."""
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("picker") / "release"
    write_demo_release(root, scale=0.05, seed=7)
    return root


@pytest.fixture(scope="module")
def cache(release) -> VBNCache:
    return VBNCache.from_local_cache(release, use_static_cache=True)


def run_code(code: str, cache: object) -> dict:
    namespace: dict = {"cache": cache, "pd": pd}
    exec(code, namespace)  # noqa: S102 - the generated code under test
    return namespace


def custom(widget, content):
    """Deliver one custom message as the browser would."""
    widget._handle_msg(
        {"content": {"data": {"method": "custom", "content": content}}, "buffers": []}
    )


def test_abnormal_sessions_are_out_by_default_as_in_allensdk(cache, user_ns):
    picker = SessionPicker(cache)
    normal = cache.get_ecephys_session_table()
    everything = cache.get_ecephys_session_table(filter_abnormalities=False)
    n_abnormal = len(everything) - len(normal)
    assert n_abnormal > 0
    assert picker.explorer.filtered.index.tolist() == normal.index.tolist()
    assert picker.chosen_ids == normal.index.tolist()
    assert picker._abnormal.description == f"include abnormal sessions ({n_abnormal})"
    assert not picker._abnormal.value and not picker.include_abnormal
    assert "'abnormal'" in picker.explorer.filter_code
    assert user_ns["sessions"] == []

    picker._abnormal.value = True  # the user ticks the box
    assert picker.explorer.filtered_count == len(everything)
    assert ABNORMAL not in picker.explorer.filter_code
    picker.explorer.set_filter(ABNORMAL, value=False)  # the grid's own filter: box follows
    assert not picker._abnormal.value
    assert picker.chosen_ids == normal.index.tolist()


def test_columns_put_the_usual_facets_first(cache):
    picker = SessionPicker(cache, export_to=None)
    names = [c["name"] for c in picker.explorer.columns]
    assert names[0] == "ecephys_session_id"
    assert names[1 : 1 + len(FIRST_COLUMNS)] == list(FIRST_COLUMNS)
    kinds = {c["name"]: c["kind"] for c in picker.explorer.columns}
    assert kinds["structure_acronyms"] == "list" and kinds[ABNORMAL] == "bool"
    assert kinds["date_of_acquisition"] == "date" and kinds["genotype"] == "category"


def test_selection_from_the_browser_goes_to_the_variable(cache, user_ns):
    picker = SessionPicker(cache, export_to="picked")
    seen = []
    picker.observe(lambda c: seen.append(c["new"]), names=["selected_ids"])
    custom(picker.explorer, {"kind": "select", "id": "s1", "op": "set", "rows": [2, 0]})
    table_order = [int(i) for i in picker.explorer.filtered.index[[0, 2]]]
    assert user_ns["picked"] == table_order
    assert all(type(i) is int for i in user_ns["picked"])
    assert picker.selected_ids == picker.chosen_ids == table_order
    assert seen == [table_order]
    assert picker.selected.tolist() == table_order and picker.selected.name == "ecephys_session_id"
    assert "2 sessions chosen (selected)" in picker._summary.value
    picker.select([])
    assert user_ns["picked"] == [] and picker.chosen_ids == picker.explorer.filtered.index.tolist()


def test_filters_choose_sessions_and_code_reproduces_them(cache):
    picker = SessionPicker(cache, export_to=None)
    picker.explorer.set_filter("experience_level", values=["Familiar"])
    picker.explorer.set_filter("structure_acronyms", values=["VISp", "CA1"], mode="all")
    picker.explorer.sort_by(("unit_count", False))
    frame = picker.filtered
    assert len(frame) > 0
    assert (frame["experience_level"] == "Familiar").all()
    assert all({"VISp", "CA1"} <= set(v) for v in frame["structure_acronyms"])
    assert frame["unit_count"].is_monotonic_decreasing
    assert picker.chosen_ids == frame.index.tolist()
    for rows in ("chosen", "filtered", "selected"):
        ns = run_code(picker.code("mine", rows=rows), cache)
        pd.testing.assert_frame_equal(ns["mine"], picker.frame(rows))

    picker.include_abnormal = True
    hidden = picker.table.index.difference(picker.filtered.index)[:2].tolist()
    picker.select(hidden)  # a selection may hold sessions the filters hide
    assert picker.chosen_ids == [i for i in picker.table.index if i in hidden]
    ns = run_code(picker.code(), cache)
    pd.testing.assert_frame_equal(ns["sessions"], picker.chosen)


def test_an_allensdk_cache_works_too(release):
    picker = SessionPicker(PlainCsvCache(release), export_to=None)
    assert picker.explorer.columns[6]["kind"] == "list"  # structure_acronyms, parsed
    ns = run_code(picker.code(rows="filtered"), PlainCsvCache(release))
    pd.testing.assert_frame_equal(ns["sessions"], picker.filtered)
    assert picker.chosen_ids == PlainCsvCache(release).get_ecephys_session_table().index.tolist()


def test_bad_arguments_name_the_problem(cache):
    with pytest.raises(TypeError, match="get_ecephys_session_table"):
        SessionPicker(object())
    with pytest.raises(ValueError, match="'class' cannot be a variable name"):
        SessionPicker(cache, export_to="class")
    picker = SessionPicker(cache, export_to=None)
    with pytest.raises(KeyError, match="12345"):
        picker.select([12345])
    assert "12345" in picker.error  # shown in the picker's error line too
    line = picker.children[1]
    assert "12345" in line.value and "<" not in picker.error
    picker.select([])
    assert picker.error == "" and line.value == ""
    with pytest.raises(ValueError, match="rows must be"):
        picker.code(rows="all")
    assert repr(picker) == "SessionPicker(5 chosen, 0 selected, 5 of 8 sessions shown)"


@pytest.mark.full_scale
def test_full_scale_153_sessions_103_normal(full_demo_release):
    cache = VBNCache.from_local_cache(full_demo_release, use_static_cache=True)
    picker = SessionPicker(cache, export_to=None)
    assert (picker.explorer.row_count, picker.explorer.filtered_count) == (153, 103)
    assert picker._abnormal.description == "include abnormal sessions (50)"
    picker.include_abnormal = True
    assert len(picker.chosen_ids) == 153
