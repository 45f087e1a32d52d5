"""Round threshold values: the axis of each metric and the grid its slider moves on.

A linear axis runs from ``lo`` to ``hi`` in steps of ``step``, the 1-2-5 value nearest to giving
:data:`TARGET_STEPS` positions; every grid value is ``i * step`` written with the step's decimals.
A log axis (``LOG_METRICS``: plotted at ``log10(v + LOG_OFFSET)``) moves on the 1-2-5 values of
each decade, plus 0 when the data reach it. The front end enumerates the same grid
(``js/src/quality_filter/scale.js``); the constants below are checked against
``js/src/quality_filter/protocol.js`` by a test.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TypedDict

import numpy as np

from .criteria import LOG_METRICS
from .densities import LOG_OFFSET

#: Mantissas of the round values in each decade (log axes; linear steps use them too).
MANTISSAS: tuple[int, ...] = (1, 2, 5)
#: A linear axis has about this many positions.
TARGET_STEPS = 100
#: A linear axis is labelled at about this many round values.
TARGET_TICKS = 5

__all__ = [
    "LOG_OFFSET",
    "MANTISSAS",
    "TARGET_STEPS",
    "TARGET_TICKS",
    "Axis",
    "AxisInfo",
    "metric_axis",
]


def _round_value(m: int, k: int) -> float:
    return float(f"{m}e{k}")


def decimals(step: float) -> int:
    """Digits after the point that write every multiple of ``step`` exactly (step = m * 10^k)."""
    return max(0, -math.floor(math.log10(step) + 1e-9))


def at(i: int, step: float) -> float:
    """The grid value ``i * step``, written with the step's decimals (no 0.30000000000000004)."""
    return float(f"{i * step:.{decimals(step)}f}")


def nice_step(span: float, target: int = TARGET_STEPS) -> float:
    """The 1-2-5 value nearest ``span / target`` on a log scale (ties: the larger)."""
    raw = span / target if span > 0 else 1.0
    k = math.floor(math.log10(raw))
    candidates = [_round_value(m, kk) for kk in (k, k + 1) for m in MANTISSAS]
    return min(candidates, key=lambda v: (abs(math.log10(v / raw)), -v))


def _candidates(v: float) -> list[float]:
    """The 1-2-5 values of the decades around ``v`` (log10 may round a decade up), ascending."""
    k = math.floor(math.log10(v))
    return [_round_value(m, kk) for kk in (k - 1, k, k + 1) for m in MANTISSAS]


def round_down(v: float) -> float:
    """The largest 1-2-5 value <= ``v`` (v > 0)."""
    return max(c for c in _candidates(v) if c <= v)


def round_up(v: float) -> float:
    """The smallest 1-2-5 value >= ``v`` (v > 0)."""
    return min(c for c in _candidates(v) if c >= v)


class AxisInfo(TypedDict):
    """An axis as the front end gets it (inside ``MetricInfo``)."""

    log: bool
    lo: float
    hi: float
    step: float


@dataclass(frozen=True)
class Axis:
    """Where a metric's values are drawn and which round values its slider offers."""

    log: bool
    lo: float
    hi: float
    step: float  # linear axes; 0 on log axes

    def position(self, v):
        """Data value(s) -> axis coordinate (log10(v + LOG_OFFSET) on log axes)."""
        if not self.log:
            return np.asarray(v, dtype=float) if np.ndim(v) else float(v)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = np.log10(np.asarray(v, dtype=float) + LOG_OFFSET)
        return out if np.ndim(out) else float(out)

    @property
    def span(self) -> tuple[float, float]:
        """(start, end) of the axis in axis coordinates."""
        return self.position(self.lo), self.position(self.hi)

    def values(self) -> list[float]:
        """Every grid value, ascending."""
        if not self.log:
            first, last = round(self.lo / self.step), round(self.hi / self.step)
            return [at(i, self.step) for i in range(first, last + 1)]
        out = [0.0] if self.lo == 0 else []
        k = math.floor(math.log10(max(self.lo, LOG_OFFSET)))
        while True:
            for m in MANTISSAS:
                value = _round_value(m, k)
                if value > self.hi * (1 + 1e-12):
                    return out
                if value >= max(self.lo, LOG_OFFSET) * (1 - 1e-12):
                    out.append(value)
            k += 1

    def ticks(self, target: int = TARGET_TICKS) -> list[float]:
        """Round values to label: multiples of a 1-2-5 step (about ``target``) on linear axes;
        0 and the powers of ten on log axes."""
        if self.log:
            return [v for v in self.values() if v == 0 or math.log10(v).is_integer()]
        step = nice_step(self.hi - self.lo, target)
        first, last = math.ceil(self.lo / step - 1e-9), math.floor(self.hi / step + 1e-9)
        return [at(i, step) for i in range(first, last + 1)]

    def to_json(self) -> AxisInfo:
        return {"log": self.log, "lo": self.lo, "hi": self.hi, "step": self.step}


def metric_axis(metric: str, values: np.ndarray) -> Axis:
    """The axis of ``metric`` over ``values`` (NaN ignored; never empty)."""
    finite = values[np.isfinite(values)]
    low = float(finite.min()) if finite.size else 0.0
    high = float(finite.max()) if finite.size else 1.0
    if metric in LOG_METRICS:
        lo = 0.0 if low < LOG_OFFSET else round_down(low)
        hi = round_up(max(high, LOG_OFFSET * 10, lo * 10))
        return Axis(True, lo, hi, 0.0)
    span = high - low if high > low else max(abs(high), 1.0)
    step = nice_step(span)
    lo_i, hi_i = math.floor(low / step + 1e-9), math.ceil(high / step - 1e-9)
    lo_i -= at(lo_i, step) > low  # the rounding above forgives float noise, never the data
    hi_i += at(hi_i, step) < high
    if hi_i <= lo_i:
        hi_i = lo_i + TARGET_STEPS
    return Axis(False, at(lo_i, step), at(hi_i, step), step)
