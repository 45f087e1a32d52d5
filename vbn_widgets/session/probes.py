"""Probes and channels, with AllenSDK's columns, order and structure-acronym rules."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .nwbfile import NWBFile
from .tables import read_table

# AllenSDK's Channel does not read ``filtering`` from the file: it is this default everywhere.
FILTERING = "AP band: 500 Hz high-pass; LFP band: 1000 Hz low-pass"
CHANNEL_COLUMNS = (
    "anterior_posterior_ccf_coordinate", "dorsal_ventral_ccf_coordinate", "filtering",
    "left_right_ccf_coordinate", "probe_channel_number", "probe_horizontal_position", "probe_id",
    "probe_vertical_position", "structure_acronym", "valid_data",
)  # fmt: skip


@dataclass(frozen=True)
class ProbeInfo:
    id: int
    name: str
    location: str
    sampling_rate: float
    lfp_sampling_rate: float | None
    has_lfp_data: bool


def read_probes(nwb: NWBFile) -> list[ProbeInfo]:
    """One per electrode group, in the file's (name) order, as AllenSDK's ``Probes.from_nwb``."""
    ephys = nwb.require("general/extracellular_ephys")
    found = []
    with nwb.reading("general/extracellular_ephys"):
        names = [n for n in ephys if n != "electrodes" and hasattr(ephys[n], "keys")]
    for name in names:
        attrs = nwb.attrs(f"general/extracellular_ephys/{name}")
        device = nwb.attrs(f"general/devices/{name}")
        if "probe_id" not in attrs:
            continue  # not an EcephysElectrodeGroup
        has_lfp = bool(attrs.get("has_lfp_data", False))
        rate = attrs.get("lfp_sampling_rate")
        found.append(
            ProbeInfo(
                id=int(attrs["probe_id"]),
                name=name,
                location=str(attrs.get("location", "See electrode locations")),
                sampling_rate=float(device.get("sampling_rate", 30000.0)),
                lfp_sampling_rate=float(rate) if has_lfp and rate is not None else None,
                has_lfp_data=has_lfp,
            )
        )
    return found


def probes_frame(probes: list[ProbeInfo]) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "name": [p.name for p in probes],
            "location": [p.location for p in probes],
            "sampling_rate": [p.sampling_rate for p in probes],
            "lfp_sampling_rate": [p.lfp_sampling_rate for p in probes],
            "has_lfp_data": [p.has_lfp_data for p in probes],
        },
        index=pd.Index([p.id for p in probes], name="id", dtype=np.int64),
    )


def strip_acronym(value: object) -> object:
    """``DG-mo`` -> ``DG``; ``"None"``, ``""`` and missing -> None (AllenSDK's Channel)."""
    if not isinstance(value, str) or value in ("None", ""):
        return None
    return value.split("-")[0]


def read_channels(nwb: NWBFile, probes: list[ProbeInfo]) -> pd.DataFrame:
    """Every channel of every probe (``filter_by_validity=False``), probe by probe."""
    wanted = [
        "x", "y", "z", "location", "probe_channel_number", "probe_horizontal_position",
        "probe_id", "probe_vertical_position", "valid_data",
    ]  # fmt: skip
    table = read_table(nwb, "general/extracellular_ephys/electrodes", wanted)
    table.index = table.index.astype(np.int64)
    order = np.concatenate(
        [np.flatnonzero(table["probe_id"].to_numpy() == p.id) for p in probes] or [[]]
    ).astype(np.int64)
    table = table.iloc[order]
    frame = pd.DataFrame(
        {
            "anterior_posterior_ccf_coordinate": table["x"].astype(np.float64),
            "dorsal_ventral_ccf_coordinate": table["y"].astype(np.float64),
            "filtering": FILTERING,
            "left_right_ccf_coordinate": table["z"].astype(np.float64),
            "probe_channel_number": table["probe_channel_number"].astype(np.int64),
            "probe_horizontal_position": table["probe_horizontal_position"].astype(np.int64),
            "probe_id": table["probe_id"].astype(np.int64),
            "probe_vertical_position": table["probe_vertical_position"].astype(np.int64),
            "structure_acronym": pd.Series(
                [strip_acronym(v) for v in table["location"]], index=table.index, dtype=object
            ),
            "valid_data": table["valid_data"].astype(bool),
        },
        index=table.index,
    )
    frame.index.name = "id"
    return frame


def unit_order(peak_channel_id: np.ndarray, channels: pd.DataFrame, probes: list[ProbeInfo]):
    """Row positions of ``/units`` in AllenSDK's order: probe by probe (a unit belongs to the
    probe of its peak channel), file order within a probe. Units on no probe are left out."""
    probe_of_channel = channels["probe_id"]
    unit_probe = pd.Series(peak_channel_id).map(probe_of_channel).to_numpy()
    parts = [np.flatnonzero(unit_probe == p.id) for p in probes]
    return np.concatenate(parts).astype(np.int64) if parts else np.array([], dtype=np.int64)
