"""QualityFilter without a browser: controls, counts, figure, write-back, settings JSON, errors."""

from __future__ import annotations

import asyncio
import json
import math
import random
import threading

import numpy as np
import pandas as pd
import pytest

from vbn_widgets import VBNCache
from vbn_widgets.quality import LOG_METRICS, PRESETS, QualityError, QualitySettings
from vbn_widgets.quality_filter import QualityFilter


@pytest.fixture(scope="module")
def units(tmp_path_factory) -> pd.DataFrame:
    from vbn_widgets.data.demo import write_demo_release

    root = tmp_path_factory.mktemp("qf-demo") / "release"
    write_demo_release(root, scale=0.05, seed=7)
    return VBNCache.from_local_cache(root, use_static_cache=True).get_unit_table()


def expected_passing(units: pd.DataFrame, settings) -> pd.Index:
    """The passing unit_ids, computed independently with plain pandas."""
    keep = pd.Series(True, index=units.index)
    for c in settings.criteria:
        if not c.active:
            continue
        v = units[c.metric].astype("float64")
        if c.keep == "above":
            ok = v >= c.threshold if c.inclusive else v > c.threshold
        else:
            ok = v <= c.threshold if c.inclusive else v < c.threshold
        keep &= ok | v.isna() if c.missing == "pass" else ok
    if settings.sessions is not None:
        keep &= units["ecephys_session_id"].isin(settings.sessions)
    if settings.areas is not None:
        keep &= units["structure_acronym"].isin(settings.areas)
    if settings.good_label_only:
        keep &= units["quality"] == "good"
    return units.index[keep.to_numpy()]


def count_text(qf: QualityFilter) -> str:
    return qf._count.value


def test_builds_with_defaults_and_exports(units, user_ns):
    qf = QualityFilter(units)
    assert qf.settings.preset == "Allen tutorial"
    assert qf._preset.value == "Allen tutorial"
    assert user_ns["good_units"].equals(qf.passing)
    assert qf.passing.equals(expected_passing(units, qf.settings))
    assert f"{len(qf.passing):,} of {len(units):,} units pass" in count_text(qf)
    assert all("vbn-qf-row" in r["box"]._dom_classes for r in qf._rows.values())
    assert "vbn-qf-count" in qf._count._dom_classes
    assert "NaN" in qf.children[len(qf.metrics) + 1].value  # the missing-value note
    assert "NaN" in QualityFilter.__doc__
    assert repr(qf).startswith(f"QualityFilter({len(qf.passing):,} of")


def test_accepts_a_cache(units, user_ns):
    class Cache:
        def get_unit_table(self):
            return units

    qf = QualityFilter(Cache(), export_to=None)
    assert qf.model.n_total == len(units)
    assert "good_units" not in user_ns


@pytest.mark.parametrize("name", list(PRESETS))
def test_presets_set_controls_and_passing(units, user_ns, name):
    qf = QualityFilter(units, debounce_s=0, settings=PRESETS["snr and firing rate"])
    qf._preset.value = name  # as the front end would
    assert qf.settings.preset == name
    for c in PRESETS[name].criteria:
        row = qf._rows[c.metric]
        assert row["active"].value == c.active
        assert row["keep"].value == c.keep
        assert row["inclusive"].value == c.inclusive
        assert row["text"].value == c.threshold
        assert row["missing"].value == "fail"
    assert qf.passing.equals(expected_passing(units, PRESETS[name]))
    assert user_ns["good_units"].equals(qf.passing)
    assert f"{len(qf.passing):,} of" in count_text(qf)


def test_slider_changes_count_and_export_after_flush(units, user_ns):
    qf = QualityFilter(units, debounce_s=0.25)
    before = count_text(qf)
    qf._rows["presence_ratio"]["slider"].value = 0.97
    assert qf._preset.value == "custom"
    assert qf.settings.criterion("presence_ratio").threshold == 0.97
    assert count_text(qf) != before
    qf.flush()
    assert user_ns["good_units"].equals(qf.passing)
    assert qf.passing.equals(expected_passing(units, qf.settings))


def test_debounced_write_is_never_stale(units, user_ns):
    """With a running event loop the write waits for the drag to stop, then always happens."""

    async def drag():
        qf = QualityFilter(units, debounce_s=0.05)
        first = user_ns["good_units"]
        slider = qf._rows["presence_ratio"]["slider"]
        for value in np.linspace(0.5, 0.98, 20):
            slider.value = float(value)
        assert user_ns["good_units"] is first  # debounced: not written during the drag
        await asyncio.sleep(0.2)
        assert user_ns["good_units"].equals(qf.passing)
        slider.value = 0.6
        qf.flush()  # forced write, nothing left pending
        assert user_ns["good_units"].equals(qf.passing)
        assert qf._timer is None

    run_in_own_loop(drag())


def run_in_own_loop(coro) -> None:
    """Run ``coro`` with asyncio in a thread of its own and re-raise its failure here.

    Another test's library (Playwright) may already run an event loop in the test's thread.
    """
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


def test_burst_of_random_changes(units, user_ns):
    rng = random.Random(3)
    qf = QualityFilter(units, debounce_s=0.25)
    sessions = [v for _, v in qf._sessions.options]
    areas = [v for _, v in qf._areas.options]
    for _ in range(50):
        metric = rng.choice(qf.metrics)
        row = qf._rows[metric]
        what = rng.choice(["slider", "text", "active", "keep", "inclusive", "missing", "other"])
        if what == "slider":
            s = row["slider"]
            s.value = rng.uniform(s.min, s.max)
        elif what == "text":
            row["text"].value = round(rng.uniform(0, 5), 3)
        elif what in ("active", "inclusive"):
            row[what].value = not row[what].value
        elif what == "keep":
            row["keep"].value = rng.choice(["above", "below"])
        elif what == "missing":
            row["missing"].value = rng.choice(["fail", "pass"])
        else:
            target = rng.choice(["preset", "sessions", "areas", "good"])
            if target == "preset":
                qf._preset.value = rng.choice(list(PRESETS))
            elif target == "sessions":
                qf._sessions.value = tuple(rng.sample(sessions, rng.randint(0, 5)))
            elif target == "areas":
                qf._areas.value = tuple(rng.sample(areas, rng.randint(0, 8)))
            else:
                qf._good.value = not qf._good.value
        assert qf._error.value == ""
    qf.flush()
    expected = expected_passing(units, qf.settings)
    assert user_ns["good_units"].equals(qf.passing)
    assert qf.passing.equals(expected)
    assert f"{len(expected):,} of {qf.model.n_total:,} units pass" in count_text(qf)
    assert units.loc[qf.passing].equals(eval(qf.query_code, {"units": units}))  # noqa: S307


def test_json_round_trip(units, user_ns):
    qf = QualityFilter(units, debounce_s=0)
    qf._rows["snr"]["active"].value = True
    qf._rows["snr"]["missing"].value = "pass"
    qf._areas.value = ("VISp", "CA1")
    saved = qf.settings_json
    passing = qf.passing
    qf.apply_preset("AllenSDK defaults")
    assert not qf.passing.equals(passing)
    qf.load_settings(saved)
    assert qf.settings_json == saved
    assert qf.passing.equals(passing)
    assert user_ns["good_units"].equals(passing)
    assert qf._areas.value == ("VISp", "CA1")
    assert qf._rows["snr"]["missing"].value == "pass"
    qf.load_settings(json.loads(saved))  # a dict works too
    assert qf.settings_json == saved
    # the buttons go through the text box
    qf.apply_preset("Allen tutorial")
    qf._json_box.value = saved
    qf._json_row.children[1].click()
    assert qf.settings_json == saved


@pytest.mark.parametrize("name", ["1abc", "class", "a-b", "", 3])
def test_invalid_export_to_raises(units, name):
    with pytest.raises(ValueError, match="variable name"):
        QualityFilter(units, export_to=name)


def test_unknown_keyword_raises(units):
    with pytest.raises(TypeError):
        QualityFilter(units, exprt_to="x")


def test_errors_are_shown_and_raised(units, user_ns):
    qf = QualityFilter(units, debounce_s=0)
    passing = qf.passing
    bad = '{"criteria": [{"metric": "snr", "keep": "sideways", "threshold": 1}]}'
    with pytest.raises(QualityError, match="sideways"):
        qf.load_settings(bad)
    assert "sideways" in qf._error.value
    assert "vbn-qf-error" in qf._error._dom_classes
    with pytest.raises(QualityError, match="not valid JSON"):
        qf.load_settings("not json")
    with pytest.raises(QualityError, match="no_such_metric"):
        qf.settings = qf.settings.with_criterion(
            type(qf.settings.criteria[0])("no_such_metric", "above", 1.0)
        )
    assert qf.passing.equals(passing)
    # a control change that cannot be applied: shown, and the controls return to the settings
    qf._rows["snr"]["text"].value = math.inf
    assert "finite" in qf._error.value
    assert qf._rows["snr"]["text"].value == qf.settings.criterion("snr").threshold
    qf._rows["snr"]["text"].value = 2.0  # the next good change clears the error
    assert qf._error.value == ""


def test_good_label_checkbox_disabled_without_quality_column(units):
    qf = QualityFilter(units.drop(columns="quality"), export_to=None)
    assert qf._good.disabled
    assert not QualityFilter(units, export_to=None)._good.disabled


def test_threshold_lines_follow_the_sliders(units, user_ns):
    qf = QualityFilter(units, debounce_s=0)
    shapes = qf._fig.layout.shapes
    assert len(shapes) == len(qf.metrics)
    for i, metric in enumerate(qf.metrics):
        c = qf.settings.criterion(metric)
        assert shapes[i].visible == c.active
        if c.active:
            assert shapes[i].x0 == pytest.approx(qf.model.axis_value(metric, c.threshold))
    i = qf.metrics.index("presence_ratio")
    qf._rows["presence_ratio"]["slider"].value = 0.8
    assert shapes[i].x0 == shapes[i].x1 == pytest.approx(0.8)
    i = qf.metrics.index("snr")
    assert not shapes[i].visible
    qf._rows["snr"]["active"].value = True
    assert shapes[i].visible
    qf._rows["snr"]["slider"].value = 3.0
    assert shapes[i].x0 == pytest.approx(3.0)
    qf._rows["snr"]["active"].value = False
    assert not shapes[i].visible
    # one density trace per region group and subplot; the legend shows each group once
    names = [t.name for t in qf._fig.data if t.showlegend]
    assert len(names) == len(set(names)) == 5
    assert all(len(t.x) > 0 for t in qf._fig.data[: len(names)])


@pytest.mark.parametrize("metric", sorted(LOG_METRICS))
def test_log_sliders_map_to_real_values(units, user_ns, metric):
    qf = QualityFilter(units, debounce_s=0)
    row = qf._rows[metric]
    row["active"].value = True
    row["slider"].value = math.log10(0.2 + 1e-5)
    assert row["text"].value == pytest.approx(0.2)
    assert qf.settings.criterion(metric).threshold == pytest.approx(0.2)
    row["text"].value = 3.0  # typed real value moves the slider in log units
    assert row["slider"].value == pytest.approx(math.log10(3.0 + 1e-5))
    i = qf.metrics.index(metric)
    assert qf._fig.layout.shapes[i].x0 == pytest.approx(math.log10(3.0 + 1e-5))
    axis = qf._fig.layout["xaxis" if i == 0 else f"xaxis{i + 1}"]
    assert "1" in axis.ticktext  # tick labels are real values
    assert user_ns["good_units"].equals(expected_passing(units, qf.settings))


def test_restriction_updates_densities_and_tables(units, user_ns):
    qf = QualityFilter(units, debounce_s=0)
    before = [len(t.x) for t in qf._fig.data]
    qf._areas.value = ("VISp",)
    assert qf.model.n_total == int((units["structure_acronym"] == "VISp").sum())
    after = [len(t.x) for t in qf._fig.data]
    assert before != after  # only the cortex group remains
    assert "VISp" in qf._tables.value
    assert "attrition" in qf._tables.value
    assert user_ns["good_units"].equals(expected_passing(units, qf.settings))


def test_a_subset_of_metrics(units, user_ns):
    qf = QualityFilter(units, metrics=("snr", "presence_ratio"), settings=PRESETS["Allen tutorial"])
    assert len(qf._rows) == len(qf._fig.layout.shapes) == 2
    assert qf.settings.preset == "custom"  # the preset's other active criteria are not shown
    assert [c.metric for c in qf.settings.criteria] == ["presence_ratio", "snr"]
    assert qf.passing.equals(units.index[(units["presence_ratio"] > 0.9).to_numpy()])
    with pytest.raises(QualityError, match="not one of"):
        qf.settings = QualitySettings(PRESETS["AllenSDK defaults"].criteria)


def test_running_the_next_cell_writes_a_pending_value_first(units, user_ns, monkeypatch):
    """A user who releases the slider and at once runs a cell reads the new passing set."""
    from IPython.core.events import EventManager, available_events

    events = EventManager(None, available_events)
    monkeypatch.setattr("vbn_widgets.quality_filter._shell_events", lambda: events)

    async def release_and_run_cell():
        qf = QualityFilter(units, debounce_s=60)  # the timer alone would not fire in this test
        qf._rows["presence_ratio"]["slider"].value = 0.97
        assert not user_ns["good_units"].equals(qf.passing)  # still pending
        events.trigger("pre_run_cell", None)  # what IPython does before running the next cell
        assert user_ns["good_units"].equals(qf.passing)
        assert qf._timer is None
        qf.close()
        assert qf._flush_pending not in events.callbacks["pre_run_cell"]

    run_in_own_loop(release_and_run_cell())
