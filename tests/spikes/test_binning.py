"""Binned counts equal an independent per-unit ``np.histogram``: random spike trains, events,
windows and bins, with spikes exactly on bin edges (dyadic times make ``t - e`` exact)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vbn_widgets.spikes import Bins, SpikeError, SpikeTrains, bin_counts, summed_counts, unit_raster
from vbn_widgets.spikes.binning import bin_index


def reference(arrays, events, edges) -> np.ndarray:
    return np.array(
        [[np.histogram(spikes - e, edges)[0] for e in events] for spikes in arrays]
    ).reshape(len(arrays), len(events), len(edges) - 1)


@st.composite
def cases(draw):
    start = draw(st.integers(-64, 0)) / 32  # window and bins on a 1/32 s grid
    n_bins = draw(st.integers(1, 40))
    width = draw(st.sampled_from([1, 2, 3, 5, 8])) / 32
    edges = Bins(start, start + n_bins * width, width).edges
    n_events = draw(st.integers(0, 12))
    # Events on a 1/64 s grid: some spikes land exactly on e + edge.
    events = np.array(draw(st.lists(st.integers(0, 64 * 40), min_size=n_events, max_size=n_events)))
    events = events / 64.0
    n_units = draw(st.integers(1, 6))
    arrays = []
    for _ in range(n_units):
        exact = draw(st.lists(st.integers(-64 * 4, 64 * 44), max_size=60))
        noisy = draw(st.lists(st.floats(-4, 44, allow_nan=False), max_size=60))
        on_edges = [float(e + x) for e in events[:3] for x in edges[:: max(1, n_bins // 3)]]
        arrays.append(np.sort(np.array([*(np.array(exact) / 64.0), *noisy, *on_edges])))
    return arrays, events, edges


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(cases())
def test_counts_equal_np_histogram(case):
    arrays, events, edges = case
    ids = np.arange(len(arrays)) + 100
    trains = SpikeTrains.from_arrays(ids, arrays)
    want = reference(arrays, events, edges)
    assert np.array_equal(bin_counts(trains, events, edges), want)
    assert np.array_equal(summed_counts(trains, events, edges)[:, 0], want.sum(axis=1))
    # a subset of units, in another order
    pos = np.arange(len(arrays))[::-1][: max(1, len(arrays) // 2)]
    assert np.array_equal(bin_counts(trains, events, edges, positions=pos), want[pos])
    # groups: events split in two, one left out
    groups = np.arange(len(events)) % 3 - 1
    sums = summed_counts(trains, events, edges, groups=groups, n_groups=2)
    for g in (0, 1):
        assert np.array_equal(sums[:, g], want[:, groups == g].sum(axis=1))
    for p in range(len(arrays)):
        delta, event = unit_raster(trains, p, events, edges)
        counts = np.zeros((len(events), len(edges) - 1), dtype=int)
        np.add.at(counts, (event, bin_index(delta, edges)), 1)
        assert np.array_equal(counts, want[p])
        assert np.array_equal(trains.unit(p), arrays[p])


def test_long_session_many_events_against_histogram():
    rng = np.random.default_rng(1)
    arrays = [np.sort(rng.uniform(0, 3000, rng.integers(0, 20_000))) for _ in range(30)]
    events = np.sort(rng.uniform(-5, 3005, 400))
    edges = Bins(-0.5, 1.0, 0.01).edges
    trains = SpikeTrains.from_arrays(range(30), arrays)
    assert np.array_equal(bin_counts(trains, events, edges), reference(arrays, events, edges))


def test_subset_keeps_each_units_spikes():
    rng = np.random.default_rng(2)
    arrays = [np.sort(rng.uniform(0, 100, 50)) for _ in range(5)]
    trains = SpikeTrains.from_arrays([10, 11, 12, 13, 14], arrays)
    sub = trains.subset([13, 10])
    assert sub.unit_ids.tolist() == [13, 10]
    assert np.array_equal(sub.unit(0), arrays[3])
    assert np.array_equal(sub.unit(1), arrays[0])
    with pytest.raises(KeyError, match="99"):
        trains.subset([99])


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ([np.array([1.0, 0.5])], "unit 7: spike times must be sorted"),
        ([np.array([1.0, np.nan])], "unit 7: spike times must be finite"),
    ],
)
def test_bad_trains_are_named(arrays, message):
    with pytest.raises(SpikeError, match=message):
        SpikeTrains.from_arrays([7], arrays)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((0.0, -1.0, 0.1), "increasing"),
        ((0.0, 1.0, 0.0), "positive"),
        ((0.0, 1.0, 0.3), "whole number"),
        ((0.0, float("nan"), 0.1), "finite"),
        ((0.0, 100.0, 0.001), "bins"),
    ],
)
def test_bad_bins_are_named(args, message):
    with pytest.raises(SpikeError, match=message):
        Bins(*args)


def test_non_finite_event_is_named():
    trains = SpikeTrains.from_arrays([1], [np.array([0.5])])
    with pytest.raises(SpikeError, match="finite"):
        summed_counts(trains, [1.0, np.inf], Bins(0, 1, 0.1).edges)
