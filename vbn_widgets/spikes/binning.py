"""Spike counts per (unit, event, bin), vectorized over every unit and every event.

A spike at time ``t`` falls in bin ``k`` of the event at ``e`` when
``edges[k] <= t - e < edges[k + 1]``, the last bin closed on the right: exactly
``np.histogram(spikes - e, edges)`` (``t - e`` is computed in float64 as there).

How: the spikes near the window ``[e + edges[0], e + edges[-1]]`` of every (unit, event) pair are
found by look-ups in the trains' tick table (:class:`~.trains.TickIndex`, a coarse cumulative
count per unit); only those spikes are read and binned, a slice of windows at a time so that the
temporaries stay small. No Python loop runs per unit or per event.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator

import numpy as np

from .errors import SpikeError
from .trains import SpikeTrains

MAX_BINS = 5_000
#: Windows binned per slice: small enough for the temporaries to stay in cache.
SLICE_WINDOWS = 16384


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


def edge_table(edges: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper bounds of ``n + 2`` slots: below the window, the ``n`` bins, above it.

    The last bin is closed on the right (as in ``np.histogram``): its upper bound is the next
    float after the last edge.
    """
    edges = np.asarray(edges, dtype=np.float64)
    lower = np.concatenate([[-np.inf], edges[:-1], [np.nextafter(edges[-1], np.inf)]])
    upper = np.concatenate([lower[1:], [np.inf]])
    return lower, upper


def slot_index(delta: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Slot of each ``delta`` (spike time minus event time): 0 below the window, ``k + 1`` in
    bin ``k``, ``n + 1`` above it; ``edges`` uniform.

    The same answer as ``np.searchsorted(edges, delta, "right")`` with the last edge inclusive
    (``np.histogram``'s rule): a guess from arithmetic, then one correction each way against the
    edges themselves, as ``np.histogram`` does for uniform bins.
    """
    n = len(edges) - 1
    lower, upper = edge_table(edges)
    guess = delta - edges[0]
    guess *= n / (edges[-1] - edges[0])
    np.clip(guess, -1, n, out=guess)
    slot = guess.astype(np.intp)  # truncates toward 0; the corrections below fix it
    slot += 1
    slot -= delta < lower[slot]
    slot += delta >= upper[slot]
    return slot


def bin_index(delta: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each ``delta`` among uniform ``edges`` (``np.histogram``'s rule); -1 outside."""
    slot = slot_index(delta, edges).astype(np.int64) - 1
    slot[slot == len(edges) - 1] = -1
    return slot


def _slice_spikes(
    trains: SpikeTrains, units: np.ndarray, at: np.ndarray, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Every spike of unit ``units[w]`` near the window around ``at[w]``, for each window ``w``
    of a slice: how many per window, and the slot of each (:func:`slot_index`)."""
    lo, hi = trains.index.bounds(units, at + edges[0], at + edges[-1])
    lengths = (hi - lo).astype(np.intp)
    total = int(lengths.sum())
    if total == 0:
        return lengths, np.empty(0, dtype=np.intp)
    # take = lo[w], lo[w] + 1, ..., hi[w] - 1 for each window in turn, as one cumulative sum.
    step = np.ones(total, dtype=np.intp)
    filled = lengths > 0
    starts = (np.cumsum(lengths) - lengths)[filled]
    first_spike = lo[filled].astype(np.intp)
    step[starts] = first_spike - np.concatenate([[1], first_spike[:-1] + lengths[filled][:-1]]) + 1
    delta = trains.times[np.cumsum(step, out=step)]
    delta -= np.repeat(at, lengths)
    return lengths, slot_index(delta, edges)


def _windows(n_units: int, n_events: int, per_slice: int) -> Iterator[np.ndarray]:
    """Flat window numbers ``unit * n_events + event``, a slice at a time."""
    n_windows = n_units * n_events
    for first in range(0, n_windows, per_slice):
        yield np.arange(first, min(first + per_slice, n_windows))


def _positions(trains: SpikeTrains, positions: object) -> np.ndarray:
    if positions is None:
        return np.arange(len(trains))
    pos = np.asarray(positions, dtype=np.int64).ravel()
    if len(pos) and (pos.min() < 0 or pos.max() >= len(trains)):
        raise SpikeError(f"unit positions must be in [0, {len(trains)})")
    return pos


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
    n_bins = len(edges) - 1
    out = np.zeros((len(pos), len(events), n_bins), dtype=np.uint16)
    flat = out.reshape(-1, n_bins)
    per_slice = max(1, min(SLICE_WINDOWS, (1 << 20) // (n_bins + 2)))
    for windows in _windows(len(pos), len(events), per_slice):
        unit, event = np.divmod(windows, len(events))
        lengths, slot = _slice_spikes(trains, pos[unit], events[event], edges)
        slot += np.repeat(np.arange(len(windows)) * (n_bins + 2), lengths)
        slots = np.bincount(slot, minlength=len(windows) * (n_bins + 2))
        counts = slots.reshape(len(windows), n_bins + 2)[:, 1:-1]
        if len(counts) and counts.max() > np.iinfo(flat.dtype).max:
            out = out.astype(np.uint32)
            flat = out.reshape(-1, n_bins)
        flat[windows[0] : windows[-1] + 1] = counts
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
    n_bins, n_events = len(edges) - 1, len(events)
    group = np.zeros(n_events, dtype=np.int64) if groups is None else np.asarray(groups)
    if group.shape != (n_events,) or (len(group) and (group.max() >= n_groups)):
        raise SpikeError(f"groups must give one group below {n_groups} per event ({n_events})")
    keep = group >= 0
    events, group = events[keep], group[keep]
    n_events = len(events)
    width = n_bins + 2
    total = np.zeros((len(pos) * n_groups + 1) * width, dtype=np.int64)
    for windows in _windows(len(pos), n_events, SLICE_WINDOWS):
        unit, event = np.divmod(windows, n_events)
        lengths, slot = _slice_spikes(trains, pos[unit], events[event], edges)
        first = int(unit[0]) * n_groups
        slot += np.repeat((unit * n_groups + group[event] - first) * width, lengths)
        counted = np.bincount(slot)
        total[first * width : first * width + len(counted)] += counted
    return total[: len(pos) * n_groups * width].reshape(len(pos), n_groups, width)[:, :, 1:-1]


def unit_raster(
    spikes: np.ndarray, event_times: object, edges: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """One unit's raster: every spike inside an event's window as (time from the event, event
    position), in event order then time; the same windows as :func:`bin_counts`."""
    events = as_event_times(event_times)
    spikes = np.asarray(spikes, dtype=np.float64)
    lo = np.searchsorted(spikes, events + edges[0] - 1e-3)
    hi = np.searchsorted(spikes, events + edges[-1] + 1e-3)
    lengths = hi - lo
    event = np.repeat(np.arange(len(events)), lengths)
    take = np.repeat(lo - (np.cumsum(lengths) - lengths), lengths) + np.arange(lengths.sum())
    delta = spikes[take] - events[event]
    inside = bin_index(delta, edges) >= 0
    return delta[inside], event[inside]
