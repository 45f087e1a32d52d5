"""ResponseModel: rates, z-scores, response and latency as documented, sorting, area means, one
unit's detail, and a rejected change leaving everything as it was."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets.spikes import ResponseModel, SpikeError, SpikeTrains, View, named_events
from vbn_widgets.spikes import units as unit_table
from vbn_widgets.spikes.binning import bin_counts


@pytest.fixture
def model(fake_session) -> ResponseModel:
    units = unit_table.choose(unit_table.session_units(fake_session), None)
    trains = SpikeTrains.from_mapping(fake_session.spike_times, units.index)
    return ResponseModel(units, trains, lambda key: named_events(fake_session, key))


def test_rates_are_counts_per_event_per_second(model):
    cube = bin_counts(model.trains, model.events.times, model.bins.edges)
    assert np.allclose(model.rates(), cube.mean(axis=1) / model.view.bin_size)
    model.update(grouping="outcome", condition="hit")
    hit = model.groups == model.group_labels.index("hit")
    assert np.allclose(model.rates(), cube[:, hit].mean(axis=1) / model.view.bin_size)


def test_zscore_response_and_latency_definitions(model):
    model.update(scale="zscore", baseline=(-0.5, 0.0), response=(0.03, 0.25))
    centers = model.bins.centers
    rates = model.rates()
    base = (centers >= -0.5) & (centers < 0.0)
    mean, sd = rates[:, base].mean(axis=1), rates[:, base].std(axis=1)
    floor = 1 / (len(model.events) * model.view.bin_size)
    z = (rates - mean[:, None]) / np.maximum(sd, floor)[:, None]
    assert np.allclose(model.values, z)
    resp = (centers >= 0.03) & (centers < 0.25)
    assert np.allclose(model.response, z[:, resp].mean(axis=1))
    peak = z[:, resp].max(axis=1)
    i = int(np.argmax(peak))
    first = np.flatnonzero(z[i, resp] >= peak[i] / 2)[0]
    assert model.latency[i] == pytest.approx(centers[resp][first])


def test_visual_units_respond_to_changes_and_rank_first(model):
    model.update(sort="response")
    table = model.table()
    assert table["area"].head(6).str.startswith("VIS").all()
    assert (table.groupby("area")["response"].mean()[["VISp", "VISl"]] > 5).all()


def test_area_then_depth_order(model):
    table = model.table()
    assert list(dict.fromkeys(table["area"])) == ["VISp", "VISl", "CA1", "LGd"]
    for _, rows in table.groupby("area", sort=False):
        assert rows["depth"].is_monotonic_decreasing
    runs = model.area_runs()
    assert [r["area"] for r in runs] == ["VISp", "VISl", "CA1", "LGd"]
    areas, means, counts = model.area_means()
    assert counts.tolist() == [6, 6, 6, 6]
    assert areas[0] == "VISp"
    assert np.allclose(means[0], model.values[model.units["area"].eq("VISp").to_numpy()].mean(0))


def test_heatmap_quantizes_display_order(model):
    heat, (low, high) = model.heatmap()
    assert heat.dtype == np.uint8 and heat.shape == (24, model.bins.n)
    expected = np.clip(np.rint((model.values[model.order] - low) / (high - low) * 255), 0, 255)
    assert np.array_equal(heat, expected)


def test_unit_detail_matches_rates(model):
    unit = int(model.units.index[0])
    detail = model.unit_detail(unit)
    assert np.allclose(detail["mean"][0], model.rates()[0])
    model.update(grouping="block")
    detail = model.unit_detail(unit)
    assert detail["groups"] == ["active", "passive"]
    assert detail["group_rows"].sum() == len(model.events)
    assert detail["rows"].max() < len(model.events)
    assert (detail["sem"] >= 0).all()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"window": (1.0, 0.0)}, "increasing"),
        ({"bin_size": 0.4}, "whole number"),
        ({"sort": "color"}, "sort must be one of"),
        ({"event": "nope"}, "unknown event"),
        ({"grouping": "nope"}, "cannot be grouped"),
        ({"baseline": (2.0, 3.0)}, "holds no bin"),
        ({"speed": 1}, "unknown view setting"),
    ],
)
def test_rejected_changes_change_nothing(model, changes, message):
    before = (model.view, model.values.copy(), model.order.copy(), model.sums.copy())
    with pytest.raises(SpikeError, match=message):
        model.update(**changes)
    assert model.view == before[0]
    assert np.array_equal(model.values, before[1])
    assert np.array_equal(model.order, before[2])
    assert np.array_equal(model.sums, before[3])


def test_too_much_work_is_refused(model, monkeypatch):
    from vbn_widgets.spikes import model as model_module

    monkeypatch.setattr(model_module, "MAX_WORK_SPIKES", 10)
    with pytest.raises(SpikeError, match="would bin about"):
        model.update(window=(-2.0, 2.0))


def test_units_and_trains_must_agree(fake_session):
    units = unit_table.choose(unit_table.session_units(fake_session), None)
    trains = SpikeTrains.from_mapping(fake_session.spike_times, units.index[:3])
    with pytest.raises(SpikeError, match="different units"):
        ResponseModel(units, trains, lambda key: named_events(fake_session, key), View())
    assert isinstance(units, pd.DataFrame)
