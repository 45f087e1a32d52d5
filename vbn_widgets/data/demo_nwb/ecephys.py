"""The ecephys parts of a session file, as AllenSDK's ``BehaviorEcephysSession.to_nwb`` writes them.

``/general/devices/probeX`` (EcephysProbe), ``/general/extracellular_ephys/probeX``
(EcephysElectrodeGroup), ``/general/extracellular_ephys/electrodes`` (every channel, id =
ecephys_channel_id), ``/units`` (every unit, id = unit_id, 25 scalar columns in alphabetical order,
then ragged ``spike_times``, ``spike_amplitudes`` and ``waveform_mean``) and
``/processing/optotagging`` (``optotagging`` TimeSeries, ``optogenetic_stimulation`` TimeIntervals).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .extensions import extension_class
from .nwbparts import column, tags_and_references, text, time_intervals
from .spikes import Spikes

UNIT_SCALARS = (
    "PT_ratio",
    "amplitude",
    "amplitude_cutoff",
    "cluster_id",
    "cumulative_drift",
    "d_prime",
    "firing_rate",
    "isi_violations",
    "isolation_distance",
    "l_ratio",
    "local_index",
    "max_drift",
    "nn_hit_rate",
    "nn_miss_rate",
    "peak_channel_id",
    "presence_ratio",
    "quality",
    "recovery_slope",
    "repolarization_slope",
    "silhouette_score",
    "snr",
    "spread",
    "velocity_above",
    "velocity_below",
    "waveform_duration",
)
FILTERING = "AP band: 500 Hz high-pass; LFP band: 1000 Hz low-pass"
LFP_SUBSAMPLING = 2  # the probes table's lfp_sampling_rate (~2,500 Hz) over the files' ~1,250 Hz


def add_probes(nwbfile, probes: pd.DataFrame, channels: pd.DataFrame, lfp: bool = True) -> dict:
    """Devices, electrode groups and the electrodes table; returns name -> electrode group."""
    from hdmf.common import DynamicTable, ElementIdentifiers

    groups = {}
    for row in probes.itertuples(index=False):
        device = extension_class("EcephysProbe")(
            name=row.name,
            description="Neuropixels 1.0 Probe",
            manufacturer="imec",
            probe_id=int(row.ecephys_probe_id),
            sampling_rate=float(row.sampling_rate),
        )
        nwbfile.add_device(device)
        has_lfp = bool(row.has_lfp_data) and lfp
        group = extension_class("EcephysElectrodeGroup")(
            name=row.name,
            description="Ecephys Electrode Group",
            location="See electrode locations",
            device=device,
            probe_id=int(row.ecephys_probe_id),
            has_lfp_data=has_lfp,
            lfp_sampling_rate=float(row.lfp_sampling_rate) / LFP_SUBSAMPLING if has_lfp else np.nan,
        )
        nwbfile.add_electrode_group(group)
        groups[row.name] = group
    name_of = dict(zip(probes["ecephys_probe_id"], probes["name"], strict=True))
    group_names = channels["ecephys_probe_id"].map(name_of)
    columns = [
        *column(
            "location",
            text(channels["structure_acronym"].fillna("None")),
            "the location of channel within the subject e.g. brain region",
        ),
        *column(
            "group",
            [groups[g] for g in group_names],
            "a reference to the ElectrodeGroup this electrode is a part of",
        ),
        *column(
            "group_name",
            text(group_names),
            "the name of the ElectrodeGroup this electrode is a part of",
        ),
        *column(
            "probe_vertical_position",
            channels["probe_vertical_position"].to_numpy(),
            "Length-wise position of electrode/channel on device (microns)",
        ),
        *column(
            "probe_horizontal_position",
            channels["probe_horizontal_position"].to_numpy(),
            "Width-wise position of electrode/channel on device (microns)",
        ),
        *column(
            "probe_id",
            channels["ecephys_probe_id"].to_numpy(),
            "The unique id of this electrode's/channel's device",
        ),
        *column(
            "probe_channel_number",
            channels["probe_channel_number"].to_numpy(),
            "The local index of electrode/channel on device",
        ),
        *column(
            "valid_data",
            channels["valid_data"].to_numpy(bool),
            "Whether data from this electrode/channel is usable",
        ),
        *column(
            "x",
            channels["anterior_posterior_ccf_coordinate"].to_numpy(np.float64),
            "the x coordinate of the channel location",
        ),
        *column(
            "y",
            channels["dorsal_ventral_ccf_coordinate"].to_numpy(np.float64),
            "the y coordinate of the channel location",
        ),
        *column(
            "z",
            channels["left_right_ccf_coordinate"].to_numpy(np.float64),
            "the z coordinate of the channel location",
        ),
        *column("imp", np.full(len(channels), np.nan), "the impedance of the channel"),
        *column("filtering", [FILTERING] * len(channels), "description of hardware filtering"),
    ]
    ids = ElementIdentifiers(name="id", data=channels["ecephys_channel_id"].to_numpy())
    nwbfile.electrodes = DynamicTable(
        name="electrodes",
        description="metadata about extracellular electrodes",
        id=ids,
        columns=columns,
    )
    return groups


def unit_scalars(units: pd.DataFrame) -> pd.DataFrame:
    """The 25 scalar columns of ``/units`` from the release's units table."""
    frame = units.assign(
        peak_channel_id=units["ecephys_channel_id"],
        cluster_id=units["local_index"] + units["ecephys_channel_id"] % 7,
    )
    return frame[list(UNIT_SCALARS)]


def add_units(nwbfile, units: pd.DataFrame, spikes: Spikes, waveforms: np.ndarray) -> None:
    from hdmf.backends.hdf5 import H5DataIO
    from hdmf.common import ElementIdentifiers
    from pynwb.misc import Units

    scalars = unit_scalars(units)
    columns = []
    for key in UNIT_SCALARS:
        values = scalars[key]
        columns += column(key, text(values) if values.dtype == object else values.to_numpy(), key)
    columns += column(
        "spike_times",
        (spikes.times, spikes.ends),
        "times (s) of detected spiking events",
        index=True,
    )
    columns += column(
        "spike_amplitudes",
        (spikes.amplitudes, spikes.ends),
        "amplitude (s) of detected spiking events",
        index=True,
    )
    # The one departure from contiguous storage: gzip keeps the 384-channel mean waveforms (most
    # channels exactly 0) small; every HDF5 reader decodes it transparently.
    packed = H5DataIO(
        waveforms,
        compression="gzip",
        compression_opts=4,
        shuffle=True,
        chunks=(384 * 8, waveforms.shape[1]),
    )
    channels = waveforms.shape[0] // max(len(units), 1)
    ends = channels * np.arange(1, len(units) + 1)
    columns += column(
        "waveform_mean",
        (packed, ends),
        "mean waveforms on peak channels (over samples)",
        index=True,
    )
    ids = ElementIdentifiers(name="id", data=units["unit_id"].to_numpy())
    nwbfile.units = Units(
        name="units", description="Autogenerated by NWBFile", id=ids, columns=columns
    )


def add_optotagging(nwbfile, table: pd.DataFrame) -> None:
    from pynwb import TimeSeries

    series = TimeSeries(
        name="optotagging",
        timestamps=table["start_time"].to_numpy(),
        data=table["duration"].to_numpy(),
        unit="seconds",
    )
    module = nwbfile.create_processing_module("optotagging", "optogenetic stimulution data")
    module.add(series)
    idx = np.searchsorted(series.timestamps, table["start_time"].to_numpy())
    count = np.concatenate([np.diff(idx), [len(table) - idx[-1]]])
    extra = tags_and_references(len(table), "optical_stimulation", idx, count, series)
    module.add(time_intervals("optogenetic_stimulation", "optogenetic stimulation", table, extra))
