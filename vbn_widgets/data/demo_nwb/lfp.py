"""A probe's LFP file, as AllenSDK's ``Probe.add_lfp_to_nwb`` writes it.

``/acquisition/probe_<id>_lfp/probe_<id>_lfp_data`` (ElectricalSeries: float32 volts, time x 96
channels, every 4th channel of the probe, float64 timestamps at the probe's ~1,250 Hz LFP rate),
the probe's device, electrode group and those 96 electrodes, the session's subject and metadata,
and ``/processing/current_source_density/ecephys_csd`` (EcephysCSD: a flash-triggered CSD on 384
virtual channels). The real files span the whole session (~4.7 GB); the demo's span
``seconds`` from the start of the full-field flash block, so the flash responses are in them.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from .ecephys import LFP_SUBSAMPLING, add_probes
from .extensions import extension_class
from .nwbparts import SessionMeta, add_metadata, new_file, write

LFP_CHANNEL_STEP = 4
CSD_WINDOW = (-0.1, 0.25)


def _lfp_signal(
    n: int, channels: pd.DataFrame, flashes: np.ndarray, times: np.ndarray, rng: np.random.Generator
) -> np.ndarray:
    """Correlated 1/f-like noise (~50 uV) plus a cortical flash response; volts, float32."""
    c = len(channels)
    white = rng.standard_normal((n, c)).astype(np.float32)
    spectrum = np.fft.rfft(white, axis=0)
    freq = np.fft.rfftfreq(n, d=1 / 1250.0)
    spectrum /= np.sqrt(np.maximum(freq, 1.0))[:, None]
    signal = np.fft.irfft(spectrum, n=n, axis=0)
    kernel = np.array([0.25, 0.5, 0.25], dtype=np.float32)  # neighbours share signal
    signal = (
        signal[:, :] * kernel[1]
        + np.roll(signal, 1, axis=1) * kernel[0]
        + np.roll(signal, -1, axis=1) * kernel[2]
    )
    signal *= 50e-6 / max(float(signal.std()), 1e-12)
    cortex = channels["structure_acronym"].astype(str).str.startswith("VIS").to_numpy()
    evoked = np.zeros(n, dtype=np.float32)
    for onset in flashes:
        lag = times - onset - 0.045
        inside = (lag > 0) & (lag < 0.3)
        evoked[inside] += -120e-6 * np.exp(-lag[inside] / 0.04) * (lag[inside] / 0.02)
    signal[:, cortex] += evoked[:, None]
    return signal.astype(np.float32)


def _csd(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    times = np.arange(CSD_WINDOW[0], CSD_WINDOW[1], 1 / 1250.0)
    depth = np.arange(384) * 10.0
    lag = np.clip(times - 0.05, 0, None)
    temporal = lag / 0.02 * np.exp(1 - lag / 0.02)
    sink = np.exp(-0.5 * ((depth - 3000) / 80) ** 2) - 0.6 * np.exp(
        -0.5 * ((depth - 3250) / 120) ** 2
    )
    data = temporal[:, None] * sink[None, :] * 2e3 + rng.normal(0, 20.0, (len(times), 384))
    return data, times, depth


def write_probe_lfp(
    path: Path,
    meta: SessionMeta,
    *,
    probe: pd.Series,
    channels: pd.DataFrame,
    start: float,
    seconds: float,
    flashes: np.ndarray,
    rng: np.random.Generator,
) -> int:
    """Write one probe's LFP file; returns the number of LFP samples."""
    from pynwb import TimeSeries
    from pynwb.ecephys import LFP, ElectricalSeries

    probe_id = int(probe["ecephys_probe_id"])
    nwbfile = new_file(
        meta,
        identifier=str(probe_id),
        session_id=str(meta.ecephys_session_id),
        description="LFP data and associated info for one probe",
    )
    add_metadata(nwbfile, meta)
    lfp_channels = channels[channels["probe_channel_number"] % LFP_CHANNEL_STEP == 0]
    add_probes(nwbfile, probe.to_frame().T.infer_objects(), lfp_channels)
    rate = float(probe["lfp_sampling_rate"]) / LFP_SUBSAMPLING
    times = start + np.arange(int(seconds * rate)) / rate
    data = _lfp_signal(len(times), lfp_channels, flashes, times, rng)
    region = nwbfile.create_electrode_table_region(
        region=list(range(len(lfp_channels))),
        name="electrodes",
        description=f"lfp channels on probe {probe_id}",
    )
    lfp = LFP(name=f"probe_{probe_id}_lfp")
    nwbfile.add_acquisition(lfp)
    lfp.add_electrical_series(
        ElectricalSeries(
            name=f"probe_{probe_id}_lfp_data",
            data=data,
            timestamps=times,
            electrodes=region,
        )
    )
    csd, csd_times, depth = _csd(rng)
    module = nwbfile.create_processing_module(
        "current_source_density", "Precalculated current source density"
    )
    module.add(
        extension_class("EcephysCSD")(
            name="ecephys_csd",
            time_series=TimeSeries(
                name="current_source_density", data=csd, timestamps=csd_times, unit="V/cm^2"
            ),
            virtual_electrode_x_positions=np.full(384, 27.0, dtype=np.float32),
            virtual_electrode_x_positions__unit="um",
            virtual_electrode_y_positions=depth.astype(np.float32),
            virtual_electrode_y_positions__unit="um",
        )
    )
    write(nwbfile, path, meta)
    return len(times)
