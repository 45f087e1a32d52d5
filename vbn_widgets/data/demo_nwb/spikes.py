"""Synthetic spike trains with structure a scientist can find, and their ground truth.

The count rule: unit u fires exactly ``round(firing_rate_u * duration)`` spikes, where
``firing_rate`` is the units table's value and ``duration`` the session's length. Those spikes
are drawn, all units at once, from a mixture: a uniform baseline plus one component per event
class the unit responds to, in which a spike follows a random event of that class after the unit's
latency plus a gamma-distributed jitter. Component sizes are the expected extra spikes per event
(the ground truth's ``spikes_per_event``) times the number of events; the baseline takes the rest.

Built-in structure (``RESPONSES``): visual areas respond to image flashes, three times more to
changes than to repeated images, 1.8x more to novel images than to familiar ones, and part of the
visual cortex responds to omitted flashes; full-field flashes and Gabors drive visual units too;
in Sst- and Vip-Cre x Ai32 mice some cortical units follow light pulses within a few milliseconds.
Spike times sit on the probe's 30 kHz sample grid, as sorted spikes do.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

VISUAL_CORTEX = ("VIS", "VISp", "VISl", "VISal", "VISrl", "VISam", "VISpm", "VISli", "VISmma")
VISUAL_THALAMUS = ("LGd", "LGv", "LP")
VISUAL_MIDBRAIN = ("SCig", "SCiw", "APN", "NOT", "MB")
CHANGE_GAIN, NOVEL_GAIN = 3.0, 1.8
# class -> (multiple of the unit's repeated-image response, or None when drawn separately)
RESPONSES = {
    "repeat_familiar": 1.0,
    "change_familiar": CHANGE_GAIN,
    "repeat_novel": NOVEL_GAIN,
    "change_novel": CHANGE_GAIN * NOVEL_GAIN,
    "flash": 2.0,
    "gabor": 0.5,
    "omission": None,
    "opto_pulse": None,
    "opto_cosine": None,
}
MAX_RESPONSE_SHARE = 0.6  # responses take at most this share of a unit's spikes
_SAMPLE_BITS = 40


@dataclass(frozen=True)
class Spikes:
    times: np.ndarray  # float64, s, concatenated in unit order, sorted within each unit
    amplitudes: np.ndarray  # float64, V
    ends: np.ndarray  # int64, cumulative end offset of each unit (the NWB index)
    truth: pd.DataFrame  # unit_id, event, spikes_per_event, latency_s, jitter_s


def _area_gain(acronyms: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(share of responsive units, response strength) by area."""
    acr = pd.Series(acronyms)
    cortex = acr.isin(VISUAL_CORTEX).to_numpy()
    thalamus = acr.isin(VISUAL_THALAMUS).to_numpy()
    midbrain = acr.isin(VISUAL_MIDBRAIN).to_numpy()
    share = np.select([cortex, thalamus, midbrain], [0.75, 0.6, 0.25], 0.0)
    strength = np.select([cortex, thalamus, midbrain], [1.0, 0.8, 0.4], 0.0)
    return share, strength


def response_table(
    units: pd.DataFrame,
    genotype: str,
    events: dict[str, np.ndarray],
    duration: float,
    rng: np.random.Generator,
) -> pd.DataFrame:
    """Which unit responds to which event class, how strongly, with what latency."""
    n = len(units)
    acr = units["structure_acronym"].to_numpy()
    share, strength = _area_gain(acr)
    responsive = rng.random(n) < share
    base = strength * np.exp(np.log(0.35) + 0.5 * rng.standard_normal(n)) * responsive
    cortex = pd.Series(acr).isin(VISUAL_CORTEX).to_numpy()
    latency = np.where(cortex, 0.065, np.where(pd.Series(acr).isin(("LGd",)), 0.04, 0.055))
    latency = latency + rng.gamma(4.0, 0.004, n)
    jitter = rng.gamma(4.0, 0.008, n)
    amp = {name: base * gain for name, gain in RESPONSES.items() if gain is not None}
    amp["omission"] = np.where(cortex & responsive & (rng.random(n) < 0.4), 0.25 + 0.2 * base, 0)
    tagged = np.zeros(n, bool)
    for line, p in (("Sst", 0.12), ("Vip", 0.06)):
        if genotype.startswith(line):
            tagged = cortex & (rng.random(n) < p)
    amp["opto_pulse"] = np.where(tagged, rng.uniform(0.8, 1.6, n), 0.0)
    amp["opto_cosine"] = np.where(tagged, rng.uniform(6.0, 14.0, n), 0.0)
    classes = [c for c in RESPONSES if len(events.get(c, ()))]
    matrix = np.stack([amp[c] for c in classes], axis=1)
    n_events = np.array([len(events[c]) for c in classes], dtype=np.float64)
    total = np.rint(units["firing_rate"].to_numpy() * duration)
    extra = matrix @ n_events
    cap = np.where(
        extra > 0, np.minimum(1.0, MAX_RESPONSE_SHARE * total / np.maximum(extra, 1e-12)), 1.0
    )
    matrix *= cap[:, None]
    rows = np.nonzero(matrix > 0)
    event = np.asarray(classes)[rows[1]]
    opto = np.char.startswith(event.astype(str), "opto")
    return pd.DataFrame(
        {
            "unit_id": units["unit_id"].to_numpy()[rows[0]],
            "event": event,
            "spikes_per_event": matrix[rows],
            "latency_s": np.where(opto, 0.003, latency[rows[0]]),
            "jitter_s": np.where(opto, 0.002, jitter[rows[0]]),
        }
    )


def synthesize(
    units: pd.DataFrame,
    sampling_rate: np.ndarray,
    truth: pd.DataFrame,
    *,
    events: dict[str, np.ndarray],
    duration: float,
    rng: np.random.Generator,
    chunk: int = 400,
) -> Spikes:
    """Every unit's spikes, drawn from the mixture described in the module docstring, ``chunk``
    units at a time (a real-length session has ~130 M spikes; temporaries stay per chunk)."""
    total = np.rint(units["firing_rate"].to_numpy() * duration).astype(np.int64)
    ends = np.cumsum(total)
    times = np.empty(int(total.sum()), dtype=np.float64)
    amplitudes = np.empty(len(times), dtype=np.float64)
    gain = units["amplitude"].to_numpy() * 1e-6
    for lo in range(0, len(units), chunk):
        hi = min(lo + chunk, len(units))
        ids = units["unit_id"].to_numpy()[lo:hi]
        part = truth[truth["unit_id"].isin(ids)]
        unit, t = _draw(ids, total[lo:hi], part, events, duration=duration,
                        sampling_rate=sampling_rate[lo:hi], rng=rng)  # fmt: skip
        start = ends[lo - 1] if lo else 0
        times[start : ends[hi - 1]] = t
        amplitudes[start : ends[hi - 1]] = gain[lo:hi][unit] * np.exp(rng.normal(0, 0.12, len(t)))
    return Spikes(times, amplitudes, ends, truth)


def _draw(
    ids: np.ndarray, total: np.ndarray, truth: pd.DataFrame, events: dict[str, np.ndarray], *,
    duration: float, sampling_rate: np.ndarray, rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:  # fmt: skip
    """(unit position, spike time) of these units' spikes, sorted by unit then time."""
    n = len(ids)
    position = pd.Series(np.arange(n), index=ids)
    u_parts: list[np.ndarray] = []
    t_parts: list[np.ndarray] = []
    response_counts = np.zeros(n, dtype=np.int64)
    for event, group in truth.groupby("event", sort=True):
        who = position[group["unit_id"].to_numpy()].to_numpy()
        onsets = events[str(event)]
        counts = rng.poisson(group["spikes_per_event"].to_numpy() * len(onsets))
        counts = np.minimum(counts, total[who] - response_counts[who])
        response_counts[who] += counts
        unit = np.repeat(who, counts)
        lat = np.repeat(group["latency_s"].to_numpy(), counts)
        jit = np.repeat(group["jitter_s"].to_numpy(), counts)
        onset = onsets[rng.integers(0, len(onsets), len(unit))]
        if event == "opto_cosine":  # density follows the raised cosine's one-second pulse
            offset = np.arccos(1 - 2 * rng.random(len(unit))) / np.pi
        else:
            offset = lat + rng.gamma(2.0, 1.0, len(unit)) * jit / 2.0
        u_parts.append(unit)
        t_parts.append(onset + offset)
    baseline = total - response_counts
    u_parts.append(np.repeat(np.arange(n), baseline))
    t_parts.append(rng.uniform(0.0, duration, int(baseline.sum())))
    unit = np.concatenate(u_parts)
    samples = np.floor(np.clip(np.concatenate(t_parts), 0.0, duration - 1e-3) * sampling_rate[unit])
    key = np.sort((unit.astype(np.int64) << _SAMPLE_BITS) | samples.astype(np.int64))
    unit = key >> _SAMPLE_BITS
    return unit, (key & ((1 << _SAMPLE_BITS) - 1)).astype(np.float64) / sampling_rate[unit]


def mean_waveforms(units: pd.DataFrame, rng: np.random.Generator, chunk: int = 256) -> np.ndarray:
    """(units x 384 channels, 82 samples) float32 mean waveforms in uV, peak on the unit's
    channel and fading with distance along the probe; channels far from the peak are exactly 0
    and values sit on the 0.195 uV steps of the probe's ADC (so the dataset compresses well)."""
    n = len(units)
    out = np.empty((n, 384, 82), dtype=np.float32)
    t = np.arange(82, dtype=np.float64) / 30.0 - 0.6  # ms around the trough
    channel = np.arange(384)
    for lo in range(0, n, chunk):
        part = units.iloc[lo : lo + chunk]
        duration = part["waveform_duration"].fillna(0.5).to_numpy()[:, None]
        trough = -np.exp(-0.5 * (t / 0.12) ** 2)
        peak = 0.45 * np.exp(-0.5 * ((t - duration) / 0.25) ** 2)
        shape = part["amplitude"].to_numpy()[:, None] * (trough + peak)  # (k, 82)
        peak_channel = part["probe_channel_number"].to_numpy()[:, None]
        distance = np.abs(channel // 2 - peak_channel // 2) * 20.0  # um along the probe
        spread = np.maximum(part["spread"].fillna(60.0).to_numpy(), 20.0)[:, None] / 2
        profile = np.exp(-0.5 * (distance / spread) ** 2)
        profile = np.where(
            profile < 0.02, 0.0, profile * np.exp(0.03 * rng.standard_normal(profile.shape))
        )
        out[lo : lo + chunk] = np.round(profile[:, :, None] * shape[:, None, :] / 0.195) * 0.195
    return out.reshape(n * 384, 82)
