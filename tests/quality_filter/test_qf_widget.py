"""QualityFilter's Python API and synced traits (no browser): counts, revision, exactness,
write-back (debounced for the browser, at once for Python), errors, the report figure."""

from __future__ import annotations

import asyncio
import json
import threading

import numpy as np
import plotly.graph_objects as go
import pytest
from vbn_testing.messages import ask

from vbn_widgets.quality import PRESETS, Criterion, QualityError, QualitySettings
from vbn_widgets.quality.grid import Axis
from vbn_widgets.quality_filter import QualityFilter


def run_in_own_loop(coro) -> None:
    """Run ``coro`` in a thread with its own asyncio loop (Playwright may own this thread's)."""
    errors: list[BaseException] = []

    def target() -> None:
        try:
            asyncio.run(coro)
        except BaseException as exc:  # re-raised in the test's thread
            errors.append(exc)

    thread = threading.Thread(target=target)
    thread.start()
    thread.join(timeout=60)
    if errors:
        raise errors[0]


def test_builds_with_the_tutorial_preset_and_exports(units, user_ns, oracle):
    qf = QualityFilter(units)
    assert qf.settings.preset == "Allen tutorial" == qf.spec["preset"]
    assert qf.passing.equals(oracle(units, qf.settings))
    assert user_ns["good_units"].equals(qf.passing)
    assert (qf.passing_count, qf.total_count) == (len(qf.passing), len(units))
    assert qf.export_to == "good_units"
    assert [m["name"] for m in qf.metric_info] == list(qf.metrics)
    assert all(m["description"] and m["description"] != m["name"] for m in qf.metric_info)
    assert repr(qf).startswith(f"QualityFilter({len(qf.passing):,} of")
    assert "NaN" in QualityFilter.__doc__


def test_accepts_a_cache(units, user_ns):
    class Cache:
        def get_unit_table(self):
            return units

    qf = QualityFilter(Cache(), export_to=None)
    assert qf.total_count == len(units)
    assert "good_units" not in user_ns


def test_revision_and_counts_are_observable_from_python(units, user_ns):
    qf = QualityFilter(units, debounce_s=0)
    seen = []
    qf.observe(lambda c: seen.append((c["name"], c["new"])), names=["revision", "passing_count"])
    qf.apply_preset("snr and firing rate")
    assert ("revision", 2) in seen
    assert ("passing_count", len(qf.passing)) in seen
    qf.settings = qf.settings  # the same settings: passing may not change, revision still moves
    assert qf.revision == 3


@pytest.mark.parametrize("value", [1.98081, 0.95, 2.0, 0.123456789, 1e-7])
def test_thresholds_are_kept_exactly(units, user_ns, value):
    qf = QualityFilter(units, debounce_s=0)
    qf.set_criterion("snr", threshold=value, active=True)
    assert qf.settings.criterion("snr").threshold == value
    spec = {c["metric"]: c for c in qf.spec["criteria"]}
    assert spec["snr"]["threshold"] == value
    assert f"{value!r}" in qf.query_code
    assert qf.settings.preset == "custom"


def test_presets_and_loaded_settings_are_shown_as_they_are(units, user_ns, oracle):
    qf = QualityFilter(units, debounce_s=0)
    for name, preset in PRESETS.items():
        qf.apply_preset(name)
        assert qf.spec["criteria"] == [c.to_json() for c in preset.criteria]
        assert qf.passing.equals(oracle(units, preset))
        assert user_ns["good_units"].equals(qf.passing)
    saved = json.loads(qf.settings_json)
    saved["criteria"][0]["threshold"] = 0.30000000000000004
    qf.load_settings(json.dumps(saved))
    assert qf.spec["criteria"][0]["threshold"] == 0.30000000000000004


def test_inactive_defaults_sit_on_the_grid(units):
    qf = QualityFilter(units, metrics=("snr", "l_ratio", "firing_rate"), export_to=None)
    axes = {m["name"]: Axis(**m["axis"]) for m in qf.metric_info}
    # no preset names l_ratio: its default is the round value nearest its median
    l_ratio = qf.settings.criterion("l_ratio")
    assert l_ratio.threshold in axes["l_ratio"].values()
    median = float(units["l_ratio"].median())
    assert abs(l_ratio.threshold - median) <= axes["l_ratio"].step / 2 + 1e-12


def test_python_changes_write_at_once_browser_changes_are_debounced(units, user_ns, sent):
    async def scenario():
        qf = QualityFilter(units, debounce_s=0.05)
        first = user_ns["good_units"]
        for value in np.linspace(0.5, 0.98, 12):
            ask(qf, sent, "set-criterion", metric="presence_ratio", threshold=round(value, 2))
        assert user_ns["good_units"] is first  # a drag: not written yet
        assert qf.passing_count == len(qf.passing)  # but the count already follows
        await asyncio.sleep(0.2)
        assert user_ns["good_units"].equals(qf.passing)
        qf.apply_preset("AllenSDK defaults")  # from Python: at once
        assert user_ns["good_units"].equals(qf.passing)
        qf.close()

    run_in_own_loop(scenario())


def test_running_the_next_cell_writes_a_pending_value_first(units, user_ns, sent, monkeypatch):
    from IPython.core.events import EventManager, available_events

    events = EventManager(None, available_events)
    monkeypatch.setattr("vbn_widgets._debounce._shell_events", lambda: events)

    async def release_and_run_cell():
        qf = QualityFilter(units, debounce_s=60)
        ask(qf, sent, "set-criterion", metric="presence_ratio", threshold=0.97)
        assert not user_ns["good_units"].equals(qf.passing)  # still pending
        events.trigger("pre_run_cell", None)
        assert user_ns["good_units"].equals(qf.passing)
        qf.close()
        assert events.callbacks["pre_run_cell"] == []

    run_in_own_loop(release_and_run_cell())


@pytest.mark.parametrize("name", ["1abc", "class", "a-b", "", 3, "print", "In", "__name__"])
def test_invalid_export_to_raises(units, name):
    with pytest.raises(ValueError, match=r"variable name|cannot export"):
        QualityFilter(units, export_to=name)


def test_unknown_keyword_raises(units):
    with pytest.raises(TypeError):
        QualityFilter(units, exprt_to="x")


def test_errors_are_shown_raised_and_change_nothing(units, user_ns):
    qf = QualityFilter(units, debounce_s=0)
    before = (qf.settings_json, qf.revision, qf.passing)
    with pytest.raises(QualityError, match="sideways"):
        qf.load_settings('{"criteria": [{"metric": "snr", "keep": "sideways", "threshold": 1}]}')
    assert "sideways" in qf.error
    with pytest.raises(QualityError, match="not valid JSON"):
        qf.load_settings("not json")
    with pytest.raises(QualityError, match="no_such_metric"):
        qf.settings = qf.settings.with_criterion(Criterion("no_such_metric", "above", 1.0))
    with pytest.raises(QualityError, match="finite"):
        qf.set_criterion("snr", threshold=float("inf"))
    with pytest.raises(QualityError, match="unknown preset"):
        qf.apply_preset("nope")
    assert (qf.settings_json, qf.revision) == before[:2]
    assert qf.passing.equals(before[2])
    qf.set_criterion("snr", threshold=2.0)  # the next good change clears the error
    assert qf.error == ""


def test_a_subset_of_metrics(units, user_ns):
    qf = QualityFilter(units, metrics=("snr", "presence_ratio"), settings=PRESETS["Allen tutorial"])
    assert qf.settings.preset == "custom"  # the preset's other active criteria are not shown
    assert [c.metric for c in qf.settings.criteria] == ["presence_ratio", "snr"]
    assert qf.passing.equals(units.index[(units["presence_ratio"] > 0.9).to_numpy()])
    with pytest.raises(QualityError, match="not one of"):
        qf.settings = QualitySettings(PRESETS["AllenSDK defaults"].criteria)


def test_figure_is_a_plotly_figure_of_densities_and_thresholds(units):
    qf = QualityFilter(units, export_to=None)
    fig = qf.figure()
    assert isinstance(fig, go.Figure)
    groups = {t.name for t in fig.data if t.showlegend}
    assert groups == {"cortex", "thalamus", "hippocampus", "midbrain", "other"}
    lines = [s for s in fig.layout.shapes if s.type == "line"]
    assert len(lines) == len(qf.settings.active_criteria)
    labels = {a.text for a in fig.layout.annotations}
    assert {"< 0.5", "< 0.1", "> 0.9"} <= labels
    presence = qf.metrics.index("presence_ratio")
    axis = fig.layout[f"xaxis{presence + 1}" if presence else "xaxis"]
    assert axis.tickangle == 0 and "0.2" in axis.ticktext
    for trace in fig.data:  # each density has area 1 over its axis
        area = float(np.sum(trace.y) * (trace.x[1] - trace.x[0]))
        assert area == pytest.approx(1.0, rel=1e-6)
