"""Write a genuine ecephys session (session file, probe LFP files) or a behavior-only file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from .behavior import add_behavior
from .ecephys import add_optotagging, add_probes, add_units
from .extensions import fast_type_map
from .lfp import write_probe_lfp
from .nwbparts import SessionMeta, add_metadata, new_file, write
from .spikes import mean_waveforms, response_table, synthesize
from .stimuli import Task
from .timeline import build_timeline


@dataclass(frozen=True)
class SessionParts:
    """The release's rows for one ecephys session."""

    probes: pd.DataFrame
    channels: pd.DataFrame
    units: pd.DataFrame  # with the peak channel's probe_channel_number


@dataclass(frozen=True)
class WrittenSession:
    duration_s: float
    unit_count: int
    spike_count: int
    truth: pd.DataFrame
    lfp_samples: dict[str, int]  # probe name -> samples, for the probes given a genuine file


def session_parts(tables, ecephys_session_id: int) -> SessionParts:
    probes = tables.probes[tables.probes["ecephys_session_id"] == ecephys_session_id]
    channels = tables.channels[tables.channels["ecephys_session_id"] == ecephys_session_id]
    units = tables.units[tables.units["ecephys_session_id"] == ecephys_session_id]
    number = channels.set_index("ecephys_channel_id")["probe_channel_number"]
    units = units.assign(probe_channel_number=units["ecephys_channel_id"].map(number).to_numpy())
    return SessionParts(
        probes.reset_index(drop=True), channels.reset_index(drop=True), units.reset_index(drop=True)
    )


@fast_type_map()
def write_ecephys_session(
    path: Path,
    lfp_paths: dict[str, Path],
    meta: SessionMeta,
    *,
    task: Task,
    parts: SessionParts,
    duration_s: float,
    lfp_s: float,
    rng_seed: list[int],
) -> WrittenSession:
    """The session file at ``path`` and a genuine LFP file for each probe in ``lfp_paths``."""
    rng = np.random.default_rng([*rng_seed, 0])
    timeline = build_timeline(task, duration_s, rng)
    events = timeline.events()
    truth = response_table(
        parts.units, meta.genotype, events, timeline.duration, np.random.default_rng([*rng_seed, 1])
    )
    rate_of = dict(
        zip(parts.probes["ecephys_probe_id"], parts.probes["sampling_rate"], strict=True)
    )
    rates = parts.units["ecephys_probe_id"].map(rate_of).to_numpy(np.float64)
    spikes = synthesize(
        parts.units,
        rates,
        truth,
        events=events,
        duration=timeline.duration,
        rng=np.random.default_rng([*rng_seed, 2]),
    )
    waveforms = mean_waveforms(parts.units, np.random.default_rng([*rng_seed, 3]))

    nwbfile = new_file(
        meta,
        identifier=str(meta.ecephys_session_id),
        description=meta.session_type,
        keywords=["visual", "behavior", "task", "neuropixels"],
    )
    add_behavior(nwbfile, timeline, meta.session_type, np.random.default_rng([*rng_seed, 4]))
    add_metadata(nwbfile, meta)
    add_probes(nwbfile, parts.probes, parts.channels)
    add_units(nwbfile, parts.units, spikes, waveforms)
    add_optotagging(nwbfile, timeline.optotagging)
    write(nwbfile, path, meta)
    del nwbfile, spikes, waveforms

    flashes = events["flash"]
    start = float(flashes[0]) - 1.0 if len(flashes) else 0.0
    samples = {}
    for i, (name, lfp_path) in enumerate(sorted(lfp_paths.items())):
        probe = parts.probes[parts.probes["name"] == name].iloc[0]
        channels = parts.channels[parts.channels["ecephys_probe_id"] == probe["ecephys_probe_id"]]
        samples[name] = write_probe_lfp(
            lfp_path,
            meta,
            probe=probe,
            channels=channels,
            start=start,
            seconds=lfp_s,
            flashes=flashes,
            rng=np.random.default_rng([*rng_seed, 10 + i]),
        )
    return WrittenSession(
        timeline.duration, len(parts.units), int(spikes_total(parts, timeline)), truth, samples
    )


def spikes_total(parts: SessionParts, timeline) -> int:
    return int(np.rint(parts.units["firing_rate"].to_numpy() * timeline.duration).sum())


@fast_type_map()
def write_behavior_session(
    path: Path, meta: SessionMeta, task: Task, duration_s: float, rng_seed: list[int]
) -> float:
    """A behavior-only file (training or habituation day): block 0 alone; returns its length."""
    rng = np.random.default_rng([*rng_seed, 0])
    timeline = build_timeline(task, duration_s, rng)
    nwbfile = new_file(
        meta,
        identifier=str(meta.behavior_session_id),
        description=meta.session_type,
        keywords=["visual", "behavior", "task"],
        experiment_description="Visual behavior change detection task (training)",
    )
    add_behavior(nwbfile, timeline, meta.session_type, np.random.default_rng([*rng_seed, 4]))
    add_metadata(nwbfile, meta)
    write(nwbfile, path, meta)
    return timeline.duration
