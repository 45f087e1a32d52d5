"""Synthetic probes and channels for the demo release, with the structures each channel is in."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .demo_constants import (
    CHANNELS_PER_PROBE,
    CORTEX_BY_PROBE,
    DEEP_BY_PROBE,
    HIPPOCAMPUS_TOP,
    PROBE_NAMES,
    STREAM_CHANNELS,
    STREAM_PROBES,
    Counts,
    stream,
)


def _strip(acronym: str) -> str:
    """Drop the substructure the sessions table keeps (DG-mo -> DG, VISp6a -> VISp)."""
    if acronym.startswith("DG-"):
        return "DG"
    if acronym.startswith("VIS") and acronym[-2:] in ("6a", "6b"):
        return acronym[:-2]
    return acronym


@dataclass(frozen=True)
class Geometry:
    """Per-channel arrays for all probes, channel 0 (probe tip) first within each probe."""

    full_acronym: np.ndarray  # with substructures, for the sessions table
    acronym: np.ndarray  # stripped
    weight: np.ndarray  # relative unit density


def _probe_segments(letter: int, rng: np.random.Generator) -> list[tuple[str, int, float]]:
    """(full acronym, channel count, unit density) from the top of the probe to the tip."""
    area = CORTEX_BY_PROBE[letter]
    if rng.random() < 0.04:
        area = str(rng.choice(["VIS", "VISli", "VISmma"]))
    cortex = int(rng.integers(75, 111))
    segs = [("root", int(rng.integers(15, 61)), 0.03)]
    if rng.random() < 0.3:  # deep layers annotated separately on some probes
        deep = int(rng.integers(6, 15))
        segs += [(area, cortex - deep, 1.0), (f"{area}6a", deep, 0.9)]
    else:
        segs.append((area, cortex, 1.0))
    if rng.random() < 0.15:
        segs.append((str(rng.choice(["grey", "HPF"])), int(rng.integers(2, 8)), 0.3))
    top = HIPPOCAMPUS_TOP[rng.integers(len(HIPPOCAMPUS_TOP))]
    segs += [(name, int(rng.integers(10, 26)), 1.3) for name in top]
    segs += [(name, int(rng.integers(5, 12)), 0.7) for name in ("DG-mo", "DG-sg", "DG-po")]
    if rng.random() < 0.35:
        segs.append(("CA3", int(rng.integers(8, 20)), 1.1))
    deep_pool = DEEP_BY_PROBE[letter]
    deep_names = rng.choice(deep_pool, int(rng.integers(2, 5)), replace=False)
    tail = [str(rng.choice(["root", "ZI", "grey"]))] if rng.random() < 0.2 else []
    remaining = CHANNELS_PER_PROBE - sum(n for _, n, _ in segs)
    names = [str(x) for x in deep_names] + tail
    split = rng.multinomial(remaining - len(names), rng.dirichlet(np.full(len(names), 3.0)))
    segs += [(name, int(c) + 1, 1.0) for name, c in zip(names, split, strict=True)]
    return segs


def build_geometry(letters: np.ndarray, seed: int) -> Geometry:
    rng = stream(seed, STREAM_CHANNELS)
    full, weight = [], []
    for letter in letters:
        segs = _probe_segments(int(letter), rng)[::-1]  # tip first
        full.append(np.repeat([s[0] for s in segs], [s[1] for s in segs]))
        weight.append(np.repeat([s[2] for s in segs], [s[1] for s in segs]))
    names, index = np.unique(np.concatenate(full), return_inverse=True)
    stripped = np.array([_strip(str(a)) for a in names], dtype=object)
    return Geometry(names.astype(object)[index], stripped[index], np.concatenate(weight))


def build_probes(sessions: pd.DataFrame, counts: Counts, seed: int) -> pd.DataFrame:
    rng = stream(seed, STREAM_PROBES)
    n = len(sessions)
    per_session = np.full(n, 6)
    per_session[rng.choice(n, 6 * n - counts.probes, replace=False)] = 5
    letters = np.concatenate(
        [np.arange(6) if k == 6 else np.delete(np.arange(6), rng.integers(6)) for k in per_session]
    )
    session_ids = sessions["ecephys_session_id"].to_numpy()
    base = session_ids + rng.integers(100_000, 200_000, n)
    order = np.argsort(base, kind="stable")
    ten = 10 * np.arange(n, dtype=np.int64)
    base[order] = np.maximum.accumulate(base[order] - ten) + ten  # id runs never overlap
    within = np.concatenate([np.arange(k) for k in per_session])
    n_probes = len(letters)
    sampling = np.round(30000 + rng.normal(0.07, 0.06, n_probes), 10)
    has_lfp = np.ones(n_probes, dtype=bool)
    has_lfp[rng.choice(n_probes, n_probes - counts.lfp, replace=False)] = False
    share = rng.gamma(6.0, size=n_probes)
    units = rng.multinomial(counts.units, share / share.sum())
    return pd.DataFrame(
        {
            "ecephys_probe_id": np.repeat(base, per_session) + within,
            "ecephys_session_id": np.repeat(session_ids, per_session),
            "name": np.array(PROBE_NAMES)[letters],
            "sampling_rate": sampling,
            "lfp_sampling_rate": np.round(sampling / 12, 11),
            "phase": 1.0,
            "has_lfp_data": has_lfp,
            "unit_count": units.astype(np.int64),
            "channel_count": CHANNELS_PER_PROBE,
            "letter": letters,
        }
    )


def build_channels(probes: pd.DataFrame, geo: Geometry, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, STREAM_CHANNELS, 1])
    n_probes, c = len(probes), CHANNELS_PER_PROBE
    ch = np.tile(np.arange(c), n_probes)
    vertical = (ch // 2) * 20 + 20
    even_row = (ch // 2) % 2 == 0
    horizontal = np.where(even_row, np.where(ch % 2 == 0, 43, 11), np.where(ch % 2 == 0, 59, 27))
    depth = (3840 - vertical).astype(float)  # micrometres below the top channel

    def along(entry_low, entry_high, slope_mean, slope_sd):
        entry = np.repeat(rng.uniform(entry_low, entry_high, n_probes), c)
        slope = np.repeat(rng.normal(slope_mean, slope_sd, n_probes), c)
        return np.rint(entry + depth * slope + rng.normal(0, 3, len(ch))).astype(np.int64)

    starts = (
        1_049_000_000
        + rng.integers(0, 500_000)
        + np.concatenate([[0], np.cumsum(c + rng.integers(0, 3_000, n_probes - 1))])
    )
    valid = ch != 191  # the reference channel of a Neuropixels 1.0 probe
    broken = rng.random(n_probes) < 0.02  # a few probes lose a block of channels
    first_bad = np.repeat(rng.integers(0, c - 40, n_probes), c)
    block = (ch >= first_bad) & (ch < first_bad + np.repeat(rng.integers(8, 40, n_probes), c))
    valid &= ~(np.repeat(broken, c) & block)
    return pd.DataFrame(
        {
            "ecephys_channel_id": np.repeat(starts, c) + ch,
            "ecephys_probe_id": np.repeat(probes["ecephys_probe_id"].to_numpy(), c),
            "ecephys_session_id": np.repeat(probes["ecephys_session_id"].to_numpy(), c),
            "probe_channel_number": ch,
            "probe_vertical_position": vertical,
            "probe_horizontal_position": horizontal,
            "anterior_posterior_ccf_coordinate": along(6800, 10400, 0.12, 0.1),
            "dorsal_ventral_ccf_coordinate": along(150, 900, 0.95, 0.02),
            "left_right_ccf_coordinate": along(6800, 9800, -0.12, 0.1),
            "structure_acronym": geo.acronym,
            "unit_count": 0,
            "valid_data": valid,
        }
    )
