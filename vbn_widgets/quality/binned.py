"""Binned counts of each metric per region group, and the smoothing that turns them into densities.

The widget sends the counts (small Int32 arrays) and the browser smooths them
(``js/src/quality_filter/density.js``); :func:`smooth` is the same algorithm for the report figure.
Counts depend only on the restriction (sessions, areas, label), never on the thresholds.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from .grid import Axis
from .model import QualityModel
from .regions import GROUP_ORDER

#: Bins per metric axis.
BINS = 100
#: Smallest Gaussian kernel width, in bins, and how many widths the kernel reaches.
SMOOTH_MIN_BINS = 0.5
SMOOTH_SIGMAS = 4


class BinIndex:
    """Each unit's bin on each metric's axis (-1 for NaN), computed once per widget."""

    def __init__(self, model: QualityModel, axes: Sequence[Axis], bins: int = BINS) -> None:
        self.model, self.bins = model, bins
        self._index: list[np.ndarray] = []
        for metric, axis in zip(model.metrics, axes, strict=True):
            x = axis.position(model.values(metric))
            start, end = axis.span
            with np.errstate(invalid="ignore"):
                scaled = np.floor((x - start) / (end - start) * bins)
            index = np.clip(np.nan_to_num(scaled, nan=0.0), 0, bins - 1).astype(np.int16)
            index[np.isnan(x)] = -1
            self._index.append(index)

    def counts(self, restriction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(counts int32 [metric, group, bin], NaN units int32 [metric]) inside ``restriction``."""
        groups = self.model.group_codes()[restriction].astype(np.intp)
        n_groups = len(GROUP_ORDER)
        counts = np.zeros((len(self._index), n_groups, self.bins), dtype=np.int32)
        missing = np.zeros(len(self._index), dtype=np.int32)
        for i, index in enumerate(self._index):
            idx = index[restriction]
            ok = idx >= 0
            missing[i] = idx.size - int(np.count_nonzero(ok))
            flat = np.bincount(
                groups[ok] * self.bins + idx[ok], minlength=n_groups * self.bins
            ).reshape(n_groups, self.bins)
            counts[i] = flat
        return counts, missing


def smooth(counts: np.ndarray, width: float) -> np.ndarray | None:
    """A density (area 1 over an axis ``width`` wide) from one group's bin counts: a Gaussian
    kernel of Scott's-rule width in bins (at least :data:`SMOOTH_MIN_BINS`); None below 2 units."""
    counts = np.asarray(counts, dtype=float)
    n = counts.sum()
    if n < 2:
        return None
    centres = np.arange(counts.size) + 0.5
    mean = float((counts * centres).sum() / n)
    var = float((counts * (centres - mean) ** 2).sum() / (n - 1))
    sigma = max(np.sqrt(var) * n ** (-1 / 5), SMOOTH_MIN_BINS)
    half = min(int(np.ceil(SMOOTH_SIGMAS * sigma)), counts.size - 1)
    offsets = np.arange(-half, half + 1)
    kernel = np.exp(-0.5 * (offsets / sigma) ** 2)
    y = np.convolve(counts, kernel, mode="full")[half : half + counts.size]
    total = y.sum() * width / counts.size
    return y / total if total > 0 else y
