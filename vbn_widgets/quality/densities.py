"""Smoothed per-group densities: a vectorised histogram + Gaussian-convolution KDE."""

from __future__ import annotations

import numpy as np

from .criteria import LOG_METRICS

LOG_OFFSET = 1e-5
GRID_BINS = 256


def axis_value(metric: str, v):
    """Data value -> plot-axis value (log10(v + 1e-5) for LOG_METRICS)."""
    if metric in LOG_METRICS:
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log10(np.asarray(v, dtype=float) + LOG_OFFSET)
        return float(out) if np.ndim(out) == 0 else out
    return float(v) if np.ndim(v) == 0 else np.asarray(v, dtype=float)


def data_value(metric: str, x):
    """Plot-axis value -> data value (inverse of :func:`axis_value`)."""
    if metric in LOG_METRICS:
        out = np.power(10.0, np.asarray(x, dtype=float)) - LOG_OFFSET
        return float(out) if np.ndim(out) == 0 else out
    return float(x) if np.ndim(x) == 0 else np.asarray(x, dtype=float)


def grouped_densities(
    values: np.ndarray, codes: np.ndarray, names: tuple[str, ...], points: int
) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    """Density per group ``names[code]`` of the finite ``values`` (already axis-transformed).

    One histogram over a shared 256-bin grid spanning the finite range, Gaussian smoothing with
    Scott's-rule bandwidth per group (np.convolve), resampled to ``points`` and normalised to
    area 1. Groups with fewer than 2 finite values are omitted.
    """
    finite = np.isfinite(values)
    values, codes = values[finite], codes[finite]
    if values.size < 2:
        return {}
    lo, hi = float(values.min()), float(values.max())
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    dx = (hi - lo) / GRID_BINS
    bins = np.minimum(((values - lo) / dx).astype(np.intp), GRID_BINS - 1)
    n_groups = len(names)
    hist = np.bincount(codes * GRID_BINS + bins, minlength=n_groups * GRID_BINS).reshape(
        n_groups, GRID_BINS
    )
    counts = np.bincount(codes, minlength=n_groups)
    sums = np.bincount(codes, weights=values, minlength=n_groups)
    sumsq = np.bincount(codes, weights=values * values, minlength=n_groups)
    centres = lo + dx * (np.arange(GRID_BINS) + 0.5)
    x_out = np.linspace(centres[0], centres[-1], points)
    out: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for g, name in enumerate(names):
        n = int(counts[g])
        if n < 2:
            continue
        mean = sums[g] / n
        var = max(sumsq[g] / n - mean * mean, 0.0) * n / (n - 1)
        bandwidth = np.sqrt(var) * n ** (-1 / 5)  # Scott's rule, one dimension
        sigma = max(bandwidth / dx, 0.5)  # in bins; at least half a bin
        half = min(int(np.ceil(4 * sigma)), GRID_BINS - 1)
        offsets = np.arange(-half, half + 1)
        kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
        smooth = np.convolve(hist[g].astype(float), kernel, mode="full")[half : half + GRID_BINS]
        y = np.interp(x_out, centres, smooth)
        area = float(np.sum((y[1:] + y[:-1]) * 0.5) * (x_out[1] - x_out[0]))
        out[name] = (x_out.copy(), y / area if area > 0 else y)
    return out
