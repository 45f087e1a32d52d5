"""Spike trains of many units, stored in time order so that every unit's spikes around an event
are one contiguous slice.

Input arrives unit by unit (NWB's ``/units`` layout, AllenSDK's ``spike_times`` dict): each
unit's sorted times, concatenated. :class:`SpikeTrains` reorders them once by *tick* (a coarse
clock of at most 65,535 steps over the session, so one radix sort does it), keeping each unit's
order: the spikes of every unit in ticks ``a..b`` are then ``times[starts[a]:starts[b + 1]]``,
each with its unit's position in ``labels``. Finding the spikes around every event is a look-up
per event, and binning them reads memory in order.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import SpikeError

#: Ticks over a session: at most this many (uint16 keys, numpy's radix sort).
MAX_TICKS = 65_535
#: ...and at most this many per second.
MAX_TICKS_PER_S = 1024.0


class SpikeTrains:
    """Sorted spike times of many units.

    Build with :meth:`from_arrays` (one array per unit), :meth:`from_mapping` (AllenSDK's
    ``session.spike_times`` dict, or any mapping unit id -> times) or the constructor (already
    concatenated unit by unit: ``times`` and cumulative ``offsets`` with a leading 0).

    Attributes: ``unit_ids``; ``times`` (every spike, in tick order), ``labels`` (the position
    in ``unit_ids`` of each spike's unit), ``starts`` (``starts[k]``: first spike of tick ``k``;
    ``starts[-1] == n_spikes``), ``t0`` and ``ticks_per_s`` (tick ``k`` starts at
    ``t0 + k / ticks_per_s``).
    """

    def __init__(self, unit_ids: Sequence[int], times: np.ndarray, offsets: np.ndarray) -> None:
        ids = np.asarray(unit_ids, dtype=np.int64)
        times = np.ascontiguousarray(times, dtype=np.float64)
        offsets = np.asarray(offsets, dtype=np.int64)
        if ids.ndim != 1 or offsets.shape != (len(ids) + 1,):
            raise SpikeError(f"offsets must have len(unit_ids) + 1 = {len(ids) + 1} entries")
        if offsets[0] != 0 or offsets[-1] != len(times) or (np.diff(offsets) < 0).any():
            raise SpikeError("offsets must rise from 0 to len(times)")
        if len(np.unique(ids)) != len(ids):
            raise SpikeError("unit ids must be unique")
        _check_sorted(ids, times, offsets)
        self.unit_ids = ids
        self.counts = np.diff(offsets)
        self._lock = threading.Lock()
        self._time_order(times, offsets)

    def _time_order(self, times: np.ndarray, offsets: np.ndarray) -> None:
        lowest = float(times.min()) if len(times) else 0.0
        highest = float(times.max()) if len(times) else 0.0
        self.t0 = np.floor(lowest) - 1.0
        duration = highest - self.t0 + 2.0
        self.ticks_per_s = min(MAX_TICKS_PER_S, MAX_TICKS / duration)
        self.t_range = (lowest, highest)
        tick = np.empty(len(times), dtype=np.uint16)
        step = 1 << 22
        for i in range(0, len(times), step):  # a few steps over every spike, cache-sized
            chunk = times[i : i + step] - self.t0
            chunk *= self.ticks_per_s
            tick[i : i + step] = np.minimum(chunk, MAX_TICKS - 1)
        order = np.argsort(tick, kind="stable")  # radix sort: keeps each unit's time order
        label_type = np.int16 if len(self.unit_ids) < 2**15 else np.int32
        self.labels = np.repeat(np.arange(len(self.unit_ids), dtype=label_type), self.counts)[order]
        self.times = times[order]
        counts = np.bincount(tick, minlength=MAX_TICKS)
        self.starts = np.concatenate([[0], np.cumsum(counts)])

    @classmethod
    def from_arrays(cls, unit_ids: Sequence[int], arrays: Iterable[np.ndarray]) -> SpikeTrains:
        parts = [np.asarray(a, dtype=np.float64).ravel() for a in arrays]
        if len(parts) != len(unit_ids):
            raise SpikeError(f"{len(unit_ids)} unit ids but {len(parts)} spike arrays")
        counts = np.fromiter((len(p) for p in parts), dtype=np.int64, count=len(parts))
        offsets = np.concatenate([[0], np.cumsum(counts)])
        times = np.concatenate(parts) if parts else np.empty(0)
        return cls(unit_ids, times, offsets)

    @classmethod
    def from_mapping(cls, mapping: Mapping, unit_ids: Sequence[int]) -> SpikeTrains:
        """The trains of ``unit_ids`` from a mapping unit id -> spike times.

        A mapping with a bulk reader (``read_many(unit_ids) -> {unit_id: times}``, as the
        session reader's lazy ``spike_times`` has) is read with few contiguous reads.
        """
        ids = [int(u) for u in unit_ids]
        bulk = getattr(mapping, "read_many", None)
        if callable(bulk):
            found = bulk(ids)
            return cls.from_arrays(ids, (found[u] for u in ids))
        missing = [u for u in ids if u not in mapping]
        if missing:
            raise SpikeError(f"no spike times for unit(s) {missing[:5]}")
        return cls.from_arrays(ids, (mapping[u] for u in ids))

    def __len__(self) -> int:
        return len(self.unit_ids)

    def __repr__(self) -> str:
        return f"SpikeTrains({len(self):,} units, {self.n_spikes:,} spikes)"

    @property
    def n_spikes(self) -> int:
        return len(self.times)

    def ticks(self, times: np.ndarray) -> np.ndarray:
        """The tick holding each time, clipped into the table (``0 .. MAX_TICKS - 1``)."""
        raw = np.floor((np.asarray(times, dtype=np.float64) - self.t0) * self.ticks_per_s)
        return np.clip(raw, 0, MAX_TICKS - 1).astype(np.intp)

    def ranges(self, lo: np.ndarray, hi: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """``[a, b)``: the spikes (every unit) in the ticks holding ``[lo[k], hi[k]]`` (a
        superset of the spikes in that interval, by at most a tick at each end)."""
        return self.starts[self.ticks(lo)], self.starts[self.ticks(hi) + 1]

    def positions(self, unit_ids: Iterable[int]) -> np.ndarray:
        """Positions of ``unit_ids`` in these trains (KeyError naming any missing id)."""
        wanted = np.asarray(list(unit_ids), dtype=np.int64)
        found = pd.Index(self.unit_ids).get_indexer(wanted)
        if (found < 0).any():
            raise KeyError(f"unit(s) not in these spike trains: {wanted[found < 0][:5].tolist()}")
        return found

    def unit(self, position: int) -> np.ndarray:
        """The sorted spike times of the unit at ``position`` (one pass over every spike)."""
        return self.times[self.labels == position]

    def subset(self, unit_ids: Iterable[int]) -> SpikeTrains:
        """The trains of ``unit_ids`` (in that order)."""
        pos = self.positions(unit_ids)
        if np.array_equal(pos, np.arange(len(self))):
            return self
        relabel = np.full(len(self), -1, dtype=np.int64)
        relabel[pos] = np.arange(len(pos))
        keep = relabel[self.labels]
        inside = keep >= 0
        # Back to unit order (a stable sort by new label keeps each unit's time order).
        order = np.argsort(keep[inside], kind="stable")
        times = self.times[inside][order]
        counts = np.bincount(keep[inside], minlength=len(pos))
        return SpikeTrains(self.unit_ids[pos], times, np.concatenate([[0], np.cumsum(counts)]))


def _check_sorted(ids: np.ndarray, times: np.ndarray, offsets: np.ndarray) -> None:
    if len(times) and not np.isfinite(times).all():
        bad = np.flatnonzero(~np.isfinite(times))[0]
        unit = ids[np.searchsorted(offsets, bad, side="right") - 1]
        raise SpikeError(f"unit {unit}: spike times must be finite, found {times[bad]}")
    if len(times) < 2:
        return
    falling = np.diff(times) < 0
    # A unit's first spike may be earlier than the previous unit's last one.
    boundaries = offsets[1:-1]
    boundaries = boundaries[(boundaries > 0) & (boundaries < len(times))]
    falling[boundaries - 1] = False
    if falling.any():
        bad = np.flatnonzero(falling)[0] + 1
        unit = ids[np.searchsorted(offsets, bad, side="right") - 1]
        raise SpikeError(f"unit {unit}: spike times must be sorted (AllenSDK's are)")


class TrainStore:
    """The spike trains of a session's units, read in bulk when first asked for and kept: a
    narrower selection is cut from what is loaded; a wider one reloads the union once."""

    def __init__(self, mapping: Mapping) -> None:
        self._mapping = mapping
        self._loaded: SpikeTrains | None = None

    def get(self, unit_ids: Sequence[int]) -> SpikeTrains:
        ids = [int(u) for u in unit_ids]
        loaded = self._loaded
        have = set() if loaded is None else set(loaded.unit_ids.tolist())
        if not set(ids) <= have:
            union = ids + sorted(have - set(ids))
            loaded = self._loaded = SpikeTrains.from_mapping(self._mapping, union)
        assert loaded is not None
        return loaded.subset(ids)
