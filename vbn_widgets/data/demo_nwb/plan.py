"""Which sessions of a demo release get genuine NWB files, and writing them.

:func:`choose_sessions` picks the ecephys sessions: whole mice first (their Familiar and Novel
days), preferring mice without abnormality flags, a different Cre line for each mouse (Sst, then
Vip, then wild type: the Cre lines have optotagged units) and fewer units (smaller files).
Each chosen mouse's last image-based behavior-only session gets a genuine file too. Every probe
of a genuine session with ``has_lfp_data`` gets a genuine LFP file of ``lfp_s`` seconds, or the
first ``lfp_probes`` of them; other data files stay stand-ins.
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .nwbparts import SessionMeta
from .session import session_parts, write_behavior_session, write_ecephys_session
from .stimuli import Task

DEFAULT_SESSIONS = 4
DEFAULT_DURATION_S = 1230.0  # ~20.5 minutes: every block, ~595 image flashes per task block
FULL_DURATION_S = 9600.0
TYPICAL_UNITS = 2085  # the real release's mean units per session
DEFAULT_LFP_S = 30.0
BEHAVIOR_DURATION_S = 600.0
STREAM_NWB = 9  # numpy stream id, beside demo_constants' 1-8
_CRE_RANK = {"Sst": 0, "Vip": 1}


@dataclass(frozen=True)
class NwbOptions:
    """How many genuine files the release gets, and how long they are."""

    sessions: int = 0  # genuine ecephys sessions (0: stand-ins only)
    duration_s: float = DEFAULT_DURATION_S
    lfp_s: float = DEFAULT_LFP_S  # 0: no genuine LFP file
    lfp_probes: int | None = None  # per session; None: every probe with LFP
    behavior_duration_s: float = BEHAVIOR_DURATION_S
    typical_units: int | None = None  # pick the sessions with unit counts nearest this instead

    def __post_init__(self) -> None:
        def bad(value, low):
            return (
                isinstance(value, bool)
                or not isinstance(value, numbers.Real)
                or not math.isfinite(value)
                or value < low
            )

        if bad(self.sessions, 0) or int(self.sessions) != self.sessions:
            raise ValueError(f"nwb_sessions must be a non-negative integer, got {self.sessions!r}")
        for name, low in (("duration_s", 60.0), ("lfp_s", 0.0), ("behavior_duration_s", 60.0)):
            value = getattr(self, name)
            if bad(value, low) or value > 20_000:
                raise ValueError(f"{name} must be a number in [{low:g}, 20000], got {value!r}")
        if self.lfp_probes is not None and (
            bad(self.lfp_probes, 0)
            or self.lfp_probes > 6
            or int(self.lfp_probes) != self.lfp_probes
        ):
            raise ValueError(
                f"lfp_probes must be None or an integer in 0..6, got {self.lfp_probes!r}"
            )
        for name in ("duration_s", "lfp_s", "behavior_duration_s"):  # 60 and 60.0 alike
            object.__setattr__(self, name, float(getattr(self, name)))
        object.__setattr__(self, "sessions", int(self.sessions))
        if self.lfp_probes is not None:
            object.__setattr__(self, "lfp_probes", int(self.lfp_probes))

    @classmethod
    def full_length(cls) -> NwbOptions:
        """One session at the real length (~9,600 s) for the benchmark."""
        return cls(sessions=1, duration_s=FULL_DURATION_S, lfp_s=DEFAULT_LFP_S, lfp_probes=2,
                   typical_units=TYPICAL_UNITS)  # fmt: skip


def choose_sessions(sessions: pd.DataFrame, n: int, typical_units: int | None = None) -> list[int]:
    """``n`` ecephys session ids, whole mice (Familiar then Novel) first; with ``typical_units``,
    the normal sessions whose unit counts are nearest it (a benchmark's representative session)."""
    if n <= 0:
        return []
    if typical_units is not None:
        normal = sessions[
            sessions["abnormal_histology"].isna() & sessions["abnormal_activity"].isna()
        ]
        pool = normal if len(normal) >= n else sessions
        distance = (pool["unit_count"] - typical_units).abs()
        order = pool.assign(distance=distance).sort_values(["distance", "ecephys_session_id"])
        return [int(x) for x in order["ecephys_session_id"][:n]]
    frame = sessions.assign(
        abnormal=sessions["abnormal_histology"].notna() | sessions["abnormal_activity"].notna(),
        cre=sessions["genotype"].str.split("-").str[0].map(_CRE_RANK).fillna(2),
    )
    mice = frame.groupby("mouse_id").agg(
        days=("experience_level", "nunique"),
        abnormal=("abnormal", "any"),
        cre=("cre", "first"),
        units=("unit_count", "sum"),
    )
    mice = mice.sort_values(["abnormal", "units"], kind="stable")
    chosen: list[int] = []
    used_cre: set[float] = set()
    pairs = mice[mice["days"] == 2]
    while len(chosen) + 2 <= n and len(pairs):
        fresh = pairs[~pairs["cre"].isin(used_cre)]
        pool = fresh if len(fresh) else pairs
        pick = pool.sort_values(["abnormal", "cre", "units"], kind="stable").index[0]
        used_cre.add(pairs.loc[pick, "cre"])
        pairs = pairs.drop(index=pick)
        days = frame[frame["mouse_id"] == pick].sort_values("session_number")
        chosen += [int(x) for x in days["ecephys_session_id"]]
    rest = frame[~frame["ecephys_session_id"].isin(chosen)].sort_values(
        ["abnormal", "unit_count"], kind="stable"
    )
    chosen += [int(x) for x in rest["ecephys_session_id"][: n - len(chosen)]]
    return chosen


def choose_behavior(behavior: pd.DataFrame, mice: list[int]) -> list[int]:
    """The last image-task behavior-only session of each mouse."""
    only = behavior[behavior["ecephys_session_id"].isna() & behavior["image_set"].notna()]
    only = only[only["session_type"].str.contains("_images_")]
    out = []
    for mouse in dict.fromkeys(mice):
        rows = only[only["mouse_id"] == mouse]
        if len(rows):
            out.append(int(rows.sort_values("date_of_acquisition")["behavior_session_id"].iloc[-1]))
    return out


def _meta(row, seed: int, ecephys: bool) -> SessionMeta:
    return SessionMeta(
        behavior_session_id=int(row["behavior_session_id"]),
        ecephys_session_id=int(row["ecephys_session_id"]) if ecephys else None,
        session_type=str(row["session_type"]),
        date_of_acquisition=str(row["date_of_acquisition"]),
        equipment_name=str(row["equipment_name"]),
        project_code=str(row.get("project_code", "NeuropixelVisualBehavior")),
        mouse_id=int(row["mouse_id"]),
        genotype=str(row["genotype"]),
        sex=str(row["sex"]),
        age_in_days=int(row["age_in_days"]),
        seed=seed,
    )


def _familiar_set(behavior: pd.DataFrame, mouse: int) -> str:
    """The image set the mouse trained on (its TRAINING_3 days)."""
    rows = behavior[
        (behavior["mouse_id"] == mouse) & behavior["session_type"].str.startswith("TRAINING_3")
    ]
    return str(rows["image_set"].iloc[0]) if len(rows) else "G"


def _reward_ml(session_type: str) -> float:
    digits = session_type.rsplit("_", 2)[-2].removesuffix("uL")
    return int(digits) / 1000 if digits.isdigit() else 0.005


@dataclass(frozen=True)
class Genuine:
    """Genuine files written under a build folder, keyed by bucket key."""

    files: dict[str, Path]
    sessions: dict[int, dict]  # ecephys_session_id -> summary for the marker
    behavior_sessions: dict[int, dict]
    truth: dict[int, pd.DataFrame]


def write_genuine(root: Path, project: str, tables, options: NwbOptions, seed: int) -> Genuine:
    """Write the chosen sessions' genuine files into ``root`` at their bucket keys."""
    sessions = tables.ecephys_sessions.set_index("ecephys_session_id", drop=False)
    behavior = tables.behavior_sessions
    files: dict[str, Path] = {}
    summary: dict[int, dict] = {}
    truth: dict[int, pd.DataFrame] = {}
    chosen = choose_sessions(tables.ecephys_sessions, options.sessions, options.typical_units)
    for rank, sid in enumerate(chosen):
        row = sessions.loc[sid]
        folder = f"{project}/behavior_ecephys_sessions/{sid}"
        key = f"{folder}/ecephys_session_{sid}.nwb"
        parts = session_parts(tables, sid)
        lfp = parts.probes[parts.probes["has_lfp_data"]]["name"].tolist()
        lfp = lfp[: options.lfp_probes] if options.lfp_probes is not None else lfp
        lfp = lfp if options.lfp_s > 0 else []
        lfp_keys = {name: f"{folder}/probe_{name}_lfp.nwb" for name in lfp}
        task = Task(str(row["image_set"]), _familiar_set(behavior, int(row["mouse_id"])),
                    _reward_ml(str(row["session_type"])))  # fmt: skip
        written = write_ecephys_session(
            root / key, {n: root / k for n, k in lfp_keys.items()}, _meta(row, seed, True),
            task=task, parts=parts, duration_s=options.duration_s, lfp_s=options.lfp_s,
            rng_seed=[seed, STREAM_NWB, rank],
        )  # fmt: skip
        files[key] = root / key
        files.update({k: root / k for k in lfp_keys.values()})
        truth[sid] = written.truth
        summary[sid] = {
            "key": key,
            "duration_s": written.duration_s,
            "units": written.unit_count,
            "spikes": written.spike_count,
            "lfp_probes": sorted(lfp_keys),
            "lfp_s": options.lfp_s if lfp_keys else 0.0,
            "experience_level": str(row["experience_level"]),
            "mouse_id": int(row["mouse_id"]),
            "genotype": str(row["genotype"]),
        }
    mice = [int(sessions.loc[sid, "mouse_id"]) for sid in chosen]
    behavior_summary: dict[int, dict] = {}
    indexed = behavior.set_index("behavior_session_id", drop=False)
    for rank, bid in enumerate(choose_behavior(behavior, mice)):
        row = indexed.loc[bid]
        key = f"{project}/behavior_only_sessions/{bid}/behavior_session_{bid}.nwb"
        task = Task(str(row["image_set"]), _familiar_set(behavior, int(row["mouse_id"])),
                    _reward_ml(str(row["session_type"])), active_only=True)  # fmt: skip
        duration = write_behavior_session(
            root / key, _meta(row, seed, False), task, options.behavior_duration_s,
            [seed, STREAM_NWB, 1000 + rank],
        )  # fmt: skip
        files[key] = root / key
        behavior_summary[bid] = {"key": key, "duration_s": duration}
    return Genuine(files, summary, behavior_summary, truth)


def spikes_per_unit_rule(firing_rate: np.ndarray, duration_s: float) -> np.ndarray:
    """The count rule of the synthetic spikes: exactly round(firing_rate x duration) per unit."""
    return np.rint(np.asarray(firing_rate, dtype=np.float64) * duration_s).astype(np.int64)
