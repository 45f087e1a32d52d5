"""Spike trains of many units as one concatenated array (the layout of NWB's ``/units``).

``times[offsets[i]:offsets[i + 1]]`` are the sorted spike times (s) of ``unit_ids[i]``. A tick
table (:class:`TickIndex`) gives, for every unit and every tick of a coarse clock, the index of
the unit's first spike in or after that tick: the spikes around every event of every unit are
then found by table look-ups, without a search or a Python loop per unit.
"""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import SpikeError

#: Table entries built per step of :func:`_build_index` (bounds its temporary memory).
_BUILD_STEP = 1 << 24


@dataclasses.dataclass(frozen=True)
class TickIndex:
    """``first[u, k]``: global index of unit ``u``'s first spike at or after tick ``k``, where
    tick ``k`` starts at ``t0 + k / ticks_per_s``; ``first[u, -1]`` is one past its last spike.

    About as many entries as spikes (``ticks_per_s`` is the power of two at or above the mean
    rate, between 2 and 64 per second), so a window found by ticks holds at most one tick of
    extra spikes at each end; exact bin membership is decided on the float64 times.
    """

    first: np.ndarray
    t0: float
    ticks_per_s: float

    def bounds(
        self, positions: np.ndarray, start: np.ndarray, stop: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """For unit ``positions[k]``: indices ``[lo, hi)`` of its spikes in the ticks holding
        ``[start[k], stop[k]]`` (a superset of the spikes in that interval)."""
        n_ticks = self.first.shape[1] - 1
        lo = np.floor((start - self.t0) * self.ticks_per_s)
        hi = np.floor((stop - self.t0) * self.ticks_per_s)
        np.clip(lo, 0, n_ticks, out=lo)
        np.clip(hi, -1, n_ticks - 1, out=hi)
        row = positions * (n_ticks + 1)
        flat = self.first.ravel()
        return flat[row + lo.astype(np.intp)], flat[row + hi.astype(np.intp) + 1]


def _build_index(times: np.ndarray, offsets: np.ndarray) -> TickIndex:
    n_units = len(offsets) - 1
    lowest = float(times.min()) if len(times) else 0.0
    t0 = np.floor(lowest) - 1.0
    duration = (float(times.max()) if len(times) else lowest) - t0 + 2.0
    mean_rate = len(times) / max(n_units, 1) / duration
    ticks_per_s = float(np.clip(2.0 ** np.ceil(np.log2(max(mean_rate, 1e-9))), 2.0, 64.0))
    n_ticks = int(np.ceil(duration * ticks_per_s)) + 1
    dtype = np.int32 if len(times) < 2**31 else np.int64
    first = np.empty((n_units, n_ticks + 1), dtype=dtype)
    per_step = max(1, _BUILD_STEP // (n_ticks + 1))
    for u0 in range(0, n_units, per_step):  # a few steps; each covers many units
        u1 = min(u0 + per_step, n_units)
        spikes = times[offsets[u0] : offsets[u1]]
        tick = np.floor((spikes - t0) * ticks_per_s).astype(np.intp)
        tick += np.repeat(np.arange(u1 - u0) * (n_ticks + 1), np.diff(offsets[u0 : u1 + 1]))
        counts = np.bincount(tick + 1, minlength=(u1 - u0) * (n_ticks + 1))
        first[u0:u1] = (np.cumsum(counts) + offsets[u0]).reshape(u1 - u0, n_ticks + 1)
    return TickIndex(first=first, t0=t0, ticks_per_s=ticks_per_s)


class SpikeTrains:
    """Sorted spike times of many units, concatenated in unit order.

    Build with :meth:`from_arrays` (one array per unit), :meth:`from_mapping` (AllenSDK's
    ``session.spike_times`` dict, or any mapping unit id -> times) or the constructor (already
    concatenated: ``times`` and cumulative ``offsets`` with a leading 0).
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
        self.times = times
        self.offsets = offsets
        self._index: TickIndex | None = None
        self._lock = threading.Lock()

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
        return f"SpikeTrains({len(self):,} units, {len(self.times):,} spikes)"

    @property
    def n_spikes(self) -> int:
        return len(self.times)

    def unit(self, position: int) -> np.ndarray:
        """The spike times of the unit at ``position`` (a view)."""
        return self.times[self.offsets[position] : self.offsets[position + 1]]

    def positions(self, unit_ids: Iterable[int]) -> np.ndarray:
        """Positions of ``unit_ids`` in these trains (KeyError naming any missing id)."""
        wanted = np.asarray(list(unit_ids), dtype=np.int64)
        found = pd.Index(self.unit_ids).get_indexer(wanted)
        if (found < 0).any():
            raise KeyError(f"unit(s) not in these spike trains: {wanted[found < 0][:5].tolist()}")
        return found

    def subset(self, unit_ids: Iterable[int]) -> SpikeTrains:
        """The trains of ``unit_ids`` (in that order), copied."""
        pos = self.positions(unit_ids)
        starts, stops = self.offsets[pos], self.offsets[pos + 1]
        counts = stops - starts
        offsets = np.concatenate([[0], np.cumsum(counts)])
        take = np.repeat(starts - offsets[:-1], counts) + np.arange(offsets[-1])
        return SpikeTrains(self.unit_ids[pos], self.times[take], offsets)

    @property
    def index(self) -> TickIndex:
        """The tick table, built on first use (one pass over every spike) and kept."""
        with self._lock:
            if self._index is None:
                self._index = _build_index(self.times, self.offsets)
            return self._index


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
    """The spike trains of a session's units, read in bulk when first asked for and kept, so
    that a changing unit selection reads only the units it adds."""

    def __init__(self, mapping: Mapping) -> None:
        self._mapping = mapping
        self._loaded = SpikeTrains([], np.empty(0), np.zeros(1, dtype=np.int64))

    def get(self, unit_ids: Sequence[int]) -> SpikeTrains:
        ids = [int(u) for u in unit_ids]
        have = set(self._loaded.unit_ids.tolist())
        missing = [u for u in ids if u not in have]
        if missing:
            new = SpikeTrains.from_mapping(self._mapping, missing)
            old = self._loaded
            self._loaded = SpikeTrains(
                np.concatenate([old.unit_ids, new.unit_ids]),
                np.concatenate([old.times, new.times]),
                np.concatenate([old.offsets, new.offsets[1:] + old.offsets[-1]]),
            )
        if ids == self._loaded.unit_ids.tolist():
            return self._loaded
        return self._loaded.subset(ids)
