"""Synthetic VBN metadata tables for the demo release.

Everything is drawn from ``numpy.random.default_rng([seed, stream])`` streams, one stream per
concern, and vectorised over units and channels, so a full-scale release (319,013 units) is built
in a few seconds and the same ``(scale, seed)`` always gives the same tables.

The tables follow the real release: column names and order, row counts at scale 1, id ranges,
list reprs, UTC timestamp strings and the quality-metric distributions (about 120,000 units pass
the tutorial thresholds ``isi_violations < 0.5``, ``amplitude_cutoff < 0.1``,
``presence_ratio > 0.9``).
"""

from __future__ import annotations

import math
import numbers
import operator
from dataclasses import dataclass

import numpy as np
import pandas as pd

# Row counts of the full release (v0.4.0 / v0.5.0).
FULL_SESSIONS = 153
FULL_MICE = 81
FULL_BEHAVIOR_ONLY = 3271
FULL_PROBES = 905
FULL_LFP = 869
FULL_UNITS = 319_013
FULL_ABNORMAL = 50
CHANNELS_PER_PROBE = 384
NO_FILE = -999
PROBE_NAMES = ("probeA", "probeB", "probeC", "probeD", "probeE", "probeF")
PROJECT_CODE = "NeuropixelVisualBehavior"

GENOTYPES = (
    "wt/wt",
    "Sst-IRES-Cre/wt;Ai32(RCL-ChR2(H134R)_EYFP)/wt",
    "Vip-IRES-Cre/wt;Ai32(RCL-ChR2(H134R)_EYFP)/wt",
)
EPHYS_RIGS = ("NP.0", "NP.1", "NP.3")

# One numpy stream per concern, so changing one part never reshuffles another.
STREAM_MICE, STREAM_BEHAVIOR, STREAM_PROBES, STREAM_CHANNELS, STREAM_UNITS = 1, 2, 3, 4, 5
STREAM_FILE_IDS, STREAM_FILES, STREAM_VERSION_IDS = 6, 7, 8

ECEPHYS_SESSION_COLUMNS = (
    "ecephys_session_id", "behavior_session_id", "date_of_acquisition", "equipment_name",
    "session_type", "mouse_id", "genotype", "sex", "project_code", "age_in_days", "unit_count",
    "probe_count", "channel_count", "structure_acronyms", "image_set",
    "prior_exposures_to_image_set", "session_number", "experience_level",
    "prior_exposures_to_omissions", "file_id", "abnormal_histology", "abnormal_activity",
)  # fmt: skip
BEHAVIOR_SESSION_COLUMNS = (
    "behavior_session_id", "equipment_name", "genotype", "mouse_id", "sex", "age_in_days",
    "session_number", "prior_exposures_to_session_type", "prior_exposures_to_image_set",
    "prior_exposures_to_omissions", "ecephys_session_id", "date_of_acquisition", "session_type",
    "image_set", "file_id",
)  # fmt: skip
PROBE_COLUMNS = (
    "ecephys_probe_id", "ecephys_session_id", "name", "sampling_rate", "lfp_sampling_rate",
    "phase", "has_lfp_data", "unit_count", "channel_count", "structure_acronyms", "file_id",
)  # fmt: skip
CHANNEL_COLUMNS = (
    "ecephys_channel_id", "ecephys_probe_id", "ecephys_session_id", "probe_channel_number",
    "probe_vertical_position", "probe_horizontal_position", "anterior_posterior_ccf_coordinate",
    "dorsal_ventral_ccf_coordinate", "left_right_ccf_coordinate", "structure_acronym",
    "unit_count", "valid_data",
)  # fmt: skip
UNIT_COLUMNS = (
    "unit_id", "ecephys_channel_id", "ecephys_probe_id", "ecephys_session_id", "amplitude_cutoff",
    "anterior_posterior_ccf_coordinate", "dorsal_ventral_ccf_coordinate",
    "left_right_ccf_coordinate", "cumulative_drift", "d_prime", "structure_acronym",
    "structure_id", "firing_rate", "isi_violations", "isolation_distance", "l_ratio",
    "local_index", "max_drift", "nn_hit_rate", "nn_miss_rate", "presence_ratio",
    "probe_horizontal_position", "probe_vertical_position", "silhouette_score", "snr", "quality",
    "valid_data", "amplitude", "waveform_duration", "waveform_halfwidth", "PT_ratio",
    "recovery_slope", "repolarization_slope", "spread", "velocity_above", "velocity_below",
)  # fmt: skip
UNIT_COLUMNS_V040 = tuple(c for c in UNIT_COLUMNS if c != "quality")

# Allen CCF structure ids of the (substructure-stripped) acronyms used here.
STRUCTURE_IDS = {
    "root": 997, "grey": 8, "VIS": 669, "VISp": 385, "VISl": 409, "VISal": 402, "VISrl": 417,
    "VISam": 394, "VISpm": 533, "VISli": 312782574, "VISmma": 480149258, "CA1": 382, "CA2": 423,
    "CA3": 463, "DG": 726, "SUB": 502, "POST": 1037, "PRE": 1084, "ProS": 484682470, "HPF": 1089,
    "LGd": 170, "LGv": 178, "LP": 218, "TH": 549, "MGd": 1072, "MGv": 1079, "MGm": 1088,
    "POL": 1029, "PoT": 563807435, "PIL": 560581563, "SGN": 325, "IGL": 27, "Eth": 560581551,
    "ZI": 797, "MB": 313, "APN": 215, "MRN": 128, "NOT": 628, "PPT": 1061, "SCig": 10,
    "SCiw": 17, "NB": 880, "SPFp": 626, "LT": 66,
}  # fmt: skip
# Cortical area per probe (VBN's targeting), and the deep structures each probe tends to reach.
_CORTEX_BY_PROBE = ("VISam", "VISpm", "VISp", "VISl", "VISal", "VISrl")
_DEEP_BY_PROBE = (
    ("APN", "MB", "MRN", "NOT", "PPT", "SCig"),
    ("LP", "POL", "PoT", "PIL", "TH", "SGN"),
    ("SCig", "SCiw", "MB", "MRN", "APN", "NB"),
    ("LGd", "LGv", "TH", "ZI", "LP", "IGL"),
    ("MGd", "MGv", "MGm", "SGN", "TH", "PIL"),
    ("LP", "POL", "PoT", "TH", "SGN", "Eth"),
)
_HIPPOCAMPUS_TOP = (("CA1",), ("CA1",), ("SUB",), ("POST",), ("ProS", "CA1"), ("HPF", "CA1"))


def _strip(acronym: str) -> str:
    """Drop the substructure the sessions table keeps (DG-mo -> DG, VISp6a -> VISp)."""
    if acronym.startswith("DG-"):
        return "DG"
    if acronym.startswith("VIS") and acronym[-2:] in ("6a", "6b"):
        return acronym[:-2]
    return acronym


def stream(seed: int, which: int) -> np.random.Generator:
    return np.random.default_rng([seed, which])


def check_seed(seed: object) -> int:
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise ValueError(f"seed must be a non-negative integer, got {seed!r}")
    return operator.index(seed)


@dataclass(frozen=True)
class Counts:
    """Row counts of a demo release at one scale."""

    sessions: int
    mice: int
    behavior_only: int
    probes: int
    lfp: int
    units: int
    abnormal: int

    @property
    def channels(self) -> int:
        return self.probes * CHANNELS_PER_PROBE

    @property
    def behavior_sessions(self) -> int:
        return self.sessions + self.behavior_only


def counts_for_scale(scale: float) -> Counts:
    """The full release's counts scaled by ``scale`` in (0, 1], keeping every invariant."""
    if (
        isinstance(scale, bool)
        or not isinstance(scale, numbers.Real)
        or not math.isfinite(scale)
        or not 0 < scale <= 1
    ):
        raise ValueError(f"scale must be a number in (0, 1], got {scale!r}")
    n = max(2, round(FULL_SESSIONS * scale))
    probes = min(6 * n, max(5 * n, round(FULL_PROBES * n / FULL_SESSIONS)))
    return Counts(
        sessions=n,
        mice=min(n, max(-(-n // 2), round(FULL_MICE * n / FULL_SESSIONS))),
        behavior_only=round(FULL_BEHAVIOR_ONLY * n / FULL_SESSIONS),
        probes=probes,
        lfp=round(FULL_LFP * probes / FULL_PROBES),
        units=round(FULL_UNITS * probes / FULL_PROBES),
        abnormal=round(FULL_ABNORMAL * n / FULL_SESSIONS),
    )


@dataclass(frozen=True, eq=False)
class DemoTables:
    """The five tables (units in both released versions), file ids already assigned."""

    ecephys_sessions: pd.DataFrame
    behavior_sessions: pd.DataFrame
    probes: pd.DataFrame
    channels: pd.DataFrame
    units: pd.DataFrame  # v0.5.0: with `quality`, recomputed amplitudes
    units_v040: pd.DataFrame


# ---------------------------------------------------------------------------------------------
# helpers


def _strictly_increasing(ids: np.ndarray) -> np.ndarray:
    """Nudge sorted ids up so that each is larger than the one before."""
    steps = np.arange(len(ids), dtype=np.int64)
    return np.maximum.accumulate(ids - steps) + steps


def _id_clock(ms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Allen-style 10-digit ids that grow with acquisition time (about 1.0e9 - 1.16e9)."""
    minutes = (ms - _EPOCH_2019_MS) // 60_000
    return 1_000_000_000 + minutes * 95 + rng.integers(0, 95, len(ms))


def timestamps(ms: np.ndarray) -> np.ndarray:
    """'2020-08-19 14:47:08.574000+00:00' strings from milliseconds since the Unix epoch."""
    text = np.datetime_as_string(ms.astype("datetime64[ms]").astype("datetime64[us]"), unit="us")
    return np.char.add(np.char.replace(text, "T", " "), "+00:00")


def list_repr(items) -> str:
    return str(sorted(items))


_EPOCH_2019_MS = int(np.datetime64("2019-01-01", "ms").astype(np.int64))
_DAY_MS = 86_400_000
_FIRST_EPHYS_DAY = int(np.datetime64("2019-10-01", "D").astype(np.int64))
_LAST_EPHYS_DAY = int(np.datetime64("2021-10-29", "D").astype(np.int64))


# ---------------------------------------------------------------------------------------------
# mice and sessions


def _mice(counts: Counts, seed: int) -> pd.DataFrame:
    rng = stream(seed, STREAM_MICE)
    m = counts.mice
    n_ephys = np.ones(m, dtype=np.int64)
    n_ephys[rng.choice(m, counts.sessions - m, replace=False)] = 2
    first_day = np.sort(rng.integers(_FIRST_EPHYS_DAY, _LAST_EPHYS_DAY, m))
    mouse_id = np.sort(rng.choice(140_000, m, replace=False) + 500_000)
    # Mice with one recording session: usually the familiar day, sometimes only the novel one.
    only_novel = (n_ephys == 1) & (rng.random(m) < 0.3)
    # Training lengths spread around the mean (about 40 sessions), keeping the exact total.
    low = min(8, counts.behavior_only // m)
    share = rng.dirichlet(np.full(m, 8.0))
    behavior_only = low + rng.multinomial(counts.behavior_only - low * m, share)
    train_set = rng.choice(["G", "H"], m, p=[0.75, 0.25])
    return pd.DataFrame(
        {
            "mouse_id": mouse_id,
            "genotype": rng.choice(GENOTYPES, m, p=[0.34, 0.36, 0.30]),
            "sex": rng.choice(["M", "F"], m, p=[0.55, 0.45]),
            "rig": rng.choice(EPHYS_RIGS, m, p=[0.45, 0.45, 0.10]),
            "box": [
                f"BEH.{letter}-Box{box}"
                for letter, box in zip(
                    rng.choice(list("BCDEF"), m), rng.integers(1, 7, m), strict=True
                )
            ],
            "train_set": train_set,
            "other_set": np.where(train_set == "G", "H", "G"),
            "reward": rng.choice([3, 5], m, p=[0.65, 0.35]),
            "t1_10ul": rng.random(m) < 0.15,
            "first_day": first_day,
            "age_at_recording": rng.integers(125, 196, m),
            "n_ephys": n_ephys,
            "only_novel": only_novel,
            "behavior_only": behavior_only,
        }
    )


_STAGE_EDGES = np.array([0.08, 0.20, 0.30, 0.58, 0.86])  # T1 T2 T3 T4 T5 | habituation
_T5_VARIANTS = ("epilogue", "handoff_lapsed", "handoff_ready", "handoff_ready_{v}uL_reward")


def _training_types(mouse, stage: np.ndarray, rng: np.random.Generator) -> list[str]:
    x, v = mouse.train_set, mouse.reward
    t5 = rng.choice(len(_T5_VARIANTS), len(stage), p=[0.2, 0.15, 0.35, 0.3])
    names = {
        0: "TRAINING_0_gratings_autorewards_15min",
        1: "TRAINING_1_gratings_10uL_reward" if mouse.t1_10ul else "TRAINING_1_gratings",
        2: "TRAINING_2_gratings_flashed",
        3: f"TRAINING_3_images_{x}_10uL_reward",
        4: f"TRAINING_4_images_{x}_training",
        6: f"HABITUATION_5_images_{x}_handoff_ready_{v}uL_reward",
    }
    return [
        f"TRAINING_5_images_{x}_{_T5_VARIANTS[k].format(v=v)}" if s == 5 else names[s]
        for s, k in zip(stage, t5, strict=True)
    ]


def _behavior_rows(mice: pd.DataFrame, seed: int) -> pd.DataFrame:
    """Every behavior session (training, habituation, recording days) of every mouse."""
    rng = stream(seed, STREAM_BEHAVIOR)
    parts = []
    for mouse in mice.itertuples(index=False):
        k = int(mouse.behavior_only)
        stage = np.searchsorted(_STAGE_EDGES, np.arange(k) / k, side="right") + 1
        stage[0] = 0
        gaps = rng.choice([1, 2, 3], k, p=[0.72, 0.1, 0.18])
        before = rng.integers(1, 4) + np.append(np.cumsum(gaps[::-1])[::-1][1:], 0)
        # Training starts at 45-60 days of age at the earliest.
        age = max(int(mouse.age_at_recording), int(before[0]) + int(rng.integers(45, 61)))
        if mouse.n_ephys == 2:  # familiar image set on day 1, novel on day 2
            sets, ephys_numbers = (mouse.train_set, mouse.other_set), [1, 2]
        elif mouse.only_novel:
            sets, ephys_numbers = (mouse.other_set,), [2]
        else:
            sets, ephys_numbers = (mouse.train_set,), [1]
        days = np.concatenate([mouse.first_day - before, mouse.first_day + np.arange(len(sets))])
        types = _training_types(mouse, stage, rng)
        image = [None if s <= 2 else mouse.train_set for s in stage]
        equipment = [mouse.rig if s == 6 else mouse.box for s in stage]
        types += [f"EPHYS_1_images_{s}_{mouse.reward}uL_reward" for s in sets]
        image += list(sets)
        equipment += [mouse.rig] * len(sets)
        n = len(days)
        parts.append(
            pd.DataFrame(
                {
                    "mouse_id": mouse.mouse_id,
                    "day": days,
                    "session_type": types,
                    "image_set": image,
                    "equipment_name": equipment,
                    "ephys_number": [0] * k + ephys_numbers,
                    "age_in_days": age + days - mouse.first_day,
                    "genotype": mouse.genotype,
                    "sex": mouse.sex,
                    "omissions": [s == 6 for s in stage] + [True] * (n - k),
                }
            )
        )
    rows = pd.concat(parts, ignore_index=True)
    ms = rows["day"].to_numpy() * _DAY_MS + rng.integers(14 * 3_600_000, 23 * 3_600_000, len(rows))
    rows["ms"] = ms
    rows = rows.sort_values(["ms", "mouse_id"], kind="stable", ignore_index=True)
    rows["behavior_session_id"] = _strictly_increasing(_id_clock(rows["ms"].to_numpy(), rng))
    by_mouse = rows.groupby("mouse_id", sort=False)
    rows["session_number"] = by_mouse.cumcount() + 1
    rows["prior_exposures_to_session_type"] = rows.groupby(
        ["mouse_id", "session_type"], sort=False
    ).cumcount()
    image_count = rows.groupby(["mouse_id", "image_set"], sort=False, dropna=False).cumcount()
    rows["prior_exposures_to_image_set"] = pd.array(
        image_count.where(rows["image_set"].notna()), dtype="Int64"
    )
    omissions = rows["omissions"].astype(np.int64)
    rows["prior_exposures_to_omissions"] = (
        by_mouse["omissions"].cumsum().astype(np.int64) - omissions
    )
    return rows


# ---------------------------------------------------------------------------------------------
# probes and channels


@dataclass(frozen=True)
class _Geometry:
    """Per-channel arrays for all probes, channel 0 (probe tip) first within each probe."""

    full_acronym: np.ndarray  # with substructures, for the sessions table
    acronym: np.ndarray  # stripped
    weight: np.ndarray  # relative unit density


def _probe_segments(letter: int, rng: np.random.Generator) -> list[tuple[str, int, float]]:
    """(full acronym, channel count, unit density) from the top of the probe to the tip."""
    area = _CORTEX_BY_PROBE[letter]
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
    top = _HIPPOCAMPUS_TOP[rng.integers(len(_HIPPOCAMPUS_TOP))]
    segs += [(name, int(rng.integers(10, 26)), 1.3) for name in top]
    segs += [(name, int(rng.integers(5, 12)), 0.7) for name in ("DG-mo", "DG-sg", "DG-po")]
    if rng.random() < 0.35:
        segs.append(("CA3", int(rng.integers(8, 20)), 1.1))
    deep_pool = _DEEP_BY_PROBE[letter]
    deep_names = rng.choice(deep_pool, int(rng.integers(2, 5)), replace=False)
    tail = [str(rng.choice(["root", "ZI", "grey"]))] if rng.random() < 0.2 else []
    remaining = CHANNELS_PER_PROBE - sum(n for _, n, _ in segs)
    names = [str(x) for x in deep_names] + tail
    split = rng.multinomial(remaining - len(names), rng.dirichlet(np.full(len(names), 3.0)))
    segs += [(name, int(c) + 1, 1.0) for name, c in zip(names, split, strict=True)]
    return segs


def _geometry(letters: np.ndarray, seed: int) -> _Geometry:
    rng = stream(seed, STREAM_CHANNELS)
    full, weight = [], []
    for letter in letters:
        segs = _probe_segments(int(letter), rng)[::-1]  # tip first
        full.append(np.repeat([s[0] for s in segs], [s[1] for s in segs]))
        weight.append(np.repeat([s[2] for s in segs], [s[1] for s in segs]))
    names, index = np.unique(np.concatenate(full), return_inverse=True)
    stripped = np.array([_strip(str(a)) for a in names], dtype=object)
    return _Geometry(names.astype(object)[index], stripped[index], np.concatenate(weight))


def _probes(sessions: pd.DataFrame, counts: Counts, seed: int) -> pd.DataFrame:
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


def _channels(probes: pd.DataFrame, geo: _Geometry, seed: int) -> pd.DataFrame:
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


# ---------------------------------------------------------------------------------------------
# units


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


def _units(
    probes: pd.DataFrame, channels: pd.DataFrame, geo: _Geometry, seed: int
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


# ---------------------------------------------------------------------------------------------
# assembly


def _ecephys_rows(rows: pd.DataFrame, mice: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, STREAM_BEHAVIOR, 1])
    ephys = rows[rows["ephys_number"] > 0].reset_index(drop=True)
    raw = ephys["behavior_session_id"].to_numpy() - rng.integers(2_000, 40_000, len(ephys))
    ephys["ecephys_session_id"] = _strictly_increasing(raw)
    train_set = ephys["mouse_id"].map(mice.set_index("mouse_id")["train_set"])
    ephys["experience_level"] = np.where(ephys["image_set"] == train_set, "Familiar", "Novel")
    return ephys


_HISTOLOGY = (["Thalamus"], ["Hippocampus"], ["Cortex"], ["Midbrain"], ["Thalamus", "Hippocampus"])


def _abnormalities(n: int, count: int, rng: np.random.Generator) -> tuple[list, list]:
    histology: list = [None] * n
    activity: list = [None] * n
    for i in rng.choice(n, count, replace=False):
        kind = rng.choice(3, p=[0.7, 0.2, 0.1])  # histology, activity, both
        if kind != 1:
            histology[i] = str(_HISTOLOGY[rng.integers(len(_HISTOLOGY))])
        if kind != 0:
            activity[i] = str(sorted(int(t) for t in rng.integers(100, 9500, rng.integers(1, 3))))
    return histology, activity


def _acronym_lists(keys: np.ndarray, acronyms: np.ndarray) -> pd.Series:
    pairs = pd.DataFrame({"key": keys, "acronym": acronyms}).drop_duplicates()
    return pairs.groupby("key", sort=False)["acronym"].agg(list_repr)


def _assign_file_ids(
    probes: pd.DataFrame, ephys: pd.DataFrame, behavior_only: np.ndarray, counts: Counts, seed: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Data file ids as the v0.4.0 manifest orders them: LFP, ecephys NWB, behavior-only NWB."""
    rng = stream(seed, STREAM_FILE_IDS)
    session_rank = pd.Series(rng.permutation(len(ephys)), index=ephys["ecephys_session_id"])
    lfp_order = np.lexsort(
        (probes["name"].to_numpy(), session_rank[probes["ecephys_session_id"]].to_numpy())
    )
    lfp_order = lfp_order[probes["has_lfp_data"].to_numpy()[lfp_order]]
    probe_ids = np.full(len(probes), NO_FILE, dtype=np.int64)
    probe_ids[lfp_order] = np.arange(len(lfp_order))
    ephys_ids = counts.lfp + np.argsort(np.argsort(ephys["ecephys_session_id"].to_numpy()))
    behavior_ids = counts.lfp + counts.sessions + rng.permutation(len(behavior_only))
    return probe_ids, ephys_ids, behavior_ids


def build_tables(scale: float = 1.0, seed: int = 0) -> tuple[Counts, DemoTables]:
    """All five tables of a demo release (units for v0.5.0 and v0.4.0)."""
    counts = counts_for_scale(scale)
    seed = check_seed(seed)
    mice = _mice(counts, seed)
    rows = _behavior_rows(mice, seed)
    ephys = _ecephys_rows(rows, mice, seed)

    probes = _probes(ephys, counts, seed)
    geo = _geometry(probes["letter"].to_numpy(), seed)
    channels = _channels(probes, geo, seed)
    units, units_v040, per_channel = _units(probes, channels, geo, seed)
    channels["unit_count"] = per_channel

    probe_of_channel = np.repeat(np.arange(len(probes)), CHANNELS_PER_PROBE)
    probes["structure_acronyms"] = _acronym_lists(probe_of_channel, geo.acronym).to_numpy()
    session_lists = _acronym_lists(channels["ecephys_session_id"].to_numpy(), geo.full_acronym)

    behavior_only = rows.index[rows["ephys_number"] == 0].to_numpy()
    probe_files, ephys_files, behavior_files = _assign_file_ids(
        probes, ephys, behavior_only, counts, seed
    )
    probes["file_id"] = probe_files

    per_session = probes.groupby("ecephys_session_id", sort=False).agg(
        unit_count=("unit_count", "sum"), probe_count=("name", "size")
    )
    sid = ephys["ecephys_session_id"]
    histology, activity = _abnormalities(
        len(ephys), counts.abnormal, np.random.default_rng([seed, STREAM_MICE, 1])
    )
    when = timestamps(ephys["ms"].to_numpy())
    ecephys_sessions = pd.DataFrame(
        {
            "ecephys_session_id": sid,
            "behavior_session_id": ephys["behavior_session_id"],
            "date_of_acquisition": when,
            "equipment_name": ephys["equipment_name"],
            "session_type": ephys["session_type"],
            "mouse_id": ephys["mouse_id"],
            "genotype": ephys["genotype"],
            "sex": ephys["sex"],
            "project_code": PROJECT_CODE,
            "age_in_days": ephys["age_in_days"],
            "unit_count": sid.map(per_session["unit_count"]).astype(np.int64),
            "probe_count": sid.map(per_session["probe_count"]).astype(np.int64),
            "channel_count": sid.map(per_session["probe_count"]).astype(np.int64)
            * CHANNELS_PER_PROBE,
            "structure_acronyms": sid.map(session_lists),
            "image_set": ephys["image_set"],
            "prior_exposures_to_image_set": ephys["prior_exposures_to_image_set"].astype(np.int64),
            "session_number": ephys["ephys_number"],
            "experience_level": ephys["experience_level"],
            "prior_exposures_to_omissions": ephys["prior_exposures_to_omissions"],
            "file_id": ephys_files,
            "abnormal_histology": histology,
            "abnormal_activity": activity,
        }
    )

    file_id = np.zeros(len(rows), dtype=np.int64)
    file_id[behavior_only] = behavior_files
    ephys_index = rows.index[rows["ephys_number"] > 0].to_numpy()
    file_id[ephys_index] = ephys_files
    ecephys_of_row = pd.array([pd.NA] * len(rows), dtype="Int64")
    ecephys_of_row[ephys_index] = sid.to_numpy()
    behavior_sessions = rows.assign(
        ecephys_session_id=ecephys_of_row,
        date_of_acquisition=timestamps(rows["ms"].to_numpy()),
        file_id=file_id,
    )[list(BEHAVIOR_SESSION_COLUMNS)]

    tables = DemoTables(
        ecephys_sessions=ecephys_sessions[list(ECEPHYS_SESSION_COLUMNS)],
        behavior_sessions=behavior_sessions,
        probes=probes[list(PROBE_COLUMNS)],
        channels=channels[list(CHANNEL_COLUMNS)],
        units=units,
        units_v040=units_v040[list(UNIT_COLUMNS_V040)],
    )
    return counts, tables
