"""Small VBN-shaped NWB files written by pynwb, laid out as vbn-nwb.md describes the real ones.

pynwb writes the core parts (units with ragged spike times, amplitudes and waveforms, electrodes,
one TimeIntervals table per stimulus, trials, processing modules); h5py then adds what the Allen
extensions carry (probe ids on devices and electrode groups, ``/general/metadata``,
``/general/task_parameters``, the subject's driver and reporter lines, eye tracking, stimulus
templates), so no extension classes are needed to write or read them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from pathlib import Path

import h5py
import numpy as np
import pandas as pd
from vbn_testing.nwb_layout import UNIT_COLUMNS

IMAGES = ("im000_r", "im031_r", "im035_r", "im045_r", "im054_r", "im073_r", "im075_r", "im106_r")
IMAGE_SET = "Natural_Images_Lum_Matched_set_ophys_G_2019"


@dataclass
class SessionSpec:
    """What to write; ``units_per_probe`` and ``duration`` set the size."""

    session_id: int = 1044385384
    behavior_session_id: int = 1044408432
    probes: tuple[str, ...] = ("probeA", "probeB", "probeC")
    units_per_probe: int = 12
    channels_per_probe: int = 24
    duration: float = 120.0
    seed: int = 0
    lfp_probes: tuple[str, ...] = ("probeA", "probeC")
    rate_hz: float | None = None  # None: 5-400 spikes per unit; else Poisson at ~rate_hz
    keep_spikes: bool = True
    # filled by write_session
    probe_ids: dict[str, int] = field(default_factory=dict)
    spikes: dict[int, np.ndarray] = field(default_factory=dict)
    units: pd.DataFrame | None = None


def _units_frame(spec: SessionSpec, rng: np.random.Generator, channels: pd.DataFrame):
    rows = []
    uid = 950_000_000 + spec.session_id % 1000 * 1000
    for probe in spec.probes:
        chans = channels[channels["group_name"] == probe].index.to_numpy()
        for local in range(spec.units_per_probe):
            uid += int(rng.integers(1, 5))
            row = {c: float(rng.random()) for c in UNIT_COLUMNS}
            row.update(
                cluster_id=local * 2,
                local_index=local,
                peak_channel_id=int(rng.choice(chans)),
                quality="good" if rng.random() < 0.7 else "noise",
                amplitude_cutoff=float(
                    rng.choice([0.5, rng.random() * 0.2, np.nan], p=[0.2, 0.7, 0.1])
                ),
                isi_violations=float(rng.choice([0.0, rng.random(), np.nan], p=[0.2, 0.7, 0.1])),
                presence_ratio=float(rng.choice([0.99, rng.random(), np.nan], p=[0.5, 0.45, 0.05])),
            )
            rows.append((uid, row))
    # Interleave probes in file order, as a sorter's output need not be grouped by probe.
    order = rng.permutation(len(rows))
    rows = [rows[i] for i in order]
    frame = pd.DataFrame([r for _, r in rows], index=pd.Index([u for u, _ in rows], name="id"))
    frame = frame[list(UNIT_COLUMNS)]
    for name in ("cluster_id", "local_index", "peak_channel_id"):
        frame[name] = frame[name].astype(np.int64)
    return frame


def _channels(spec: SessionSpec, rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for p, probe in enumerate(spec.probes):
        pid = spec.probe_ids[probe]
        areas = rng.choice(["VISp", "CA1", "DG-mo", "LGd", "root", "None"], spec.channels_per_probe)
        for ch in range(spec.channels_per_probe):
            rows.append(
                {
                    "id": 1_049_000_000 + p * 1000 + ch,
                    "x": float(rng.integers(7000, 9000)),
                    "y": float(rng.integers(1000, 3000)),
                    "z": float(rng.integers(7000, 9000)),
                    "location": str(areas[ch]),
                    "group_name": probe,
                    "probe_vertical_position": 20 * (ch // 2),
                    "probe_horizontal_position": (43, 11, 59, 27)[ch % 4],
                    "probe_id": pid,
                    "probe_channel_number": ch,
                    "valid_data": bool(ch % 7 != 3),
                }
            )
    return pd.DataFrame(rows).set_index("id")


def _presentations(spec: SessionSpec, rng: np.random.Generator) -> dict[str, pd.DataFrame]:
    t0, period = 26.0, 0.75
    n_active = int((spec.duration * 0.4) / period)
    start = t0 + period * np.arange(n_active)
    image = rng.choice(IMAGES, n_active)
    omitted = rng.random(n_active) < 0.05
    names = np.where(omitted, "omitted", image)
    prev = pd.Series(names).where(~omitted).ffill().shift()
    is_change = (pd.Series(names) != prev) & ~omitted & prev.notna()
    images = pd.DataFrame(
        {
            "start_time": start,
            "stop_time": start + 0.25,
            "stimulus_block": 0,
            "stimulus_name": IMAGE_SET,
            "image_name": names,
            "duration": 0.25,
            "start_frame": (start * 60).astype(int),
            "end_frame": np.where(omitted, np.nan, (start * 60 + 15)),
            "is_change": is_change.astype(float),
            "is_image_novel": 0.0,
            "omitted": omitted.astype(float),
            "flashes_since_change": rng.integers(0, 10, n_active).astype(float),
            "trials_id": np.arange(n_active) // 6,
            "is_sham_change": 0.0,
            "active": 1.0,
            "rewarded": (rng.random(n_active) < 0.1).astype(float),
        }
    )
    spont_t = start[-1] + 1.0
    spont = pd.DataFrame(
        {
            "start_time": [spont_t],
            "stop_time": [spont_t + 10.0],
            "stimulus_block": [1],
            "stimulus_name": ["spontaneous"],
            "duration": [10.0],
            "start_frame": [int(spont_t * 60)],
            "end_frame": [int(spont_t * 60) + 600.0],
        }
    )
    g0 = spont_t + 10.0
    n_g = 40
    gstart = g0 + 0.25 * np.arange(n_g)
    gabors = pd.DataFrame(
        {
            "start_time": gstart,
            "stop_time": gstart + 0.25,
            "stimulus_block": 2,
            "stimulus_name": "gabor_20_deg_250ms",
            "image_name": "N/A",
            "duration": 0.25,
            "start_frame": (gstart * 60).astype(int),
            "end_frame": (gstart * 60 + 15),
            "stimulus_index": 0.0,
            "contrast": 0.8,
            "position_x": rng.choice([-30.0, 0.0, 30.0], n_g),
            "position_y": rng.choice([-30.0, 0.0, 30.0], n_g),
            "spatial_frequency": 0.08,
            "temporal_frequency": 4.0,
            "orientation": rng.choice([0.0, 45.0, 90.0], n_g),
        }
    )
    f0 = gstart[-1] + 1.0
    n_f = 10
    fstart = f0 + 2.0 * np.arange(n_f)
    flashes = pd.DataFrame(
        {
            "start_time": fstart,
            "stop_time": fstart + 0.25,
            "stimulus_block": 4,
            "stimulus_name": "flash_250ms",
            "duration": 0.25,
            "start_frame": (fstart * 60).astype(int),
            "end_frame": (fstart * 60 + 15),
            "stimulus_index": 1.0,
            "color": rng.choice([-1.0, 1.0], n_f),
        }
    )
    return {
        f"{IMAGE_SET}_presentations": images,
        "spontaneous_presentations": spont,
        "gabor_20_deg_250ms_presentations": gabors,
        "flash_250ms_presentations": flashes,
    }


def _trials(spec: SessionSpec, rng: np.random.Generator, n: int = 20) -> pd.DataFrame:
    start = 26.0 + np.arange(n) * 4.5
    go = rng.random(n) < 0.6
    hit = go & (rng.random(n) < 0.6)
    change_time = np.where(go, start + 2.0, np.nan)
    return pd.DataFrame(
        {
            "start_time": start,
            "stop_time": start + 4.0,
            "initial_image_name": rng.choice(IMAGES, n),
            "change_image_name": rng.choice(IMAGES, n),
            "is_change": go,
            "change_time_no_display_delay": change_time,
            "go": go,
            "catch": ~go,
            "lick_times": [np.sort(s + rng.random(int(rng.integers(0, 4))) * 3) for s in start],
            "response_time": np.where(hit, start + 2.4, np.nan),
            "reward_time": np.where(hit, start + 2.45, np.nan),
            "reward_volume": np.where(hit, 0.003, 0.0),
            "hit": hit,
            "false_alarm": ~go & (rng.random(n) < 0.2),
            "miss": go & ~hit,
            "correct_reject": ~go,
            "aborted": np.zeros(n, bool),
            "auto_rewarded": np.zeros(n, bool),
            "change_frame": np.where(go, (start + 2.0) * 60, -99).astype(np.int64),
            "trial_length": np.full(n, 4.0),
        }
    )


def _write_core(path: Path, spec: SessionSpec, rng: np.random.Generator) -> dict:
    from hdmf.common import VectorData, VectorIndex
    from pynwb import NWBHDF5IO, NWBFile, ProcessingModule, TimeSeries
    from pynwb.epoch import TimeIntervals
    from pynwb.file import Subject
    from pynwb.misc import Units

    start = dt.datetime(2020, 8, 19, 14, 47, 8, 574000, tzinfo=dt.timezone.utc)
    nwb = NWBFile(
        session_description="EPHYS_1_images_G_3uL_reward",
        identifier=str(spec.session_id),
        session_start_time=start,
        institution="Allen Institute for Brain Science",
    )
    nwb.subject = Subject(
        subject_id="524760",
        age="P120D",
        sex="M",
        species="Mus musculus",
        genotype="Sst-IRES-Cre/wt;Ai32(RCL-ChR2(H134R)_EYFP)/wt",
    )
    channels = _channels(spec, rng)
    for col, desc in (
        ("probe_vertical_position", "um"),
        ("probe_horizontal_position", "um"),
        ("probe_id", "probe"),
        ("probe_channel_number", "channel"),
        ("valid_data", "valid"),
    ):
        nwb.add_electrode_column(name=col, description=desc)
    groups = {}
    for probe in spec.probes:
        device = nwb.create_device(name=probe, description="Neuropixels 1.0 Probe")
        groups[probe] = nwb.create_electrode_group(
            name=probe,
            description="Ecephys Electrode Group",
            location="See electrode locations",
            device=device,
        )
    for cid, row in channels.iterrows():
        nwb.add_electrode(
            id=int(cid),
            x=row.x,
            y=row.y,
            z=row.z,
            imp=np.nan,
            location=row.location,
            filtering="AP band: 500 Hz high-pass; LFP band: 1000 Hz low-pass",
            group=groups[row.group_name],
            probe_vertical_position=int(row.probe_vertical_position),
            probe_horizontal_position=int(row.probe_horizontal_position),
            probe_id=int(row.probe_id),
            probe_channel_number=int(row.probe_channel_number),
            valid_data=bool(row.valid_data),
        )
    units = _units_frame(spec, rng, channels)
    spike_list, amp_list, wave_list = [], [], []
    for uid in units.index:
        if spec.rate_hz is None:
            n = int(rng.integers(5, 400))
        else:
            n = int(rng.poisson(spec.rate_hz * rng.lognormal(-0.5, 1.0) * spec.duration))
        times = np.sort(rng.random(n) * spec.duration)
        if spec.keep_spikes:
            spec.spikes[int(uid)] = times
        spike_list.append(times)
        amp_list.append(rng.random(n) * 1e-4)
        wave_list.append(rng.standard_normal((4, 6)))

    def ragged(name, arrays):
        ends = np.cumsum([len(a) for a in arrays])
        data = VectorData(name=name, description=name, data=np.concatenate(arrays))
        return data, VectorIndex(name=f"{name}_index", data=ends, target=data)

    cols = [
        VectorData(
            name=c,
            description=c,
            data=units[c].to_numpy().tolist() if c == "quality" else units[c].to_numpy(),
        )
        for c in UNIT_COLUMNS
    ]
    st, sti = ragged("spike_times", spike_list)
    sa, sai = ragged("spike_amplitudes", amp_list)
    wm, wmi = ragged("waveform_mean", wave_list)
    nwb.units = Units(
        name="units",
        description="units",
        id=units.index.to_numpy(),
        columns=[*cols, st, sti, sa, sai, wm, wmi],
    )
    frames = np.arange(0, spec.duration, 1 / 60)
    stim = ProcessingModule(name="stimulus", description="stimulus")
    ts = TimeSeries(name="timestamps", data=np.arange(len(frames)), timestamps=frames, unit="s")
    stim.add(ts)
    nwb.add_processing_module(stim)
    for name, frame in _presentations(spec, rng).items():
        table = TimeIntervals.from_dataframe(frame, name=name)
        table.fields["description"] = f"Presentation times for {name}"
        nwb.add_time_intervals(table)
    trials = _trials(spec, rng)
    for col in trials.columns:
        if col not in ("start_time", "stop_time"):
            nwb.add_trial_column(name=col, description=col, index=col == "lick_times")
    for _, row in trials.iterrows():
        nwb.add_trial(**row.to_dict())
    lick_t = np.sort(rng.random(80) * spec.duration)
    licking = ProcessingModule(name="licking", description="licking")
    licking.add(
        TimeSeries(name="licks", data=(lick_t * 60).astype(int), timestamps=lick_t, unit="N/A")
    )
    nwb.add_processing_module(licking)
    reward_t = np.sort(rng.random(6) * spec.duration)
    rewards = ProcessingModule(name="rewards", description="rewards")
    rewards.add(TimeSeries(name="volume", data=np.full(6, 0.003), timestamps=reward_t, unit="mL"))
    rewards.add(
        TimeSeries(
            name="autorewarded", data=np.array([True, False] * 3), timestamps=reward_t, unit="mL"
        )
    )
    nwb.add_processing_module(rewards)
    running = ProcessingModule(name="running", description="running")
    speed = rng.standard_normal(len(frames)) * 5
    running.add(TimeSeries(name="speed", data=speed, timestamps=frames, unit="cm/s"))
    running.add(
        TimeSeries(name="speed_unfiltered", data=speed * 1.1, timestamps=frames, unit="cm/s")
    )
    nwb.add_processing_module(running)
    opto = ProcessingModule(name="optotagging", description="optogenetic stimulution data")
    o_start = spec.duration - 10 + np.arange(6) * 1.5
    opto_frame = pd.DataFrame(
        {
            "start_time": o_start,
            "condition": "a single square pulse",
            "level": np.tile([1.0, 2.0], 3),
            "stop_time": o_start + 0.01,
            "stimulus_name": "pulse",
            "duration": 0.01,
        }
    )
    opto.add(
        TimeSeries(
            name="optotagging", data=opto_frame["duration"].to_numpy(), timestamps=o_start, unit="s"
        )
    )
    opto.add(TimeIntervals.from_dataframe(opto_frame, name="optogenetic_stimulation"))
    nwb.add_processing_module(opto)
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return {"channels": channels, "units": units, "trials": trials, "frames": frames}


def _write_extensions(path: Path, spec: SessionSpec, rng: np.random.Generator, n_frames: int):
    with h5py.File(path, "a") as f:
        for probe in spec.probes:
            pid = spec.probe_ids[probe]
            dev = f[f"general/devices/{probe}"]
            dev.attrs["probe_id"] = pid
            dev.attrs["sampling_rate"] = 30000.0 + pid % 7
            grp = f[f"general/extracellular_ephys/{probe}"]
            grp.attrs["probe_id"] = pid
            grp.attrs["has_lfp_data"] = probe in spec.lfp_probes
            grp.attrs["lfp_sampling_rate"] = 1250.0 if probe in spec.lfp_probes else np.nan
        subject = f["general/subject"]
        subject.attrs["driver_line"] = np.array(["Sst-IRES-Cre"], dtype=object)
        subject.attrs["reporter_line"] = "Ai32(RCL-ChR2(H134R)_EYFP)"
        meta = f.create_group("general/metadata")
        meta.attrs.update(
            {
                "neurodata_type": "BehaviorMetadata",
                "behavior_session_id": spec.behavior_session_id,
                "stimulus_frame_rate": 60.0,
                "session_type": "EPHYS_1_images_G_3uL_reward",
                "equipment_name": "NP.1",
                "project_code": "NeuropixelVisualBehavior",
                "behavior_session_uuid": "1b6e9c2a-3c57-4f4e-9f7d-0a1f2b3c4d5e",
            }
        )
        task = f.create_group("general/task_parameters")
        task.attrs.update(
            {
                "neurodata_type": "BehaviorTaskParameters",
                "stimulus_distribution": "geometric",
                "auto_reward_volume": 0.005,
                "stimulus_name": IMAGE_SET,
                "blank_duration_sec": [0.5, 0.5],
                "omitted_flash_fraction": 0.05,
                "task": "change detection",
                "n_stimulus_frames": n_frames,
                "stimulus": "images",
                "session_type": "EPHYS_1_images_G_3uL_reward",
                "reward_volume": 0.003,
                "response_window_sec": [0.15, 0.75],
                "stimulus_duration_sec": 0.25,
            }
        )
        eye = f.create_group("acquisition/EyeTracking")
        eye.attrs["neurodata_type"] = "EllipseEyeTracking"
        n = n_frames
        t = np.arange(n) / 60.0
        for name in ("eye_tracking", "pupil_tracking", "corneal_reflection_tracking"):
            g = eye.create_group(name)
            g.attrs["neurodata_type"] = "EllipseSeries"
            g["data"] = rng.random((n, 2)) * 300
            for col in ("area", "area_raw", "width", "height", "angle"):
                values = rng.random(n) * 100
                values[rng.integers(0, n, 3)] = np.nan if col == "area_raw" else values[0]
                values[rng.integers(0, n, 2)] *= 50 if col == "area_raw" else 1  # outliers
                g[col] = values
            g["timestamps"] = t
        blink = eye.create_group("likely_blink")
        blink["data"] = np.zeros(n, bool)
        blink["timestamps"] = t
        tmpl = f.require_group("stimulus/templates").create_group(f"{IMAGE_SET}.05.26")
        tmpl.attrs["neurodata_type"] = "StimulusTemplate"
        tmpl["data"] = rng.integers(0, 255, (8, 12, 16), dtype=np.uint8)
        tmpl["unwarped"] = rng.random((8, 12, 16))
        tmpl["control_description"] = np.array(IMAGES, dtype=object)


def write_session(path: Path, spec: SessionSpec | None = None) -> SessionSpec:
    """Write a VBN-shaped ecephys session file at ``path``; returns the spec with what it wrote."""
    spec = spec or SessionSpec()
    rng = np.random.default_rng(spec.seed)
    if not spec.probe_ids:
        spec.probe_ids = {
            p: 1_044_500_000 + spec.session_id % 1000 + i for i, p in enumerate(spec.probes)
        }
    written = _write_core(path, spec, rng)
    _write_extensions(path, spec, rng, len(written["frames"]))
    spec.units = written["units"]
    return spec


def write_lfp(path: Path, spec: SessionSpec, probe: str, samples: int = 500) -> np.ndarray:
    """A probe LFP file: (samples x every 4th channel) float32 volts at 1250 Hz."""
    from pynwb import NWBHDF5IO, NWBFile
    from pynwb.ecephys import LFP

    pid = spec.probe_ids[probe]
    nwb = NWBFile(
        session_description="LFP data and associated info for one probe",
        identifier=str(pid),
        session_id=str(spec.session_id),
        session_start_time=dt.datetime(2020, 8, 19, tzinfo=dt.timezone.utc),
    )
    device = nwb.create_device(name=probe)
    group = nwb.create_electrode_group(name=probe, description="g", location="x", device=device)
    p = spec.probes.index(probe)
    channel_ids = [1_049_000_000 + p * 1000 + ch for ch in range(0, spec.channels_per_probe, 4)]
    for cid in channel_ids:
        nwb.add_electrode(
            id=cid, x=0.0, y=0.0, z=0.0, imp=np.nan, location="VISp", filtering="f", group=group
        )
    region = nwb.create_electrode_table_region(list(range(len(channel_ids))), "lfp channels")
    data = (
        np.random.default_rng(pid).standard_normal((samples, len(channel_ids))).astype(np.float32)
    )
    lfp = LFP(name=f"probe_{pid}_lfp")
    lfp.create_electrical_series(
        name=f"probe_{pid}_lfp_data",
        data=data,
        electrodes=region,
        timestamps=10.0 + np.arange(samples) / 1250.0,
    )
    nwb.add_acquisition(lfp)
    with NWBHDF5IO(str(path), "w") as io:
        io.write(nwb)
    return data
