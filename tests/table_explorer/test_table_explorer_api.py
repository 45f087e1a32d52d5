"""TableExplorer's public API for other widgets and users: reading, replacing data, refusals."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
import traitlets
from vbn_testing.messages import custom
from vbn_testing.messages import replies_with_buffers as replies

from vbn_widgets import TableExplorer

ODD = 'a "b" <i>c</i>'


@pytest.fixture
def frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "area": ["VISp", "CA1", "VISp", "LP", "CA1", "VISp"],
            "snr": [3.0, 1.0, 2.0, np.nan, 5.0, 0.5],
            ODD: [1, 2, 3, 4, 5, 6],
        },
        index=pd.Index([10, 11, 12, 13, 14, 15], name="unit_id"),
    )


def run(code: str, df: pd.DataFrame) -> pd.DataFrame:
    """Generated code: statements, then the expression on the last line."""
    *statements, expression = code.split("\n")
    namespace = {"df": df, "pd": pd, "np": np}
    exec("\n".join(statements), namespace)  # noqa: S102 - generated code under test
    return eval(expression, namespace)  # noqa: S307


def test_reading_api(frame):
    te = TableExplorer(frame)
    te.set_filter("snr", min=1)
    te.sort_by(("snr", False))
    assert te.frame is frame
    assert te.filtered_index.tolist() == [14, 10, 12, 11]
    assert te.sort_keys == (("snr", False),)
    te.restrict(frame.index[:3])
    expression = te.to_code("units", restriction=False)
    assert "\n" not in expression and expression.startswith("units[")
    assert run(expression.replace("units", "df"), frame).index.tolist() == [14, 10, 12, 11]
    assert run(te.filter_code, frame).index.tolist() == te.filtered_index.tolist() == [10, 12, 11]


def test_replace_data_keeps_filters_sort_and_selection_on_the_same_comm(frame, sent):
    te = TableExplorer(frame, title="t")
    te.set_filter("area", values=["VISp", "CA1"])
    te.sort_by(("snr", False))
    te.select([10, 14, 15])
    revision = te.revision
    sent.clear()
    newer = frame.assign(snr=frame["snr"] * 10).drop(index=[15])
    te.replace_data(newer)
    assert not [d for kind, d, _ in sent if kind == "comm_open"]  # no new widget
    assert sum(len(json.dumps(d, default=str)) for _, d, _ in sent) < 4_000  # no bundle
    assert te.frame is newer and te.row_count == 5 and te.revision > revision
    assert te.filters["filters"][0]["values"] == ["VISp", "CA1"]
    assert te.sort_keys == (("snr", False),)
    assert te.filtered_index.tolist() == [14, 10, 12, 11]
    assert te.selected.tolist() == [10, 14] and te.selected_count == 2

    te.replace_data(newer.drop(columns="area").assign(snr=[["x"]] * 5))
    assert te.filters["filters"] == [] and te.sort_keys == ()  # gone / unsortable: dropped
    assert [c["name"] for c in te.columns] == ["unit_id", "snr", ODD]


def test_values_no_row_holds_are_named(frame, sent):
    te = TableExplorer(frame)
    with pytest.raises(ValueError, match=r"column 'area': no row holds the value \['NOPE'\]"):
        te.set_filter("area", values=["VISp", "NOPE"])
    assert "NOPE" in te.error and te.filtered_count == 6
    sent.clear()
    wanted = {"column": "area", "kind": "values", "values": ["NOPE"], "missing": "exclude"}
    custom(te, {"kind": "set-filter", "id": "f", "filter": wanted})
    ((reply, _),) = replies(sent)
    assert reply["kind"] == "error" and "NOPE" in reply["message"]
    with pytest.raises(traitlets.TraitError, match="NOPE"):
        te.filters = {"version": 1, "filters": [wanted]}
    te.clear_filters()
    assert te.error == ""
    with pytest.raises(traitlets.TraitError, match=r"a FilterSpec needs the keys"):
        te.filters = {"filters": []}  # the shape is checked too, and shown
    assert "missing ['version']" in te.error


def test_a_regex_the_engine_cannot_run_is_answered_to_the_panel(sent):
    te = TableExplorer(pd.DataFrame({"name": [f"unit {i}" for i in range(3_000)]}))
    assert te.columns[1]["kind"] == "text"
    sent.clear()
    lookahead = {"column": "name", "kind": "text", "pattern": "u(?=n)", "regex": True}
    custom(te, {"kind": "set-filter", "id": "r1", "filter": lookahead})
    ((reply, _),) = replies(sent)
    assert reply == {"kind": "error", "id": "r1", "message": te.error}
    assert "invalid perl operator" in reply["message"] and "RE2" in reply["message"]
    assert te.filters["filters"] == [] and te.filtered_count == 3_000


def test_odd_column_names_filter_sort_and_reproduce(frame, sent):
    te = TableExplorer(frame.rename(columns={"area": "<b>area</b> 'x'"}))
    te.set_filter(ODD, min=2, max=5)
    te.set_filter("<b>area</b> 'x'", values=["VISp", "CA1"])
    te.sort_by((ODD, False))
    assert te.filtered_index.tolist() == [14, 12, 11]
    assert run(te.filter_code, te.frame).index.tolist() == [14, 12, 11]
    sent.clear()
    custom(te, {"kind": "page", "id": "p", "offset": 0, "limit": 3})
    ((reply, _),) = replies(sent)
    assert reply["columns"] == ["unit_id", "<b>area</b> 'x'", "snr", ODD]
