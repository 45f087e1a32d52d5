"""A probe's LFP, sliced lazily from its own NWB file (~4.7 GB each in the real release).

AllenSDK's ``get_lfp`` reads the whole (T x C) array into an xarray. ``LFP`` here holds the open
file and reads only what is indexed: ``lfp.data[t0:t1]``, ``lfp.sel(start, stop)``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .errors import NoLFPError
from .nwbfile import NWBFile


@dataclass
class LFP:
    """``data`` (time x channel, volts, an h5py dataset: index it to read), ``timestamps`` (s,
    read on first use), ``channels`` (channel ids), ``sampling_rate`` (Hz)."""

    probe_id: int
    data: object
    channels: np.ndarray
    sampling_rate: float | None
    _file: NWBFile
    _timestamps: object

    @property
    def timestamps(self) -> np.ndarray:
        if not isinstance(self._timestamps, np.ndarray):
            self._timestamps = self._file.read(self._timestamps)
        return self._timestamps

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.data.shape)  # type: ignore[attr-defined]

    def sel(self, start: float, stop: float) -> tuple[np.ndarray, np.ndarray]:
        """(timestamps, data) for ``start <= t < stop`` seconds: one contiguous read."""
        times = self.timestamps
        lo, hi = np.searchsorted(times, [start, stop])
        return times[lo:hi], self._file.read(self.data, slice(int(lo), int(hi)))  # type: ignore[arg-type]

    def to_xarray(self, start: float | None = None, stop: float | None = None):
        """The window as AllenSDK's ``DataArray`` (name "LFP", time x channel); needs xarray."""
        import xarray as xr

        times = self.timestamps
        start = times[0] if start is None else start
        stop = np.inf if stop is None else stop
        t, values = self.sel(start, stop)
        return xr.DataArray(
            name="LFP", data=values, dims=["time", "channel"], coords=[t, self.channels]
        )

    def close(self) -> None:
        self._file.close()

    def __repr__(self) -> str:
        return (
            f"<LFP of probe {self.probe_id}: {self.shape} at {self.sampling_rate} Hz, "
            f"{len(self.channels)} channels, from {self._file.name}; index .data to read>"
        )


def open_lfp(nwb: NWBFile, probe_id: int, sampling_rate: float | None) -> LFP:
    candidates = (
        f"acquisition/probe_{probe_id}_lfp/probe_{probe_id}_lfp_data",
        f"acquisition/probe_{probe_id}_lfp_data",
    )
    series = next((p for p in candidates if nwb.get(p) is not None), None)
    if series is None:
        raise NoLFPError(f"{nwb.name} has no LFP series for probe {probe_id} ({candidates[0]})")
    ids = nwb.read(nwb.require("general/extracellular_ephys/electrodes/id"))
    return LFP(
        probe_id=probe_id,
        data=nwb.require(f"{series}/data"),
        channels=ids.astype(np.int64),
        sampling_rate=sampling_rate,
        _file=nwb,
        _timestamps=nwb.require(f"{series}/timestamps"),
    )
