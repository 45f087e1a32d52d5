"""Synthetic units for the demo release: placement on channels, quality metrics, waveforms."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .demo_constants import (
    CHANNEL_COLUMNS,
    CHANNELS_PER_PROBE,
    STREAM_UNITS,
    STRUCTURE_IDS,
    UNIT_COLUMNS,
    stream,
)
from .demo_probes import Geometry


def _place_units(probes: pd.DataFrame, weight: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Global channel index of every unit, sorted (by probe, then channel)."""
    c = CHANNELS_PER_PROBE
    per_probe = weight.reshape(-1, c)
    cdf = np.cumsum(per_probe, axis=1) / per_probe.sum(axis=1, keepdims=True)
    cdf += np.arange(len(per_probe))[:, None]
    unit_probe = np.repeat(np.arange(len(probes)), probes["unit_count"].to_numpy())
    draw = unit_probe + rng.random(len(unit_probe)) * (1 - 1e-9)
    return np.sort(np.searchsorted(cdf.ravel(), draw, side="right"))


def _metrics(n: int, probe_of_unit: np.ndarray, rng: np.random.Generator) -> dict:
    """Quality metrics and waveform features (v0.5.0), plus the v0.4.0 amplitude columns."""
    normal = rng.standard_normal
    z = normal(n)  # how well isolated the unit is
    firing_rate = np.minimum(np.exp(np.log(4.0) + 1.05 * normal(n)), 180.0)
    amplitude = np.exp(np.log(105.0) + 0.45 * normal(n) + 0.2 * z)
    snr = amplitude / np.exp(np.log(40.0) + 0.2 * normal(n))
    cutoff = np.minimum(np.exp(np.log(0.11) + 1.45 * normal(n) - 1.1 * z), 0.5)
    isi = np.exp(np.log(0.12) + 1.5 * normal(n) - 0.45 * z + 0.35 * np.log(firing_rate / 4))
    isi[rng.random(n) < 0.195 + 0.05 * np.tanh(-np.log(firing_rate / 2))] = 0.0
    absence = np.exp(np.log(0.02) + 1.3 * normal(n) - 0.5 * z)
    presence = np.clip(np.floor((1 - absence) * 100) / 100, 0, 0.99)
    good = z + 0.55 * normal(n) + 0.35 * np.log(snr / 2.6) > -0.85

    iso_dist = np.exp(np.log(48.0) + 0.5 * normal(n) + 0.3 * z)
    l_ratio = np.exp(np.log(0.02) + 1.4 * normal(n) - 0.7 * z)
    d_prime = np.maximum(3.9 + 0.8 * z + 1.1 * normal(n), 0.05)
    hit = np.clip(1 - np.exp(np.log(0.1) + 1.0 * normal(n) - 0.6 * z), 0, 1)
    miss = np.clip(np.exp(np.log(0.008) + 1.3 * normal(n) - 0.5 * z), 0, 1)
    silhouette = np.clip(0.11 + 0.05 * z + 0.06 * normal(n), -1, 1)
    max_drift = np.exp(np.log(28.0) + 0.55 * normal(n))
    cumulative_drift = max_drift * np.exp(np.log(5.0) + 0.45 * normal(n))

    fast = rng.random(n) < 0.2  # fast-spiking, narrow waveforms
    step = 0.013735324  # ms per waveform sample after upsampling
    duration = np.where(fast, rng.normal(0.3, 0.06, n), rng.normal(0.72, 0.12, n))
    duration = np.maximum(np.rint(duration / step), 6) * step
    halfwidth = np.maximum(np.rint(np.where(fast, 0.13, 0.25) / step + 2 * normal(n)), 4) * step

    pc_nan = rng.random(n) < 0.025  # PC-based metrics fail together
    nan = {
        "pc": pc_nan,
        "silhouette": pc_nan | (rng.random(n) < 0.01),
        "drift": rng.random(n) < 0.02,
        "recovery": rng.random(n) < 0.03,
        "above": rng.random(n) < 0.06,
        "below": rng.random(n) < 0.08,
    }

    def masked(values, key, decimals=None):
        out = values if decimals is None else np.round(values, decimals)
        return np.where(nan[key], np.nan, out)

    # v0.4.0 amplitudes were computed with a per-probe gain error; v0.5.0 recomputed them.
    gain = rng.uniform(0.78, 0.88, probe_of_unit.max() + 1)[probe_of_unit]
    amplitude_v040 = amplitude * gain * np.exp(0.02 * normal(n))
    recomputed = (rng.random(n) < 0.12) & (cutoff < 0.5)
    cutoff_v040 = np.where(recomputed, np.minimum(cutoff * np.exp(0.6 * normal(n)), 0.5), cutoff)

    return {
        "amplitude_cutoff": cutoff,
        "cumulative_drift": masked(cumulative_drift, "drift", 2),
        "d_prime": masked(d_prime, "pc"),
        "firing_rate": firing_rate,
        "isi_violations": isi,
        "isolation_distance": masked(iso_dist, "pc"),
        "l_ratio": masked(l_ratio, "pc"),
        "max_drift": masked(max_drift, "drift", 2),
        "nn_hit_rate": masked(hit, "pc", 6),
        "nn_miss_rate": masked(miss, "pc"),
        "presence_ratio": presence,
        "silhouette_score": masked(silhouette, "silhouette"),
        "snr": snr,
        "quality": np.where(good, "good", "noise"),
        "amplitude": np.round(amplitude, 6),
        "waveform_duration": np.round(duration, 6),
        "waveform_halfwidth": np.round(halfwidth, 6),
        "PT_ratio": np.exp(np.log(0.45) + 0.3 * normal(n)),
        "recovery_slope": masked(-np.exp(np.log(0.07) + 0.5 * normal(n)), "recovery"),
        "repolarization_slope": np.exp(np.log(0.5) + 0.5 * normal(n)),
        "spread": (np.clip(np.rint(rng.gamma(6.0, 12.0, n) / 10), 2, 30) * 10).astype(float),
        "velocity_above": masked(rng.normal(0.3, 0.8, n), "above"),
        "velocity_below": masked(rng.normal(-0.1, 0.6, n), "below"),
        "amplitude_v040": np.round(amplitude_v040, 6),
        "amplitude_cutoff_v040": cutoff_v040,
    }


def build_units(
    probes: pd.DataFrame, channels: pd.DataFrame, geo: Geometry, seed: int
) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    rng = stream(seed, STREAM_UNITS)
    weight = geo.weight * channels["valid_data"].to_numpy()
    unit_channel = _place_units(probes, weight, rng)
    n = len(unit_channel)
    probe_of_unit = unit_channel // CHANNELS_PER_PROBE
    probe_start = np.concatenate([[0], np.cumsum(probes["unit_count"].to_numpy())[:-1]])
    unit_ids = 1_086_000_000 + rng.integers(0, 400_000) + np.cumsum(rng.integers(1, 4, n))
    metrics = _metrics(n, probe_of_unit, rng)
    acronym = geo.acronym[unit_channel]
    structure_id = pd.Series(acronym).map(STRUCTURE_IDS).to_numpy(dtype=np.int64)
    chan = {name: channels[name].to_numpy()[unit_channel] for name in CHANNEL_COLUMNS}
    columns = {
        "unit_id": unit_ids,
        "ecephys_channel_id": chan["ecephys_channel_id"],
        "ecephys_probe_id": chan["ecephys_probe_id"],
        "ecephys_session_id": chan["ecephys_session_id"],
        "anterior_posterior_ccf_coordinate": chan["anterior_posterior_ccf_coordinate"],
        "dorsal_ventral_ccf_coordinate": chan["dorsal_ventral_ccf_coordinate"],
        "left_right_ccf_coordinate": chan["left_right_ccf_coordinate"],
        "structure_acronym": acronym,
        "structure_id": structure_id,
        "local_index": np.arange(n) - probe_start[probe_of_unit],
        "probe_horizontal_position": chan["probe_horizontal_position"],
        "probe_vertical_position": chan["probe_vertical_position"],
        "valid_data": chan["valid_data"] & (rng.random(n) > 0.004),
        **metrics,
    }
    v050 = pd.DataFrame({name: columns[name] for name in UNIT_COLUMNS})
    v040 = v050.drop(columns="quality").assign(
        amplitude_cutoff=metrics["amplitude_cutoff_v040"], amplitude=metrics["amplitude_v040"]
    )
    return v050, v040, np.bincount(unit_channel, minlength=len(channels))
