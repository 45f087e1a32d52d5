"""SpikeExplorer's browser protocol and Python API: every request validated, nothing escapes,
a rejected request changes nothing; exports ask before replacing a user's variable; the units
follow a TableExplorer's selection."""

from __future__ import annotations

import zlib

import numpy as np
import pandas as pd
import pytest
import traitlets as t
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from vbn_testing.messages import ask, custom
from vbn_testing.spike_session import SpikeSession

from vbn_widgets import SpikeExplorer, TableExplorer
from vbn_widgets.spikes.exports import BinnedCounts


@pytest.fixture(scope="module")
def session():
    return SpikeSession(seed=1)


@pytest.fixture
def widget(session, sent, user_ns):
    w = SpikeExplorer(session)
    yield w
    w.close()


def synced(widget) -> dict:
    return {k: repr(v) for k, v in widget.get_state().items()}


def heat_bytes(widget) -> np.ndarray:
    payload = widget.heatmap
    data = np.frombuffer(zlib.decompress(payload["deflated"]), dtype=np.uint8)
    return data.reshape(payload["shape"])


def test_initial_state(widget):
    assert widget.event == "changes"
    assert widget.heatmap["shape"] == [24, 150]
    assert np.array_equal(heat_bytes(widget), widget.model.heatmap()[0])
    keys = [c["key"] for c in widget.event_choices]
    assert {"changes", "hit_changes", "omissions", "optotagging", "first_licks"} <= set(keys)
    assert "display lag" in widget.event_info["note"]
    assert widget.rows["runs"][0]["area"] == "VISp"
    assert widget.area_psth["areas"] == ["VISp", "VISl", "CA1", "LGd"]
    assert "SpikeExplorer(24 units" in repr(widget)


def test_set_view_request(widget, sent):
    revision = widget.revision
    changes = {"event": "hit_changes", "window": [-0.25, 0.5], "bin_size": 0.005, "scale": "zscore"}
    reply = ask(widget, sent, "set-view", changes=changes)
    assert reply["kind"] == "set-view:ok"
    assert (widget.event, widget.window, widget.bin_size) == ("hit_changes", (-0.25, 0.5), 0.005)
    assert widget.heatmap["shape"] == [24, 150]
    assert widget.event_info["value_label"] == "z-score"
    assert widget.revision > revision
    reply = ask(
        widget, sent, "set-view", changes={"response_window": [0.05, 0.2], "sort": "response"}
    )
    assert reply["kind"] == "set-view:ok"
    assert widget.table["area"].head(3).str.startswith("VIS").all()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"event": "nope"}, "'event' must be one of"),
        ({"window": [1, 0]}, "increasing"),
        ({"window": [0, "1"]}, "two finite numbers"),
        ({"window": [0, float("inf")]}, "two finite numbers"),
        ({"bin_size": 0}, "positive"),
        ({"bin_size": 0.0001}, "at most 500"),
        ({"grouping": "x" * 200}, "at most 100"),
        ({"grouping": "colour"}, "cannot be grouped"),
        ({"condition": "hit"}, "no group 'hit'"),
        ({"sort": "name"}, "'sort' must be one of"),
        ({"colormap": "jet"}, "'colormap' must be one of"),
        ({"__class__": 1}, "unknown setting"),
        ({}, "1 to 12 settings"),
        ("event", "1 to 12 settings"),
    ],
)
def test_bad_set_view_changes_nothing(widget, sent, changes, message):
    before = synced(widget)
    reply = ask(widget, sent, "set-view", changes=changes)
    assert reply["kind"] == "error"
    assert message in reply["message"]
    assert widget.error == reply["message"]
    state = synced(widget)
    state.pop("error")
    before.pop("error")
    assert state == before


def test_unit_clicks_and_stale_rows(widget, sent):
    reply = ask(widget, sent, "select-unit", row=0, revision=widget.revision)
    unit = int(widget.table.index[0])
    assert reply["unit_id"] == unit == widget.selected_unit
    detail = widget.unit_detail
    assert detail["unit_id"] == unit and detail["groups"] == ["all"]
    assert detail["times"]["dtype"] == "float32"
    stale = ask(widget, sent, "select-unit", row=1, revision=widget.revision - 1)
    assert stale["kind"] == "error" and "click again" in stale["message"]
    assert widget.selected_unit == unit
    bad = ask(widget, sent, "select-unit", row=10_000, revision=widget.revision)
    assert bad["kind"] == "error" and "'row'" in bad["message"]
    ask(widget, sent, "set-view", changes={"grouping": "block"})
    assert widget.unit_detail["groups"] == ["active", "passive"]


def test_row_selection_and_export_with_confirmation(widget, sent, user_ns):
    r = widget.revision
    assert (
        ask(widget, sent, "select-rows", op="set", revision=r, **{"from": 0, "to": 3})[
            "selected_count"
        ]
        == 4
    )
    assert (
        ask(widget, sent, "select-rows", op="add", revision=r, **{"from": 10, "to": 10})[
            "selected_count"
        ]
        == 5
    )
    reply = ask(widget, sent, "export", what="selected", name="picked")
    assert reply["kind"] == "export:ok" and not reply["needs_confirm"]
    assert list(user_ns["picked"].index) == list(widget.selected_table().index)
    assert set(user_ns["picked"].columns) >= {"area", "depth", "response", "latency_s"}
    user_ns["mine"] = "a value of the user's"
    reply = ask(widget, sent, "export", what="counts", name="mine")
    assert reply["needs_confirm"] and user_ns["mine"] == "a value of the user's"
    reply = ask(widget, sent, "export", what="counts", name="mine", replace=True)
    assert isinstance(user_ns["mine"], BinnedCounts) and "BinnedCounts" in reply["summary"]
    reply = ask(widget, sent, "export", what="code", name="code")
    assert "cache.get_ecephys_session(1000001)" in user_ns["code"]
    for name in ("print", "1x", "In", "__name__"):
        bad = ask(widget, sent, "export", what="units", name=name)
        assert bad["kind"] == "error"
        assert name not in user_ns
    assert ask(widget, sent, "select-rows", op="clear", revision=r)["selected_count"] == 0


JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner),
    max_leaves=10,
)


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(data=st.data())
def test_fuzzed_requests_are_answered_and_never_escape(session, data):
    widget = SpikeExplorer(session)
    messages = []
    widget.send = lambda content, buffers=None: messages.append(content)
    kinds = st.sampled_from(["set-view", "select-unit", "select-rows", "export", "nope"])
    content = data.draw(
        st.fixed_dictionaries(
            {"kind": kinds, "id": st.text(max_size=8)},
            optional={
                "changes": JSON,
                "row": JSON,
                "revision": JSON,
                "op": JSON,
                "from": JSON,
                "to": JSON,
                "what": JSON,
                "name": JSON,
                "replace": JSON,
            },
        )
        | JSON
    )
    custom(widget, content)  # raises if anything escapes
    (reply,) = messages
    kind = content.get("kind") if isinstance(content, dict) else None
    assert reply["kind"] in ("error", f"{kind}:ok")
    widget.close()


def test_python_api_validates_like_the_browser(widget):
    before = widget.window
    with pytest.raises(t.TraitError, match="increasing"):
        widget.window = (1.0, 0.0)
    assert widget.window == before
    assert "increasing" in widget.error
    widget.window = (-0.2, 0.4)
    assert widget.model.bins.n == 60 and widget.error == ""
    with pytest.raises(t.TraitError, match="not among the shown units"):
        widget.selected_unit = 1
    widget.use_events([100.0, 200.0, 300.0], label="my times")
    assert widget.event == "custom" and widget.event_info["count"] == 3
    trials = widget.session.trials.head(5)
    widget.use_events(trials)
    assert widget.event_info["count"] == 5
    fig = widget.figure()
    assert fig.data[0].type == "heatmap"
    widget.selected_unit = int(widget.table.index[0])
    assert any(trace.type == "scattergl" for trace in widget.figure().data)


def test_follows_a_table_explorers_selection(session, sent):
    table = TableExplorer(session.get_units())
    table.select(session.get_units().index[:5])
    widget = SpikeExplorer(session, units=table)
    assert widget.model.units.index.tolist() == session.get_units().index[:5].tolist()
    table.select(session.get_units().index[5:12])
    assert widget.model.units.index.tolist() == session.get_units().index[5:12].tolist()
    assert widget.heatmap["shape"][0] == 7
    widget.close()
    table.select(session.get_units().index[:2])  # no longer followed
    assert len(widget.model.units) == 7


def test_set_units_switches_and_keeps_state_on_error(session, sent):
    widget = SpikeExplorer(session, units=session.get_units().index[:4])
    widget.set_view(scale="zscore")
    widget.set_units(session.get_units().index[4:10])
    assert len(widget.model.units) == 6 and widget.scale == "zscore"
    with pytest.raises(ValueError, match="none of the chosen units"):
        widget.set_units([1])
    assert len(widget.model.units) == 6
    widget.close()


def test_units_from_ids_and_passing(session):
    ids = session.get_units().index[[3, 1]]
    assert SpikeExplorer(session, units=list(ids)).model.units.index.tolist() == sorted(ids)
    passing = type("QF", (), {"passing": pd.Index(ids[:1])})()
    assert len(SpikeExplorer(session, units=passing).model.units) == 1
    with pytest.raises(ValueError, match="none of the chosen units"):
        SpikeExplorer(session, units=[1, 2])
    with pytest.raises(TypeError, match="unexpected keyword"):
        SpikeExplorer(session, windw=(0, 1))
