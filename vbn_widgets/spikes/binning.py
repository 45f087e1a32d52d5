"""Spike counts per (unit, event, bin), vectorized over every unit and every event.

A spike at time ``t`` falls in bin ``k`` of the event at ``e`` when
``edges[k] <= t - e < edges[k + 1]``, the last bin closed on the right: exactly
``np.histogram(spikes - e, edges)`` (``t - e`` is computed in float64 as there).

How: the trains are stored in time order (:class:`~.trains.SpikeTrains`), so the spikes of every
unit around one event are one slice, found by a look-up in a per-tick table. A few events at a
time, those slices are concatenated, each spike's bin is computed arithmetically and then checked
against the edges themselves (one comparison: exact), and ``np.bincount`` counts them per (unit,
bin). No Python loop runs per unit; the one over events handles a few events per step.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from .errors import SpikeError
from .trains import SpikeTrains

MAX_BINS = 5_000
#: Events binned per step of the PSTH: their spikes (every unit) stay in cache.
EVENTS_PER_STEP = 16
#: Cells of (units x events x slots) counted per step of :func:`bin_counts`.
CUBE_STEP = 1 << 21


@dataclasses.dataclass(frozen=True)
class Bins:
    """``n`` bins of ``width`` seconds from ``start`` to ``stop`` around each event."""

    start: float
    stop: float
    width: float

    def __post_init__(self) -> None:
        for name in ("start", "stop", "width"):
            value = getattr(self, name)
            if not isinstance(value, (int, float, np.number)) or not np.isfinite(value):
                raise SpikeError(f"{name} must be a finite number of seconds, got {value!r}")
        if not self.start < self.stop:
            raise SpikeError(f"the window must be increasing, got [{self.start}, {self.stop}]")
        if not self.width > 0:
            raise SpikeError(f"the bin size must be positive, got {self.width}")
        n = (self.stop - self.start) / self.width
        if abs(n - round(n)) > 1e-6 * max(1.0, n):
            raise SpikeError(
                f"the window [{self.start}, {self.stop}] s is not a whole number of "
                f"{self.width} s bins"
            )
        if not 1 <= round(n) <= MAX_BINS:
            raise SpikeError(f"{round(n)} bins: choose between 1 and {MAX_BINS}")

    @property
    def n(self) -> int:
        return round((self.stop - self.start) / self.width)

    @property
    def edges(self) -> np.ndarray:
        """``np.linspace(start, stop, n + 1)``: the edges every count here uses."""
        return np.linspace(self.start, self.stop, self.n + 1)

    @property
    def centers(self) -> np.ndarray:
        edges = self.edges
        return (edges[:-1] + edges[1:]) / 2


def as_event_times(times: object) -> np.ndarray:
    """Event times as a float64 array (any order); an error names a non-finite one."""
    events = np.asarray(times, dtype=np.float64).ravel()
    if not np.isfinite(events).all():
        bad = events[~np.isfinite(events)][0]
        raise SpikeError(f"event times must be finite, found {bad}")
    return events


def bin_index(delta: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each ``delta`` (spike time minus event time), -1 outside: ``np.histogram``'s rule
    (``edges[k] <= delta < edges[k + 1]``, the last bin closed), by definition."""
    n = len(edges) - 1
    bins = np.searchsorted(edges, delta, side="right") - 1
    bins[delta == edges[-1]] = n - 1
    bins[(bins < 0) | (bins >= n)] = -1
    return bins


class Slots:
    """Each spike's slot among ``pad`` slots below the window, its ``n`` bins, and slots above.

    ``edges`` uniform; ``pad`` slots cover how far outside the window the tick look-up may
    reach. The slot is first guessed from ``delta * scale`` (biased a millionth of a bin low, so
    the guess is the true slot or the one below it), then raised by one where ``delta`` reaches
    the slot's upper edge: the edges decide, exactly as in ``np.histogram``.
    """

    def __init__(self, edges: np.ndarray, reach_s: float) -> None:
        edges = np.asarray(edges, dtype=np.float64)
        self.n = n = len(edges) - 1
        step = (edges[-1] - edges[0]) / n
        self.pad = pad = int(np.ceil(reach_s / step)) + 3
        self.width = width = n + 2 * pad
        k = np.arange(width) - pad
        lower = edges[0] + k * step  # virtual edges outside the window
        lower[pad : pad + n] = edges[:-1]
        lower[pad + n] = np.nextafter(edges[-1], np.inf)  # the last bin is closed
        lower[pad + n + 1 :] = np.maximum(lower[pad + n + 1 :], lower[pad + n])
        self.upper = np.append(lower[1:], np.inf)
        self.scale = 1.0 / step
        self.offset = pad - edges[0] * self.scale - 1e-6

    def __call__(self, delta: np.ndarray) -> np.ndarray:
        guess = delta * self.scale
        guess += self.offset
        np.clip(guess, 0, self.width - 1, out=guess)
        slot = guess.astype(np.intp)
        slot += delta >= self.upper[slot]
        return slot

    def bins(self, counts: np.ndarray) -> np.ndarray:
        """The window's bins of counts per slot (last axis)."""
        return counts[..., self.pad : self.pad + self.n]


def _positions(trains: SpikeTrains, positions: object) -> np.ndarray:
    if positions is None:
        return np.arange(len(trains))
    pos = np.asarray(positions, dtype=np.int64).ravel()
    if len(pos) and (pos.min() < 0 or pos.max() >= len(trains)):
        raise SpikeError(f"unit positions must be in [0, {len(trains)})")
    return pos


def _rows(trains: SpikeTrains, pos: np.ndarray) -> np.ndarray | None:
    """Output row of each unit of the trains (``len(pos)``: not counted); None: identity."""
    if np.array_equal(pos, np.arange(len(trains))):
        return None
    rows = np.full(len(trains), len(pos), dtype=np.intp)
    rows[pos] = np.arange(len(pos))
    return rows


def _spikes(
    trains: SpikeTrains, events: np.ndarray, edges: np.ndarray, slots: Slots
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every spike near the windows of ``events`` (a few): how many per event, their units'
    labels and their slots."""
    lo, hi = trains.ranges(events + edges[0], events + edges[-1])
    pieces = list(zip(lo.tolist(), hi.tolist(), strict=True))
    delta = np.concatenate([trains.times[a:b] for a, b in pieces])
    labels = np.concatenate([trains.labels[a:b] for a, b in pieces])
    lengths = hi - lo
    delta -= np.repeat(events, lengths)
    return lengths, labels, slots(delta)


def bin_counts(
    trains: SpikeTrains,
    event_times: object,
    edges: np.ndarray,
    *,
    positions: object = None,
) -> np.ndarray:
    """Counts ``(units, events, bins)`` (uint16; uint32 if a bin holds more than 65,535).

    ``positions``: which units of ``trains`` (default all, in order); events in the given
    order; ``edges`` uniform (e.g. :attr:`Bins.edges`).
    """
    events = as_event_times(event_times)
    pos = _positions(trains, positions)
    edges = np.asarray(edges, dtype=np.float64)
    slots = Slots(edges, 1.0 / trains.ticks_per_s)
    rows = _rows(trains, pos)
    n_rows = len(pos) + (rows is not None)
    out = np.zeros((len(pos), len(events), slots.n), dtype=np.uint16)
    per_step = max(1, CUBE_STEP // (n_rows * slots.width))
    for first in range(0, len(events), per_step):
        chunk = events[first : first + per_step]
        if len(chunk) == 0 or trains.n_spikes == 0:
            continue
        lengths, labels, slot = _spikes(trains, chunk, edges, slots)
        row = labels.astype(np.intp) if rows is None else rows[labels]
        row *= len(chunk)
        row += np.repeat(np.arange(len(chunk)), lengths)
        row *= slots.width
        row += slot
        counted = np.bincount(row, minlength=n_rows * len(chunk) * slots.width)
        counts = slots.bins(counted.reshape(n_rows, len(chunk), slots.width))[: len(pos)]
        if counts.size and counts.max() > np.iinfo(out.dtype).max:
            out = out.astype(np.uint32)
        out[:, first : first + len(chunk)] = counts
    return out


def summed_counts(
    trains: SpikeTrains,
    event_times: object,
    edges: np.ndarray,
    *,
    positions: object = None,
    groups: np.ndarray | None = None,
    n_groups: int = 1,
) -> np.ndarray:
    """Counts summed over the events of each group: ``(units, groups, bins)`` int64.

    ``groups``: the group (0 .. n_groups - 1) of each event, -1 to leave it out; default one
    group of every event. Divide by the events per group and the bin width for a PSTH in Hz.
    """
    events = as_event_times(event_times)
    pos = _positions(trains, positions)
    edges = np.asarray(edges, dtype=np.float64)
    group = np.zeros(len(events), dtype=np.int64) if groups is None else np.asarray(groups)
    if group.shape != (len(events),) or (len(group) and group.max() >= n_groups):
        raise SpikeError(f"groups must give one group below {n_groups} per event ({len(events)})")
    slots = Slots(edges, 1.0 / trains.ticks_per_s)
    rows = _rows(trains, pos)
    n_rows = len(pos) + (rows is not None)
    total = np.zeros(n_rows * n_groups * slots.width, dtype=np.int64)
    for g in range(n_groups):
        chosen = events[group == g]
        for first in range(0, len(chosen) if trains.n_spikes else 0, EVENTS_PER_STEP):
            _, labels, slot = _spikes(trains, chosen[first : first + EVENTS_PER_STEP], edges, slots)
            key = labels.astype(np.intp) if rows is None else rows[labels]
            key *= n_groups
            key += g
            key *= slots.width
            key += slot
            counted = np.bincount(key)
            total[: len(counted)] += counted
    counts = total.reshape(n_rows, n_groups, slots.width)[: len(pos)]
    return slots.bins(counts)


def unit_raster(
    trains: SpikeTrains, position: int, event_times: object, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One unit's raster: every spike inside an event's window as (time from the event, event
    position), in event order then time; the same windows as :func:`bin_counts`."""
    events = as_event_times(event_times)
    edges = np.asarray(edges, dtype=np.float64)
    slots = Slots(edges, 1.0 / trains.ticks_per_s)
    if len(events) == 0 or trains.n_spikes == 0:
        return np.empty(0), np.empty(0, dtype=np.intp)
    lo, hi = trains.ranges(events + edges[0], events + edges[-1])
    # Every unit's labels near the windows (memory copies), then this unit's spikes among them.
    labels = np.concatenate(
        [trains.labels[a:b] for a, b in zip(lo.tolist(), hi.tolist(), strict=True)]
    )
    found = np.flatnonzero(labels == position)
    starts = np.cumsum(hi - lo) - (hi - lo)
    event = np.searchsorted(starts, found, side="right") - 1
    take = lo[event] + (found - starts[event])
    delta = trains.times[take] - events[event]
    slot = slots(delta)
    inside = (slot >= slots.pad) & (slot < slots.pad + slots.n)
    return delta[inside], event[inside]
