"""Synthetic mice and their behavior and ecephys sessions for the demo release."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .demo_constants import EPHYS_RIGS, GENOTYPES, STREAM_BEHAVIOR, STREAM_MICE, Counts, stream

_EPOCH_2019_MS = int(np.datetime64("2019-01-01", "ms").astype(np.int64))
_DAY_MS = 86_400_000
_FIRST_EPHYS_DAY = int(np.datetime64("2019-10-01", "D").astype(np.int64))
_LAST_EPHYS_DAY = int(np.datetime64("2021-10-29", "D").astype(np.int64))


def _strictly_increasing(ids: np.ndarray) -> np.ndarray:
    """Nudge sorted ids up so that each is larger than the one before."""
    steps = np.arange(len(ids), dtype=np.int64)
    return np.maximum.accumulate(ids - steps) + steps


def _id_clock(ms: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Allen-style 10-digit ids that grow with acquisition time (about 1.0e9 - 1.16e9)."""
    minutes = (ms - _EPOCH_2019_MS) // 60_000
    return 1_000_000_000 + minutes * 95 + rng.integers(0, 95, len(ms))


def build_mice(counts: Counts, seed: int) -> pd.DataFrame:
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


def build_behavior_rows(mice: pd.DataFrame, seed: int) -> pd.DataFrame:
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


def build_ecephys_rows(rows: pd.DataFrame, mice: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng([seed, STREAM_BEHAVIOR, 1])
    ephys = rows[rows["ephys_number"] > 0].reset_index(drop=True)
    raw = ephys["behavior_session_id"].to_numpy() - rng.integers(2_000, 40_000, len(ephys))
    ephys["ecephys_session_id"] = _strictly_increasing(raw)
    train_set = ephys["mouse_id"].map(mice.set_index("mouse_id")["train_set"])
    ephys["experience_level"] = np.where(ephys["image_set"] == train_set, "Familiar", "Novel")
    return ephys


_HISTOLOGY = (["Thalamus"], ["Hippocampus"], ["Cortex"], ["Midbrain"], ["Thalamus", "Hippocampus"])


def draw_abnormalities(n: int, count: int, rng: np.random.Generator) -> tuple[list, list]:
    histology: list = [None] * n
    activity: list = [None] * n
    for i in rng.choice(n, count, replace=False):
        kind = rng.choice(3, p=[0.7, 0.2, 0.1])  # histology, activity, both
        if kind != 1:
            histology[i] = str(_HISTOLOGY[rng.integers(len(_HISTOLOGY))])
        if kind != 0:
            activity[i] = str(sorted(int(t) for t in rng.integers(100, 9500, rng.integers(1, 3))))
    return histology, activity
