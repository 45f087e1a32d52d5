"""Units: the table without its ragged columns, AllenSDK's ``get_units`` filters, and lazy
per-unit mappings (``spike_times``, ``spike_amplitudes``, ``mean_waveforms``).

AllenSDK 2.16 builds one ``Unit`` per row from *every* column of ``/units``, spike times
included, once per probe, then drops the ragged columns again. Here the scalar columns are read
once (a few kB each) and a ragged column is read per unit on access, or for many units at once
with :meth:`RaggedColumn.read_many`.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator, Mapping

import h5py
import numpy as np
import pandas as pd

from .errors import UnknownUnitError
from .nwbfile import NWBFile
from .tables import ragged_offsets, read_column

RAGGED = ("spike_times", "spike_amplitudes", "waveform_mean")
# Two requested ranges closer than this (in elements) are read as one: 8 Ki float64 = 64 KiB,
# small next to a unit's ~0.5 MB of spike times, so a streamed read fetches few unwanted bytes.
MERGE_GAP = 1 << 13
# When the wanted elements fill at least this share of the range covering them, read it whole.
DENSE = 0.5


def scalar_unit_columns(nwb: NWBFile, group: h5py.Group) -> list[str]:
    """The units columns AllenSDK returns from ``get_units``: every 1-D, non-ragged, non-reference
    column, in ``dir()`` order (sorted, upper case first), as ``DataObject.to_dict`` lists them."""
    names = []
    with nwb.reading(group.name):
        for name, obj in group.items():
            is_index = name.endswith("_index") and name[: -len("_index")] in group
            if name == "id" or is_index or f"{name}_index" in group:
                continue
            if name in RAGGED or not isinstance(obj, h5py.Dataset) or obj.ndim != 1:
                continue
            if h5py.check_ref_dtype(obj.dtype) is not None:
                continue
            names.append(name)
    return sorted(names)


def read_units_table(nwb: NWBFile, order: np.ndarray) -> pd.DataFrame:
    """Scalar unit columns, rows in ``order`` (positions into ``/units``), index ``id``."""
    group = nwb.require("units")
    ids = nwb.read(group["id"]).astype(np.int64, copy=False)
    data = {}
    for name in scalar_unit_columns(nwb, group):
        with nwb.reading(f"units/{name}"):
            values = read_column(nwb, group, name)
        values = np.asarray(values)[order]
        if values.dtype.kind in "iu":
            values = values.astype(np.int64)
        elif values.dtype.kind == "f":
            values = values.astype(np.float64)
        data[name] = values
    return pd.DataFrame(data, index=pd.Index(ids[order], name="id"))


def filter_units(
    units: pd.DataFrame,
    channels: pd.DataFrame,
    *,
    filter_by_validity: bool,
    filter_out_of_brain_units: bool,
    amplitude_cutoff_maximum: float | None,
    presence_ratio_minimum: float | None,
    isi_violations_maximum: float | None,
) -> pd.DataFrame:
    """AllenSDK 2.16's ``Probes.get_units_table`` rules, exactly.

    A threshold of ``None`` or 0 is off (``x or inf``); a unit whose amplitude_cutoff,
    presence_ratio or isi_violations is NaN is always dropped (NaN fails every comparison).
    ``filter_by_validity`` keeps units on valid channels with quality "good" and drops the
    ``quality`` column; ``filter_out_of_brain_units`` keeps units whose peak channel has a
    structure acronym. ``channels`` is ``get_channels(filter_by_validity=False)``.
    """
    if filter_by_validity or filter_out_of_brain_units:
        keep = channels
        if filter_by_validity:
            keep = keep[keep["valid_data"].astype(bool)]
        if filter_out_of_brain_units:
            keep = keep[~keep["structure_acronym"].isna()]
        units = units[units["peak_channel_id"].isin(keep.index)]
    if filter_by_validity:
        units = units[units["quality"] == "good"].drop(columns=["quality"])
    units = units[units["amplitude_cutoff"] <= (amplitude_cutoff_maximum or np.inf)]
    units = units[units["presence_ratio"] >= (presence_ratio_minimum or -np.inf)]
    return units[units["isi_violations"] <= (isi_violations_maximum or np.inf)]


def merge_ranges(
    starts: np.ndarray, stops: np.ndarray, *, gap: int = MERGE_GAP, dense: float = DENSE
) -> list[tuple[int, int]]:
    """Few contiguous ``[start, stop)`` reads that cover every requested range.

    Ranges are sorted by start; two whose gap is at most ``gap`` elements merge. If the wanted
    elements fill at least ``dense`` of the covering range, that one range is returned.
    """
    if len(starts) == 0:
        return []
    order = np.argsort(starts, kind="stable")
    starts, stops = starts[order], stops[order]
    lo, hi = int(starts[0]), int(stops.max())
    wanted = int(np.sum(stops - starts))
    if hi > lo and wanted / (hi - lo) >= dense:
        return [(lo, hi)]
    runs: list[tuple[int, int]] = []
    run_start, run_stop = int(starts[0]), int(stops[0])
    for a, b in zip(starts[1:].tolist(), stops[1:].tolist(), strict=True):
        if a - run_stop <= gap:
            run_stop = max(run_stop, b)
        else:
            runs.append((run_start, run_stop))
            run_start, run_stop = a, b
    runs.append((run_start, run_stop))
    return runs


class RaggedColumn(Mapping[int, np.ndarray]):
    """``{unit_id: values}`` for one ragged column of ``/units``, read on access and kept.

    Iterates over the session's units in AllenSDK's order. ``read_many(unit_ids)`` reads many
    units with few contiguous reads and returns a dict (arrays are views into those reads).
    """

    def __init__(self, nwb: NWBFile, name: str, unit_ids: np.ndarray, rows: np.ndarray):
        self._nwb = nwb
        self.name = name
        self._ids = unit_ids  # AllenSDK order
        self._row_of = dict(zip(unit_ids.tolist(), rows.tolist(), strict=True))
        self._offsets: np.ndarray | None = None
        self._cache: dict[int, np.ndarray] = {}
        self._lock = threading.Lock()

    def _dataset(self) -> h5py.Dataset:
        return self._nwb.require(f"units/{self.name}")

    def offsets(self) -> np.ndarray:
        """``[0, end_0, end_1, ...]`` per ``/units`` row (read once, ~17 kB for 2,000 units)."""
        if self._offsets is None:
            group = self._nwb.require("units")
            found = ragged_offsets(self._nwb, group, self.name)
            if found is None:
                raise KeyError(f"{self._nwb.name}: units/{self.name}_index is missing")
            self._offsets = found
        return self._offsets

    def _row(self, unit_id: object) -> int:
        try:
            return self._row_of[int(unit_id)]  # type: ignore[call-overload]
        except (KeyError, TypeError, ValueError):
            raise UnknownUnitError(
                f"unit {unit_id!r} is not in {self._nwb.name} ({len(self._ids)} units; "
                f"e.g. {self._ids[:3].tolist()})"
            ) from None

    def __getitem__(self, unit_id: object) -> np.ndarray:
        row = self._row(unit_id)
        key = int(unit_id)  # type: ignore[call-overload]
        with self._lock:
            if key not in self._cache:
                offsets = self.offsets()
                self._cache[key] = self._nwb.read(
                    self._dataset(), slice(int(offsets[row]), int(offsets[row + 1]))
                )
            return self._cache[key]

    def read_many(self, unit_ids: Iterable[object]) -> dict[int, np.ndarray]:
        """``{unit_id: values}`` for ``unit_ids`` in that order, in few contiguous reads.

        Nothing is kept in the mapping (a call for 2,000 units holds ~1 GB only as long as the
        caller does). Unknown ids raise ``UnknownUnitError`` before anything is read.
        """
        wanted = list(unit_ids)
        rows = np.array([self._row(u) for u in wanted], dtype=np.int64)
        ids = [int(u) for u in wanted]  # type: ignore[call-overload]
        offsets = self.offsets()
        starts, stops = offsets[rows], offsets[rows + 1]
        dataset = self._dataset()
        runs = merge_ranges(starts, stops)
        self._prefetch(dataset, runs)
        found: dict[int, np.ndarray] = {}
        for lo, hi in runs:
            block = self._nwb.read(dataset, slice(lo, hi))
            inside = np.flatnonzero((starts >= lo) & (stops <= hi))
            for i in inside.tolist():
                found[ids[i]] = block[int(starts[i]) - lo : int(stops[i]) - lo]
        return {u: found[u] for u in ids}

    def _prefetch(self, dataset: h5py.Dataset, runs: list[tuple[int, int]]) -> None:
        """On a streamed file, fetch every run's bytes at once (in parallel) before reading."""
        prefetch = getattr(self._nwb.fileobj, "prefetch", None)
        if prefetch is None or len(runs) < 2:
            return
        with self._nwb.reading(dataset.name):
            offset = dataset.id.get_offset()  # None unless contiguous and allocated
            if offset is None or dataset.compression is not None:
                return
            row = dataset.dtype.itemsize * int(np.prod(dataset.shape[1:], dtype=np.int64))
        prefetch([(offset + lo * row, offset + hi * row) for lo, hi in runs])

    def __iter__(self) -> Iterator[int]:
        return iter(self._ids.tolist())

    def __len__(self) -> int:
        return len(self._ids)

    def __contains__(self, unit_id: object) -> bool:
        try:
            return int(unit_id) in self._row_of  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return False

    def __repr__(self) -> str:
        return (
            f"<{self.name} of {len(self)} units in {self._nwb.name}: read on access, "
            f"{len(self._cache)} read so far>"
        )
