"""TableExplorer's Python side through a recording comm: traits, messages, export."""

import json

import numpy as np
import pandas as pd
import pytest
import traitlets
from vbn_testing.messages import custom
from vbn_testing.messages import replies_with_buffers as replies

from vbn_widgets import TableExplorer, VBNCache
from vbn_widgets._page_codec import CELL, MISSING, ROW

XSS = "<img src=x onerror=alert(1)>"


@pytest.fixture(scope="module")
def units(demo_release):
    return VBNCache.from_local_cache(demo_release, use_static_cache=True).get_unit_table()


def decode(cells: bytes) -> list[list[str]]:
    text = bytes(cells).decode("utf-8")
    return [row.split(CELL) for row in text.split(ROW)] if text else []


def test_display_sends_nothing_row_sized(sent):
    def opened_bytes(rows):
        sent.clear()
        frame = pd.DataFrame({"a": np.arange(rows, dtype=float), "b": ["x"] * rows})
        TableExplorer(frame)
        return sum(len(json.dumps(d, default=str)) for _, d, _ in sent)

    small, large = opened_bytes(1_000), opened_bytes(200_000)
    assert abs(large - small) < 64  # only the digits of the counts differ


def test_page_reply_carries_cells_as_text(units, sent):
    widget = TableExplorer(units)
    sent.clear()
    custom(widget, {"kind": "page", "id": "p1", "offset": 0, "limit": 5})
    ((reply, buffers),) = replies(sent)
    assert reply["kind"] == "page:ok" and reply["id"] == "p1"
    assert reply["n_rows"] == 5 and reply["total"] == len(units)
    assert reply["columns"][0] == "unit_id"
    rows = decode(buffers[0])
    assert [int(r[0]) for r in rows] == units.index[:5].tolist()
    snr = reply["columns"].index("snr")
    assert float(rows[0][snr]) == pytest.approx(units["snr"].iloc[0], rel=1e-5)
    assert bytes(buffers[1]) == b"\x00" * 5


def test_html_and_separators_stay_text():
    frame = pd.DataFrame({"name": [XSS, "a\x1fb\x1ec", None]})
    widget = TableExplorer(frame)
    messages = []
    widget.send = lambda content, buffers=None: messages.append((content, buffers))
    custom(widget, {"kind": "page", "id": "x", "offset": 0, "limit": 10})
    rows = decode(messages[0][1][0])
    assert rows[0][1] == XSS
    assert rows[1][1] == "a\ufffdb\ufffdc"
    assert rows[2][1] == MISSING


def test_filter_message_updates_counts_revision_and_variable(units, user_ns):
    widget = TableExplorer(units, export_to="good")
    revision = widget.revision
    custom(
        widget,
        {
            "kind": "set-filter",
            "id": "f",
            "filter": {
                "column": "snr",
                "kind": "range",
                "min": 2.0,
                "max": None,
                "min_inclusive": True,
                "max_inclusive": True,
                "missing": "exclude",
            },
        },
    )
    expected = units[units["snr"] >= 2.0]
    assert widget.filtered_count == len(expected)
    assert widget.revision > revision
    assert user_ns["good"].index.equals(expected.index)
    assert widget.filters["filters"][0]["column"] == "snr"
    code = widget.filter_code
    assert eval(code, {"df": units, "pd": pd, "np": np}).index.equals(widget.filtered.index)  # noqa: S307 - our own generated code, the feature under test


def test_python_api_filters_sort_select_and_observers(units, user_ns):
    widget = TableExplorer(units)
    seen = []
    widget.observe(lambda ch: seen.append("filters"), names=["filters"])
    widget.observe(lambda ch: seen.append("selected"), names=["selected"])
    widget.set_filter("quality", values=["good"])
    assert (widget.filtered["quality"] == "good").all()
    widget.sort_by(("firing_rate", False))
    assert (
        widget.filtered["firing_rate"].is_monotonic_decreasing
        or widget.filtered["firing_rate"].dropna().is_monotonic_decreasing
    )
    custom(widget, {"kind": "select", "id": "s", "op": "range", "from": 0, "to": 9})
    assert widget.selected_count == 10
    assert widget.selected.isin(widget.filtered.index[:10]).all()
    widget.export("picked", what="selected")
    assert user_ns["picked"].index.equals(widget.selected)
    custom(widget, {"kind": "select", "id": "s2", "op": "all"})
    assert widget.selected_count == widget.filtered_count
    assert "filters" in seen and "selected" in seen
    widget.clear_filters()
    assert widget.filtered_count == len(units)


def test_filters_settable_and_rejected_atomically(units):
    widget = TableExplorer(units)
    spec = {
        "version": 1,
        "filters": [
            {
                "column": "structure_acronym",
                "kind": "values",
                "values": ["VISp"],
                "missing": "exclude",
            }
        ],
    }
    widget.filters = spec
    assert widget.filtered_count == int((units["structure_acronym"] == "VISp").sum())
    before = (widget.filters, widget.filtered_count, widget.revision)
    with pytest.raises(traitlets.TraitError, match="nope"):
        widget.filters = {"version": 1, "filters": [{"column": "nope", "kind": "range"}]}
    assert (widget.filters, widget.filtered_count, widget.revision) == before
    assert "nope" in widget.error  # shown in the widget too
    with pytest.raises(ValueError, match="snr"):
        widget.set_filter("snr", min="high")
    assert "snr" in widget.error
    widget.clear_filters()
    assert widget.error == ""


@pytest.mark.parametrize("name", ["1x", "class", "a-b", "", 3, "lambda"])
def test_export_names_must_be_identifiers(units, name):
    with pytest.raises(ValueError, match="cannot be a variable name"):
        TableExplorer(units, export_to=name)


def test_table_name_with_cache_and_unknown_options(demo_release):
    cache = VBNCache.from_local_cache(demo_release, use_static_cache=True)
    assert TableExplorer("probes", cache=cache).row_count == len(cache.get_probe_table())
    with pytest.raises(ValueError, match="needs a cache"):
        TableExplorer("probes")
    with pytest.raises(TypeError, match="cuont"):
        TableExplorer(pd.DataFrame({"a": [1]}), cuont=3)


def test_summary_reply_has_int32_buffers(units, sent):
    widget = TableExplorer(units)
    widget.set_filter("snr", min=3.0)
    sent.clear()
    custom(widget, {"kind": "summary", "id": "q", "columns": ["snr", "structure_acronym"]})
    ((reply, buffers),) = replies(sent)
    hist, values = reply["summaries"]
    assert hist["type"] == "histogram" and values["type"] == "values"
    totals = np.frombuffer(bytes(buffers[hist["totals"]]), dtype="<i4")
    assert totals.sum() + hist["missing_total"] == len(units)
    counts = np.frombuffer(bytes(buffers[values["counts"]]), dtype="<i4")
    assert counts.sum() + values["missing"] <= widget.filtered_count + values.get("more", 0) * len(
        units
    )
