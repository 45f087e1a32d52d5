"""Round threshold values (quality/grid.py) and binned densities (quality/binned.py)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vbn_widgets.quality import QualityModel
from vbn_widgets.quality.binned import BinIndex, smooth
from vbn_widgets.quality.grid import (
    LOG_OFFSET,
    TARGET_STEPS,
    Axis,
    decimals,
    metric_axis,
    nice_step,
)


def is_round(v: float, step: float) -> bool:
    """``v`` is a whole number of steps, written with no more digits than the step has."""
    digits = decimals(step)
    return round(v, digits) == v and abs(v / step - round(v / step)) < 1e-6


NICE = [(0.99, 0.01), (0.5, 0.005), (149.0, 2.0), (28.4, 0.2), (668, 5.0), (10.07, 0.1)]


@pytest.mark.parametrize(("span", "step"), NICE)
def test_nice_steps(span, step):
    assert nice_step(span) == step


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(-1e4, 1e4, allow_nan=False),
    relative=st.floats(1e-4, 1e3, allow_nan=False),
)
def test_linear_grid_covers_the_data_with_round_values(low, relative):
    width = relative * max(1.0, abs(low))  # spans a float64 can still write in round steps
    values = np.array([low, low + width / 3, low + width])
    axis = metric_axis("snr", values)
    grid = axis.values()
    assert grid[0] <= low and grid[-1] >= low + width
    assert 0.6 * TARGET_STEPS / 2 <= len(grid) <= 1.6 * TARGET_STEPS + 2
    assert all(is_round(v, axis.step) for v in grid)
    assert grid == sorted(set(grid))
    steps = np.diff(grid)
    np.testing.assert_allclose(steps, axis.step, rtol=1e-6)


@settings(max_examples=200, deadline=None)
@given(
    low=st.floats(0, 1e3, allow_nan=False),
    width=st.floats(1e-3, 1e4, allow_nan=False),
)
def test_log_grid_is_1_2_5_per_decade(low, width):
    axis = metric_axis("firing_rate", np.array([low, low + width]))
    grid = axis.values()
    assert axis.log and grid[0] <= max(low, 0) and grid[-1] >= low + width
    for v in grid:
        if v:
            mantissa = v / 10 ** math.floor(math.log10(v) + 1e-12)
            assert round(mantissa, 9) in (1.0, 2.0, 5.0), v
    assert (grid[0] == 0) == (low < LOG_OFFSET)


def test_constant_and_empty_columns_still_get_an_axis():
    assert len(metric_axis("snr", np.array([3.0, 3.0])).values()) > 1
    assert len(metric_axis("snr", np.array([np.nan])).values()) > 1
    assert metric_axis("isi_violations", np.zeros(4)).values()[0] == 0


def test_ticks_are_round_and_inside():
    axis = Axis(False, 0.0, 0.99, 0.01)
    assert axis.ticks() == [0.0, 0.2, 0.4, 0.6, 0.8]
    log = Axis(True, 0.0, 200.0, 0.0)
    assert log.ticks() == [0.0, 1e-05, 0.0001, 0.001, 0.01, 0.1, 1.0, 10.0, 100.0]


def test_bins_count_every_unit_once():
    rng = np.random.default_rng(0)
    n = 5_000
    units = pd.DataFrame(
        {
            "snr": rng.gamma(2, 1.5, n),
            "firing_rate": np.where(rng.random(n) < 0.1, np.nan, rng.lognormal(0, 1.5, n)),
            "structure_acronym": rng.choice(["VISp", "LGd", "CA1", "MRN", "ZI", None], n),
        }
    )
    model = QualityModel(units, ["snr", "firing_rate"])
    axes = [metric_axis(m, model.values(m)) for m in model.metrics]
    index = BinIndex(model, axes)
    counts, missing = index.counts(np.ones(n, dtype=bool))
    assert counts.dtype == missing.dtype == np.int32
    np.testing.assert_array_equal(counts.sum(axis=(1, 2)) + missing, n)
    assert missing.tolist() == [0, int(units["firing_rate"].isna().sum())]
    # bin b of the snr axis holds exactly the units whose position falls in it
    start, end = axes[0].span
    edges = np.linspace(start, end, index.bins + 1)
    expected, _ = np.histogram(units["snr"].to_numpy(), bins=edges)
    np.testing.assert_array_equal(counts[0].sum(axis=0), expected)
    cortex = (units["structure_acronym"] == "VISp").to_numpy()
    sub, _ = index.counts(cortex)
    assert sub[0, 0].sum() == cortex.sum() and sub[0, 1:].sum() == 0


def test_smooth_is_a_density_close_to_a_gaussian_kde():
    rng = np.random.default_rng(1)
    values = rng.normal(0.5, 0.1, 20_000)
    counts, edges = np.histogram(values, bins=100, range=(0, 1))
    y = smooth(counts, 1.0)
    assert y.sum() * 0.01 == pytest.approx(1.0)
    centres = (edges[:-1] + edges[1:]) / 2
    truth = np.exp(-0.5 * ((centres - 0.5) / 0.1) ** 2) / (0.1 * math.sqrt(2 * math.pi))
    assert np.abs(y - truth).max() < 0.1 * truth.max()
    assert smooth(np.array([0, 1, 0]), 1.0) is None
