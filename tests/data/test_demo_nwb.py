"""Genuine NWB files of the demo release: manifests, layout, dtypes, units, spikes, behavior, and
the built-in responses a scientist should find in them."""

from __future__ import annotations

import hashlib
import json
import re
import uuid

import h5py
import numpy as np
import pandas as pd
import pytest
from vbn_testing.nwb_layout import UNIT_COLUMNS

from vbn_widgets.data import demo
from vbn_widgets.data.demo import is_standin, read_marker, write_demo_release
from vbn_widgets.data.demo_nwb.plan import NwbOptions, spikes_per_unit_rule
from vbn_widgets.data.demo_nwb.spikes import VISUAL_CORTEX

PROJECT = "visual-behavior-neuropixels"
URL = "https://visual-behavior-neuropixels-data.s3.us-west-2.amazonaws.com/"
HDF5_SIGNATURE = b"\x89HDF\r\n\x1a\n"


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    root = tmp_path_factory.mktemp("nwb") / "bucket"
    return write_demo_release(
        root, scale=0.02, seed=7, nwb_sessions=2, session_duration_s=300, lfp_s=2, lfp_probes=1
    )


def manifest(release, version):
    return json.loads(release.manifest_paths[version].read_text())


def path_of(release, entry, version):
    key = entry["url"][len(URL) :]
    latest = {e["url"]: e["version_id"] for e in manifest(release, "0.5.0")["data_files"].values()}
    if latest[entry["url"]] == entry["version_id"]:
        return release.root / key
    return release.root / ".versions" / entry["version_id"] / key


def session_file(release, sid):
    return release.root / release.nwb["sessions"][str(sid)]["key"]


def ragged(group, name):
    ends = group[f"{name}_index"][:]
    return np.split(group[name][:], ends[:-1])


def units_csv(release, sid):
    units = pd.read_csv(release.project_dir / "project_metadata" / "units.csv")
    return units[units["ecephys_session_id"] == sid].reset_index(drop=True)


def table(group, columns):
    return pd.DataFrame({c: group[c][:] for c in columns})


def presentations(f):
    parts = []
    for name, group in f["intervals"].items():
        if name.endswith("_presentations"):
            cols = [c for c in group.attrs["colnames"] if c not in ("tags", "timeseries")]
            frame = table(group, ["start_time", "stop_time", *cols])
            parts.append(frame.assign(stimulus_name=frame["stimulus_name"].str.decode("utf8")))
    return pd.concat(parts, ignore_index=True).sort_values("start_time", ignore_index=True)


# ---------------------------------------------------------------------------------------------


def test_genuine_files_carry_their_real_hashes_in_both_manifests(release):
    marker = read_marker(release.root)
    assert len(release.nwb_sessions) == 2 and len(release.nwb_behavior_sessions) == 1
    genuine = {s["key"] for s in marker["nwb"]["sessions"].values()}
    lfp = {
        f"{PROJECT}/behavior_ecephys_sessions/{sid}/probe_{p}_lfp.nwb"
        for sid, s in marker["nwb"]["sessions"].items()
        for p in s["lfp_probes"]
    }
    assert len(lfp) == 2
    behavior = {s["key"] for s in marker["nwb"]["behavior_sessions"].values()}
    old, new = manifest(release, "0.4.0"), manifest(release, "0.5.0")
    seen = set()
    for version, data in (("0.4.0", old), ("0.5.0", new)):
        for fid, entry in data["data_files"].items():
            key = entry["url"][len(URL) :]
            path = path_of(release, entry, version)
            raw = path.read_bytes()
            assert hashlib.blake2b(raw).hexdigest() == entry["file_hash"]
            real = key in lfp | behavior or (key in genuine and version == "0.5.0")
            assert raw.startswith(HDF5_SIGNATURE) == real, (version, key)
            assert is_standin(path) != real
            if real:
                seen.add(key)
                assert old["data_files"][fid]["url"] == entry["url"]
    assert seen == genuine | lfp | behavior
    # The reprocessed v0.5.0 session file is genuine; its superseded v0.4.0 version a stand-in.
    for key in genuine:
        old_entry = next(e for e in old["data_files"].values() if e["url"].endswith(key))
        assert is_standin(path_of(release, old_entry, "0.4.0"))


def test_session_file_layout_types_and_dtypes(release):
    sid = release.nwb_sessions[0]
    with h5py.File(session_file(release, sid), "r") as f:
        assert f["identifier"][()].decode() == str(sid)
        assert f["general/institution"][()].decode() == "Allen Institute for Brain Science"
        types = {
            "general/subject": ("ndx-aibs-behavior-ophys", "BehaviorSubject"),
            "general/metadata": ("ndx-aibs-behavior-ophys", "BehaviorMetadata"),
            "general/task_parameters": ("ndx-aibs-behavior-ophys", "BehaviorTaskParameters"),
            "acquisition/EyeTracking": ("ndx-ellipse-eye-tracking", "EllipseEyeTracking"),
            "acquisition/EyeTracking/pupil_tracking": ("ndx-ellipse-eye-tracking", "EllipseSeries"),
            "units": ("core", "Units"),
            "intervals/trials": ("core", "TimeIntervals"),
            "processing/optotagging/optogenetic_stimulation": ("core", "TimeIntervals"),
        }
        for name in f["general/extracellular_ephys"]:
            if name.startswith("probe"):
                types[f"general/extracellular_ephys/{name}"] = (
                    "ndx-aibs-ecephys",
                    "EcephysElectrodeGroup",
                )
                types[f"general/devices/{name}"] = ("ndx-aibs-ecephys", "EcephysProbe")
        (template,) = f["stimulus/templates"]
        assert re.fullmatch(r"Natural_Images_Lum_Matched_set_ophys_[GH]_2019\.05\.26", template)
        types[f"stimulus/templates/{template}"] = ("ndx-aibs-stimulus-template", "StimulusTemplate")
        for path, (namespace, kind) in types.items():
            assert f[path].attrs["namespace"] == namespace, path
            assert f[path].attrs["neurodata_type"] == kind, path
            uuid.UUID(f[path].attrs["object_id"])
        assert sorted(f["specifications"]) == sorted(
            [
                "core",
                "hdmf-common",
                "hdmf-experimental",
                "ndx-aibs-behavior-ophys",
                "ndx-aibs-ecephys",
                "ndx-aibs-stimulus-template",
                "ndx-ellipse-eye-tracking",
            ]
        )
        assert list(f["specifications/core"]) == ["2.8.0"]
        units = f["units"]
        assert list(units.attrs["colnames"]) == [
            *UNIT_COLUMNS,
            "spike_times",
            "spike_amplitudes",
            "waveform_mean",
        ]
        assert units["spike_times"].dtype == units["spike_amplitudes"].dtype == np.float64
        assert units["waveform_mean"].dtype == np.float32
        assert units["waveform_mean"].shape == (384 * len(units["id"]), 82)
        assert units["spike_times"].compression is None  # contiguous, as pynwb writes by default
        names = {n for n in f["intervals"] if n.endswith("_presentations")}
        image_sets = [n for n in names if n.startswith("Natural_Images")]
        assert len(image_sets) == 1
        assert names - set(image_sets) == {
            "gabor_20_deg_250ms_presentations",
            "flash_250ms_presentations",
            "spontaneous_presentations",
        }
        for path in (
            "processing/stimulus/timestamps",
            "processing/licking/licks",
            "processing/rewards/volume",
            "processing/rewards/autorewarded",
            "processing/running/speed",
            "processing/running/speed_unfiltered",
            "processing/running/dx",
            "acquisition/v_in",
            "acquisition/v_sig",
        ):
            assert f[f"{path}/timestamps"].dtype == np.float64, path
        electrodes = f["general/extracellular_ephys/electrodes"]
        assert {
            "x",
            "y",
            "z",
            "location",
            "group",
            "group_name",
            "probe_id",
            "imp",
            "filtering",
            "probe_channel_number",
            "probe_vertical_position",
            "probe_horizontal_position",
            "valid_data",
        } == set(electrodes.attrs["colnames"])
        params = f["general/task_parameters"].attrs
        window = [x.decode() if isinstance(x, bytes) else x for x in params["response_window_sec"]]
        assert window == ["0.15", "0.75"]


def test_lfp_and_behavior_files(release):
    sid = release.nwb_sessions[0]
    summary = release.nwb["sessions"][str(sid)]
    (probe,) = summary["lfp_probes"]
    lfp_path = session_file(release, sid).parent / f"probe_{probe}_lfp.nwb"
    probes = pd.read_csv(release.project_dir / "project_metadata" / "probes.csv")
    row = probes[(probes["ecephys_session_id"] == sid) & (probes["name"] == probe)].iloc[0]
    pid = row["ecephys_probe_id"]
    with h5py.File(lfp_path, "r") as f:
        assert f["identifier"][()].decode() == str(pid)
        series = f[f"acquisition/probe_{pid}_lfp/probe_{pid}_lfp_data"]
        assert series.attrs["neurodata_type"] == "ElectricalSeries"
        assert series["data"].dtype == np.float32 and series["timestamps"].dtype == np.float64
        rate = row["lfp_sampling_rate"] / 2
        assert series["data"].shape == (int(2 * rate), 96)
        assert np.allclose(np.diff(series["timestamps"][:]), 1 / rate)
        assert f[f"general/extracellular_ephys/{probe}"].attrs["lfp_sampling_rate"] == rate
        assert 5e-6 < np.std(series["data"][:]) < 5e-4  # volts, tens of microvolts
        csd = f["processing/current_source_density/ecephys_csd"]
        assert csd.attrs["neurodata_type"] == "EcephysCSD"
        assert csd["current_source_density/data"].shape[1] == 384
    (bid,) = release.nwb_behavior_sessions
    key = release.nwb["behavior_sessions"][str(bid)]["key"]
    with h5py.File(release.root / key, "r") as f:
        assert f["identifier"][()].decode() == str(bid)
        assert f["general/metadata"].attrs["behavior_session_id"] == bid
        assert "units" not in f and "EyeTracking" not in f["acquisition"]
        assert len(f["intervals/trials/id"]) > 20


def test_units_match_the_units_table(release):
    for sid in release.nwb_sessions:
        expected = units_csv(release, sid)
        with h5py.File(session_file(release, sid), "r") as f:
            units = f["units"]
            assert (units["id"][:] == expected["unit_id"].to_numpy()).all()
            assert (units["peak_channel_id"][:] == expected["ecephys_channel_id"].to_numpy()).all()
            for name in (
                "firing_rate",
                "amplitude_cutoff",
                "isi_violations",
                "presence_ratio",
                "snr",
                "d_prime",
                "isolation_distance",
                "PT_ratio",
                "velocity_below",
            ):
                np.testing.assert_array_equal(units[name][:], expected[name].to_numpy(), name)
            quality = [q.decode() for q in units["quality"][:]]
            assert quality == expected["quality"].tolist()
            channels = pd.read_csv(release.project_dir / "project_metadata" / "channels.csv")
            channels = channels[channels["ecephys_session_id"] == sid]
            electrode_ids = f["general/extracellular_ephys/electrodes/id"][:]
            assert sorted(electrode_ids) == sorted(channels["ecephys_channel_id"])


def test_spike_counts_follow_the_count_rule(release):
    for sid in release.nwb_sessions:
        duration = release.nwb["sessions"][str(sid)]["duration_s"]
        expected = units_csv(release, sid)
        with h5py.File(session_file(release, sid), "r") as f:
            counts = np.diff(f["units/spike_times_index"][:], prepend=0)
            times = ragged(f["units"], "spike_times")
            amplitudes = ragged(f["units"], "spike_amplitudes")
        rule = spikes_per_unit_rule(expected["firing_rate"].to_numpy(), duration)
        np.testing.assert_array_equal(counts, rule)
        assert counts.sum() == release.nwb["sessions"][str(sid)]["spikes"]
        for t, a, amp in zip(times[:200], amplitudes[:200], expected["amplitude"], strict=False):
            assert (np.diff(t) >= 0).all() and (t >= 0).all() and (t < duration).all()
            assert len(a) == len(t)
            if len(a) > 10:  # volts, around the unit's amplitude in microvolts
                assert 0.5 < np.median(a) / (amp * 1e-6) < 2


def test_stimulus_blocks_replay_and_optotagging(release):
    sid = release.nwb_sessions[0]
    with h5py.File(session_file(release, sid), "r") as f:
        p = presentations(f)
        opto = f["processing/optotagging/optogenetic_stimulation"]
        names = {s.decode() for s in opto["stimulus_name"][:]}
        assert names == {"pulse", "raised_cosine"}
        assert set(np.round(opto["duration"][:], 3)) == {0.01, 1.0}
        assert len(set(opto["level"][:])) == 3
        assert opto["start_time"][0] > p["stop_time"].max()
    assert sorted(p["stimulus_block"].unique()) == [0, 1, 2, 3, 4, 5]
    first = p[p["stimulus_block"] == 0]
    replay = p[p["stimulus_block"] == 5]
    assert len(first) == len(replay) > 100
    shift = replay["start_time"].to_numpy() - first["start_time"].to_numpy()
    assert np.ptp(shift) < 1e-9
    assert (replay["image_name"].to_numpy() == first["image_name"].to_numpy()).all()
    assert first["active"].eq(1).all() and replay["active"].eq(0).all()
    omitted = first["omitted"] == 1
    assert 0.02 < omitted.mean() < 0.08
    assert (first.loc[omitted, "image_name"] == b"omitted").all()
    assert not (first["is_change"].eq(1) & omitted).any()


def test_hits_have_licks_in_the_window_and_rewards_misses_have_neither(release):
    for sid in release.nwb_sessions:
        with h5py.File(session_file(release, sid), "r") as f:
            trials = f["intervals/trials"]
            frame = table(
                trials,
                [
                    "start_time",
                    "stop_time",
                    "hit",
                    "miss",
                    "go",
                    "aborted",
                    "change_time_no_display_delay",
                    "reward_time",
                    "auto_rewarded",
                ],
            )
            lick_lists = ragged(trials, "lick_times")
            licks = f["processing/licking/licks/timestamps"][:]
            rewards = f["processing/rewards/volume/timestamps"][:]
        assert frame["hit"].sum() >= 3 and frame["miss"].sum() >= 1
        for row, trial_licks in zip(frame.itertuples(), lick_lists, strict=True):
            in_trial = licks[(licks >= row.start_time) & (licks < row.stop_time)]
            np.testing.assert_array_equal(np.sort(trial_licks), in_trial)
            rewarded = rewards[(rewards >= row.start_time) & (rewards < row.stop_time)]
            if row.hit:
                lag = in_trial - row.change_time_no_display_delay
                assert ((lag >= 0.15) & (lag <= 0.75)).any()
                assert len(rewarded) == 1 and rewarded[0] == row.reward_time
            if row.miss:
                assert len(in_trial) == 0 and len(rewarded) == 0 and np.isnan(row.reward_time)


def _counts(times: list[np.ndarray], events: np.ndarray, lo: float, hi: float) -> np.ndarray:
    """Spikes per event in [event + lo, event + hi), per unit."""
    out = np.empty(len(times))
    for i, t in enumerate(times):
        out[i] = (np.searchsorted(t, events + hi) - np.searchsorted(t, events + lo)).sum()
    return out / max(len(events), 1)


def test_a_scientist_finds_the_built_in_responses(release):
    novel_seen = False
    for sid in release.nwb_sessions:
        units = units_csv(release, sid)
        with h5py.File(session_file(release, sid), "r") as f:
            times = ragged(f["units"], "spike_times")
            p = presentations(f)
            opto = table(
                f["processing/optotagging/optogenetic_stimulation"], ["start_time", "duration"]
            )
        visual = units["structure_acronym"].isin(VISUAL_CORTEX).to_numpy()
        vis_times = [t for t, v in zip(times, visual, strict=True) if v]
        images = p[p["stimulus_name"].str.startswith("Natural_Images")]
        shown = images[images["omitted"] == 0]
        change = shown.loc[shown["is_change"] == 1, "start_time"].to_numpy()
        repeat = shown.loc[
            (shown["is_change"] == 0) & (shown["is_image_novel"] == 0), "start_time"
        ].to_numpy()
        omission = images.loc[images["omitted"] == 1, "start_time"].to_numpy()
        baseline = _counts(vis_times, repeat, -0.25, -0.03).mean()  # before a flash's response

        def evoked(events, vis_times=vis_times, baseline=baseline):
            """Spikes per event above the pre-flash baseline, mean over visual units."""
            return _counts(vis_times, events, 0.03, 0.25).mean() - baseline

        assert evoked(repeat) > 0.05
        assert evoked(change) > 2 * evoked(repeat)
        assert evoked(omission) > 0.02
        novel = shown.loc[
            (shown["is_change"] == 0) & (shown["is_image_novel"] == 1), "start_time"
        ].to_numpy()
        if len(novel) > 20:
            novel_seen = True
            assert evoked(novel) > 1.4 * evoked(repeat)
        # Optotagging: the ground truth's tagged units follow 10 ms pulses; the others do not.
        truth = release.ground_truth(sid)
        tagged = set(truth.loc[truth["event"] == "opto_pulse", "unit_id"])
        genotype = release.nwb["sessions"][str(sid)]["genotype"]
        assert bool(tagged) == genotype.startswith(("Sst", "Vip"))
        pulses = opto.loc[opto["duration"] < 0.1, "start_time"].to_numpy()
        ids = units["unit_id"].to_numpy()
        rate = np.array([len(t) for t in times]) / release.nwb["sessions"][str(sid)]["duration_s"]
        evoked = _counts(times, pulses, 0.0, 0.01) / 0.01
        is_tagged = np.isin(ids, list(tagged))
        if is_tagged.any():
            assert np.median(evoked[is_tagged] / rate[is_tagged]) > 5
        assert np.median(evoked[~is_tagged] / np.maximum(rate[~is_tagged], 1e-9)) < 2
    assert novel_seen


def test_ground_truth_describes_the_responses(release):
    sid = release.nwb_sessions[0]
    truth = release.ground_truth(sid)
    assert list(truth.columns) == ["unit_id", "event", "spikes_per_event", "latency_s", "jitter_s"]
    units = units_csv(release, sid)
    assert set(truth["unit_id"]) <= set(units["unit_id"])
    assert (truth["spikes_per_event"] > 0).all()
    per_unit = truth.pivot_table(index="unit_id", columns="event", values="spikes_per_event")
    both = per_unit.dropna(subset=["change_familiar", "repeat_familiar"])
    assert (both["change_familiar"] > both["repeat_familiar"]).all()
    visual = set(units.loc[units["structure_acronym"].isin(VISUAL_CORTEX), "unit_id"])
    responders = set(truth.loc[truth["event"] == "repeat_familiar", "unit_id"])
    assert len(responders & visual) > 0.5 * len(visual)
    with pytest.raises(KeyError, match="not a genuine NWB session"):
        release.ground_truth(12345)


def test_pynwb_reads_every_genuine_file(release):
    from pynwb import NWBHDF5IO

    sid = release.nwb_sessions[0]
    with NWBHDF5IO(str(session_file(release, sid)), "r", load_namespaces=True) as io:
        nwbfile = io.read()
        units = nwbfile.units.to_dataframe()
        assert len(units) == len(units_csv(release, sid))
        assert type(nwbfile.electrode_groups["probeA"]).__name__ == "EcephysElectrodeGroup"
        assert len(nwbfile.trials) > 10
        assert nwbfile.subject.subject_id == str(release.nwb["sessions"][str(sid)]["mouse_id"])


def test_same_seed_gives_byte_identical_nwb_files(tmp_path):
    kwargs = {
        "scale": 0.02,
        "nwb_sessions": 1,
        "session_duration_s": 60,
        "lfp_s": 1,
        "lfp_probes": 1,
    }
    a = write_demo_release(tmp_path / "a", seed=3, **kwargs)
    b = write_demo_release(tmp_path / "b", seed=3, **kwargs)
    c = write_demo_release(tmp_path / "c", seed=4, **kwargs)
    key = a.nwb["sessions"][str(a.nwb_sessions[0])]["key"]
    assert (a.root / key).read_bytes() == (b.root / key).read_bytes()
    assert a.latest_manifest.read_bytes() == b.latest_manifest.read_bytes()
    other = c.nwb["sessions"][str(c.nwb_sessions[0])]["key"]
    assert (a.root / key).read_bytes() != (c.root / other).read_bytes()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"nwb_sessions": -1}, "nwb_sessions"),
        ({"nwb_sessions": 1.5}, "nwb_sessions"),
        ({"session_duration_s": 10}, "duration_s"),
        ({"session_duration_s": float("nan")}, "duration_s"),
        ({"lfp_s": -1}, "lfp_s"),
        ({"lfp_probes": 9}, "lfp_probes"),
    ],
)
def test_bad_nwb_options_are_rejected_before_anything_is_written(tmp_path, kwargs, message):
    with pytest.raises(ValueError, match=message):
        write_demo_release(tmp_path / "out", scale=0.02, **kwargs)
    assert not (tmp_path / "out").exists()
    assert list(tmp_path.iterdir()) == []


def test_default_session_lasts_twenty_minutes_with_every_block():
    from vbn_widgets.data.demo_nwb.plan import DEFAULT_DURATION_S
    from vbn_widgets.data.demo_nwb.stimuli import Task
    from vbn_widgets.data.demo_nwb.timeline import build_timeline

    timeline = build_timeline(Task("H", "G", 0.003), DEFAULT_DURATION_S, np.random.default_rng(0))
    assert 1200 <= timeline.duration <= 1300
    blocks = timeline.presentations.groupby("stimulus_block")["stimulus_name"].first()
    assert list(blocks.index) == [0, 1, 2, 3, 4, 5]
    assert blocks[2] == "gabor_20_deg_250ms" and blocks[4] == "flash_250ms"
    assert len(timeline.behavior.trials) > 50
    assert len(timeline.optotagging) >= 36
    assert timeline.eye["timestamps"].iloc[-1] > 0.95 * timeline.duration


def test_full_length_option_is_one_real_length_session_of_typical_size():
    from vbn_widgets.data.demo_nwb.plan import choose_sessions
    from vbn_widgets.data.demo_tables import build_tables

    options = NwbOptions.full_length()
    assert options.sessions == 1 and options.duration_s >= 9500
    _, tables = build_tables(0.1, 0)
    sessions = tables.ecephys_sessions.set_index("ecephys_session_id")
    (sid,) = choose_sessions(tables.ecephys_sessions, 1, options.typical_units)
    nearest = (sessions["unit_count"] - options.typical_units).abs().min()
    assert abs(sessions.loc[sid, "unit_count"] - options.typical_units) == nearest
    assert demo.TRUTH_DIR.startswith(".")


def test_default_choice_is_two_mice_on_their_familiar_and_novel_days():
    from vbn_widgets.data.demo_nwb.plan import choose_sessions
    from vbn_widgets.data.demo_tables import build_tables

    _, tables = build_tables(0.1, 0)
    sessions = tables.ecephys_sessions.set_index("ecephys_session_id")
    chosen = sessions.loc[choose_sessions(tables.ecephys_sessions, 4)]
    assert chosen["mouse_id"].nunique() == 2
    for _, days in chosen.groupby("mouse_id"):
        assert list(days["experience_level"]) == ["Familiar", "Novel"]
    assert chosen["abnormal_histology"].isna().all() and chosen["abnormal_activity"].isna().all()
    cre = chosen.groupby("mouse_id")["genotype"].first().str.split("-").str[0]
    assert cre.nunique() == 2 and set(cre) & {"Sst", "Vip"}  # optotagged units in at least one
