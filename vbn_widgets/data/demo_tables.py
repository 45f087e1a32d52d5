"""Synthetic VBN metadata tables for the demo release.

Everything is drawn from ``numpy.random.default_rng([seed, stream])`` streams, one stream per
concern, and vectorised over units and channels, so a full-scale release (319,013 units) is built
in a few seconds and the same ``(scale, seed)`` always gives the same tables.

The tables follow the real release: column names and order, row counts at scale 1, id ranges,
list reprs, UTC timestamp strings and the quality-metric distributions (about 120,000 units pass
the tutorial thresholds ``isi_violations < 0.5``, ``amplitude_cutoff < 0.1``,
``presence_ratio > 0.9``).

This module assembles the tables; the parts are drawn in ``demo_sessions`` (mice and
sessions), ``demo_probes`` (probes and channels) and ``demo_units`` (units and their quality
metrics), with shared constants and row counts in ``demo_constants``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from .demo_constants import (
    BEHAVIOR_SESSION_COLUMNS,
    CHANNEL_COLUMNS,
    CHANNELS_PER_PROBE,
    ECEPHYS_SESSION_COLUMNS,
    NO_FILE,
    PROBE_COLUMNS,
    PROJECT_CODE,
    STREAM_FILE_IDS,
    STREAM_MICE,
    UNIT_COLUMNS_V040,
    Counts,
    check_seed,
    counts_for_scale,
    stream,
)
from .demo_probes import build_channels, build_geometry, build_probes
from .demo_sessions import (
    build_behavior_rows,
    build_ecephys_rows,
    build_mice,
    draw_abnormalities,
)
from .demo_units import build_units


@dataclass(frozen=True, eq=False)
class DemoTables:
    """The five tables (units in both released versions), file ids already assigned."""

    ecephys_sessions: pd.DataFrame
    behavior_sessions: pd.DataFrame
    probes: pd.DataFrame
    channels: pd.DataFrame
    units: pd.DataFrame  # v0.5.0: with `quality`, recomputed amplitudes
    units_v040: pd.DataFrame


def timestamps(ms: np.ndarray) -> np.ndarray:
    """'2020-08-19 14:47:08.574000+00:00' strings from milliseconds since the Unix epoch."""
    text = np.datetime_as_string(ms.astype("datetime64[ms]").astype("datetime64[us]"), unit="us")
    return np.char.add(np.char.replace(text, "T", " "), "+00:00")


def list_repr(items) -> str:
    return str(sorted(items))


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
    mice = build_mice(counts, seed)
    rows = build_behavior_rows(mice, seed)
    ephys = build_ecephys_rows(rows, mice, seed)

    probes = build_probes(ephys, counts, seed)
    geo = build_geometry(probes["letter"].to_numpy(), seed)
    channels = build_channels(probes, geo, seed)
    units, units_v040, per_channel = build_units(probes, channels, geo, seed)
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
    histology, activity = draw_abnormalities(
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
