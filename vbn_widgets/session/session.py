"""``BehaviorSession`` and ``BehaviorEcephysSession``: AllenSDK's session API, read lazily.

Opening reads the file's superblock and root attributes only. Each property reads what it needs
on first use and keeps it; spike times, amplitudes and waveforms are read per unit on access.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd

from . import behavior, stimulus
from .errors import NoLFPError, SessionFileError
from .lfp import LFP, open_lfp
from .nwbfile import NWBFile
from .probes import ProbeInfo, probes_frame, read_channels, read_probes, unit_order
from .units import RaggedColumn, filter_units, read_units_table

LfpOpener = Callable[[ProbeInfo], NWBFile]


class BehaviorSession:
    """A VBN behavior session file (``behavior_session_<id>.nwb``), AllenSDK's names and meanings.

    Open one with ``BehaviorSession.from_nwb_path(path)`` or ``cache.get_behavior_session(id)``.
    """

    _add_is_change = True  # AllenSDK recomputes is_change for behavior-only files

    def __init__(self, nwb: NWBFile) -> None:
        self._nwb = nwb
        self._lock = threading.RLock()

    @classmethod
    def from_nwb_path(cls, nwb_path: str | os.PathLike[str], **kwargs: Any):
        """Open the NWB file at ``nwb_path`` (any VBN session file, also one AllenSDK wrote)."""
        return cls(NWBFile(Path(nwb_path)), **kwargs)

    @classmethod
    def from_file_object(cls, fileobj: IO[bytes], name: str, **kwargs: Any):
        """Open a seekable binary file object (e.g. a byte-range stream); ``name`` for errors."""
        return cls(NWBFile(fileobj, name=name), **kwargs)

    @property
    def nwb_name(self) -> str:
        return self._nwb.name

    @property
    def fetch_stats(self):
        """For a streamed file, what was fetched so far (``bytes_fetched``, ``requests``,
        ``blocks_from_disk``, ``retries``); None for a file on disk."""
        return self._nwb.fetch_stats

    def close(self) -> None:
        self._nwb.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self._nwb.name}>"

    # metadata
    @cached_property
    def metadata(self) -> dict:
        return behavior.read_metadata(self._nwb)

    @property
    def behavior_session_id(self) -> int | None:
        return self.metadata["behavior_session_id"]

    @cached_property
    def task_parameters(self) -> dict:
        return behavior.read_task_parameters(self._nwb)

    # behavior
    @cached_property
    def trials(self) -> pd.DataFrame:
        return behavior.read_trials(self._nwb)

    @cached_property
    def licks(self) -> pd.DataFrame:
        return behavior.read_licks(self._nwb)

    @cached_property
    def rewards(self) -> pd.DataFrame:
        return behavior.read_rewards(self._nwb)

    @cached_property
    def running_speed(self) -> pd.DataFrame:
        return behavior.read_running_speed(self._nwb)

    @cached_property
    def raw_running_speed(self) -> pd.DataFrame:
        return behavior.read_running_speed(self._nwb, filtered=False)

    @cached_property
    def eye_tracking(self) -> pd.DataFrame:
        return behavior.read_eye_tracking(self._nwb)

    # stimulus
    @cached_property
    def stimulus_presentations(self) -> pd.DataFrame:
        return stimulus.read_presentations(self._nwb, add_is_change=self._add_is_change)

    @cached_property
    def stimulus_templates(self) -> pd.DataFrame | None:
        return stimulus.read_templates(self._nwb)

    @cached_property
    def stimulus_timestamps(self) -> np.ndarray:
        path = "processing/stimulus/timestamps/timestamps"
        return self._nwb.read(self._nwb.require(path))


class BehaviorEcephysSession(BehaviorSession):
    """A VBN ecephys session file (``ecephys_session_<id>.nwb``): behavior plus units, spikes,
    channels, probes, optotagging and (from the probe files) LFP."""

    _add_is_change = False  # AllenSDK keeps the file's is_change for ecephys sessions

    def __init__(
        self,
        nwb: NWBFile,
        *,
        lfp_opener: LfpOpener | None = None,
        lfp_available: dict[int, bool] | None = None,
    ) -> None:
        super().__init__(nwb)
        if nwb.get("units") is None:
            nwb.close()
            raise SessionFileError(
                f"{nwb.name} has no /units: not an ecephys session file "
                "(open behavior-only files with BehaviorSession)"
            )
        self._lfp_opener = lfp_opener or self._sibling_lfp
        self._lfp_available = lfp_available
        self._lfp: dict[int, LFP] = {}

    @property
    def ecephys_session_id(self) -> int:
        return int(self._nwb.scalar("identifier"))

    @cached_property
    def metadata(self) -> dict:
        return {**behavior.read_metadata(self._nwb), "ecephys_session_id": self.ecephys_session_id}

    # probes and channels
    @cached_property
    def _probes(self) -> list[ProbeInfo]:
        return read_probes(self._nwb)

    @property
    def probes(self) -> pd.DataFrame:
        """Index ``id``; name, location, sampling_rate, lfp_sampling_rate, has_lfp_data."""
        frame = probes_frame(self._probes)
        if self._lfp_available is not None:  # what the release has, as AllenSDK's cache says
            frame["has_lfp_data"] = [self._lfp_available.get(i, False) for i in frame.index]
            frame.loc[~frame["has_lfp_data"], "lfp_sampling_rate"] = None
        return frame

    @cached_property
    def _all_channels(self) -> pd.DataFrame:
        return read_channels(self._nwb, self._probes)

    def get_channels(self, filter_by_validity: bool = True) -> pd.DataFrame:
        channels = self._all_channels
        if filter_by_validity:
            channels = channels[channels["valid_data"]].drop(columns=["valid_data"])
        return channels.copy()

    # units
    @cached_property
    def _unit_rows(self) -> np.ndarray:
        peak = self._nwb.read(self._nwb.require("units/peak_channel_id"))
        return unit_order(peak, self._all_channels, self._probes)

    @cached_property
    def _units_table(self) -> pd.DataFrame:
        return read_units_table(self._nwb, self._unit_rows)

    def get_units(
        self,
        filter_by_validity: bool = False,
        filter_out_of_brain_units: bool = False,
        amplitude_cutoff_maximum: float | None = None,
        presence_ratio_minimum: float | None = None,
        isi_violations_maximum: float | None = None,
    ) -> pd.DataFrame:
        """All units of the session by default, AllenSDK's arguments, defaults and NaN rule
        (a unit with NaN amplitude_cutoff, presence_ratio or isi_violations is always dropped;
        a threshold of None or 0 is off). Accepts ``QualityFilter.to_allensdk_kwargs()``."""
        return filter_units(
            self._units_table,
            self._all_channels,
            filter_by_validity=filter_by_validity,
            filter_out_of_brain_units=filter_out_of_brain_units,
            amplitude_cutoff_maximum=amplitude_cutoff_maximum,
            presence_ratio_minimum=presence_ratio_minimum,
            isi_violations_maximum=isi_violations_maximum,
        ).copy()

    @property
    def units(self) -> pd.DataFrame:
        """``get_units()`` with AllenSDK's defaults."""
        return self.get_units()

    def _ragged(self, name: str) -> RaggedColumn:
        ids = self._nwb.read(self._nwb.require("units/id")).astype(np.int64)
        rows = self._unit_rows
        return RaggedColumn(self._nwb, name, ids[rows], rows)

    @cached_property
    def spike_times(self) -> RaggedColumn:
        """``{unit_id: spike times (s)}``, read per unit on access; ``.read_many(ids)`` for many."""
        return self._ragged("spike_times")

    @cached_property
    def spike_amplitudes(self) -> RaggedColumn:
        return self._ragged("spike_amplitudes")

    @cached_property
    def mean_waveforms(self) -> RaggedColumn:
        return self._ragged("waveform_mean")

    @cached_property
    def optotagging_table(self) -> pd.DataFrame:
        return stimulus.read_optotagging(self._nwb)

    # LFP
    def _sibling_lfp(self, probe: ProbeInfo) -> NWBFile:
        if self._nwb.path is None:
            raise NoLFPError(f"no LFP file is known for probe {probe.id} of {self._nwb.name}")
        path = self._nwb.path.parent / f"probe_{probe.name}_lfp.nwb"
        if not path.is_file():
            raise NoLFPError(
                f"probe {probe.id} ({probe.name}) of {self._nwb.name}: its LFP file {path} "
                "is not there; open the session through a cache to fetch it"
            )
        return NWBFile(path)

    def get_lfp(self, probe_id: int) -> LFP:
        """The probe's LFP, lazily sliced; its file is opened (or fetched) only now."""
        probes = {p.id: p for p in self._probes}
        probe = probes.get(int(probe_id))
        if probe is None:
            raise NoLFPError(
                f"probe {probe_id!r} is not in {self._nwb.name}; its probes are {sorted(probes)}"
            )
        has_lfp = (
            self._lfp_available.get(probe.id, False)
            if self._lfp_available is not None
            else probe.has_lfp_data
        )
        if not has_lfp:
            raise NoLFPError(
                f"probe {probe.id} ({probe.name}) of {self._nwb.name} has no LFP data "
                "(has_lfp_data is False)"
            )
        with self._lock:
            if probe.id not in self._lfp:
                self._lfp[probe.id] = open_lfp(
                    self._lfp_opener(probe), probe.id, probe.lfp_sampling_rate
                )
            return self._lfp[probe.id]

    def close(self) -> None:
        for lfp in self._lfp.values():
            lfp.close()
        super().close()
