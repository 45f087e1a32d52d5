"""Shared constants of the synthetic VBN demo release, and its row counts at a given scale.

Row counts of the full release, column orders of the five tables, Allen CCF structure ids, the
regions each probe is aimed at, and the ids of the numpy streams every part draws from.
"""

from __future__ import annotations

import math
import numbers
import operator
from dataclasses import dataclass

import numpy as np

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
CORTEX_BY_PROBE = ("VISam", "VISpm", "VISp", "VISl", "VISal", "VISrl")
DEEP_BY_PROBE = (
    ("APN", "MB", "MRN", "NOT", "PPT", "SCig"),
    ("LP", "POL", "PoT", "PIL", "TH", "SGN"),
    ("SCig", "SCiw", "MB", "MRN", "APN", "NB"),
    ("LGd", "LGv", "TH", "ZI", "LP", "IGL"),
    ("MGd", "MGv", "MGm", "SGN", "TH", "PIL"),
    ("LP", "POL", "PoT", "TH", "SGN", "Eth"),
)
HIPPOCAMPUS_TOP = (("CA1",), ("CA1",), ("SUB",), ("POST",), ("ProS", "CA1"), ("HPF", "CA1"))


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
