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
    """Each unit's (region group, bin) on each metric's axis as one key, ``group * bins + bin``
    (-1 for NaN), computed once per widget; counting is then one bincount per metric."""

    def __init__(self, model: QualityModel, axes: Sequence[Axis], bins: int = BINS) -> None:
        self.model, self.bins = model, bins
        self.groups = len(GROUP_ORDER)
        offset = model.group_codes().astype(np.int16) * np.int16(bins)
        self._keys: list[np.ndarray] = []
        for metric, axis in zip(model.metrics, axes, strict=True):
            x = axis.position(model.values(metric))
            start, end = axis.span
            missing = np.isnan(x)
            with np.errstate(invalid="ignore"):
                scaled = np.floor((x - start) * (bins / (end - start)))
            scaled[missing] = 0
            key = np.clip(scaled, 0, bins - 1).astype(np.int16) + offset
            key[missing] = -1
            self._keys.append(key)

    def counts(self, restriction: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(counts int32 [metric, group, bin], NaN units int32 [metric]) inside ``restriction``."""
        everyone = bool(restriction.all())
        size = self.groups * self.bins
        counts = np.zeros((len(self._keys), self.groups, self.bins), dtype=np.int32)
        missing = np.zeros(len(self._keys), dtype=np.int32)
        for i, key in enumerate(self._keys):
            keys = key if everyone else key[restriction]
            flat = np.bincount(keys + 1, minlength=size + 1)  # slot 0: NaN
            missing[i] = flat[0]
            counts[i] = flat[1:].reshape(self.groups, self.bins)
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
