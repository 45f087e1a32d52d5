"""AllenSDK 2.16.2, the real reader, opens the demo's genuine NWB files and agrees with the tables.

Runs only where ``.venv-allensdk`` exists (``bash scripts/allensdk_venv.sh``, ~15 s); skipped
otherwise. The snippet runs in that venv (old numpy/pandas) and reports back as JSON.
"""

from __future__ import annotations

import h5py
import pandas as pd
import pytest
from vbn_testing.allensdk import require_allensdk, run_allensdk

from vbn_widgets.data.demo import write_demo_release

SNIPPET = """
from allensdk.brain_observatory.behavior.behavior_session import BehaviorSession
from allensdk.brain_observatory.ecephys._probe import ProbeWithLFPMeta
from allensdk.brain_observatory.ecephys.behavior_ecephys_session import BehaviorEcephysSession
import pynwb

s = BehaviorEcephysSession.from_nwb_path(args["session"])
units = s.get_units()
spikes = s.spike_times
presentations = s.stimulus_presentations
trials = s.trials
channels = s.get_channels(filter_by_validity=False)  # indexed by channel id
meta = s.metadata
result = {
    "unit_ids": [int(u) for u in units.index],
    "firing_rate": [float(x) for x in units["firing_rate"]],
    "structure": [str(x) for x in units["peak_channel_id"].map(channels["structure_acronym"])],
    "spike_counts": {str(k): int(len(v)) for k, v in spikes.items()},
    "amplitude_counts": sum(len(v) for v in s.spike_amplitudes.values()),
    "waveform_shape": list(next(iter(s.mean_waveforms.values())).shape),
    "presentation_blocks": sorted(int(b) for b in presentations["stimulus_block"].unique()),
    "presentations": len(presentations),
    "presentation_columns": sorted(presentations.columns),
    "is_change_dtype": str(presentations["is_change"].dtype),
    "trials": len(trials),
    "hits": int(trials["hit"].sum()),
    "licks": len(s.licks),
    "rewards": len(s.rewards),
    "running": len(s.running_speed),
    "eye": len(s.eye_tracking),
    "eye_columns": sorted(s.eye_tracking.columns),
    "opto": len(s.optotagging_table),
    "opto_names": sorted(set(s.optotagging_table["stimulus_name"])),
    "probes": sorted(s.probes["name"]),
    "channels": len(channels),
    "templates": len(s.stimulus_templates),
    "meta": {k: str(meta[k]) for k in ("ecephys_session_id", "behavior_session_id", "mouse_id",
                                       "session_type", "equipment_name", "full_genotype")},
    "performance_hits": int(s.get_performance_metrics()["hit_trial_count"]),
}
with pynwb.NWBHDF5IO(args["session"], "r", load_namespaces=True) as io:
    lfp_meta = {args["lfp_probe"]: ProbeWithLFPMeta(lfp_csd_filepath=args["lfp"],
                                                    lfp_sampling_rate=args["lfp_rate"])}
    with_lfp = BehaviorEcephysSession.from_nwb(io.read(), probe_meta=lfp_meta)
    probe_id = int(with_lfp.probes[with_lfp.probes["name"] == args["lfp_probe"]].index[0])
    lfp = with_lfp.get_lfp(probe_id)
    result["lfp_shape"] = list(lfp.shape)
    result["lfp_dtype"] = str(lfp.dtype)
    result["csd_shape"] = list(with_lfp.get_current_source_density(probe_id).shape)
b = BehaviorSession.from_nwb_path(args["behavior"])
result["behavior"] = {
    "trials": len(b.trials),
    "presentations": len(b.stimulus_presentations),
    "behavior_session_id": int(b.metadata["behavior_session_id"]),
}
"""


@pytest.fixture(scope="module")
def release(tmp_path_factory):
    require_allensdk()
    root = tmp_path_factory.mktemp("allensdk") / "bucket"
    return write_demo_release(
        root, scale=0.02, seed=11, nwb_sessions=1, session_duration_s=200, lfp_s=2, lfp_probes=1
    )


def test_allensdk_opens_the_demo_session_and_agrees_with_the_tables(release):
    (sid,) = release.nwb_sessions
    summary = release.nwb["sessions"][str(sid)]
    (probe,) = summary["lfp_probes"]
    folder = release.root / summary["key"]
    probes = pd.read_csv(release.project_dir / "project_metadata" / "probes.csv")
    row = probes[(probes["ecephys_session_id"] == sid) & (probes["name"] == probe)].iloc[0]
    (bid,) = release.nwb_behavior_sessions
    args = {
        "session": str(folder),
        "lfp": str(folder.parent / f"probe_{probe}_lfp.nwb"),
        "lfp_probe": probe,
        "lfp_rate": float(row["lfp_sampling_rate"]) / 2,
        "behavior": str(release.root / release.nwb["behavior_sessions"][str(bid)]["key"]),
    }
    got, _ = run_allensdk(SNIPPET, args)

    units = pd.read_csv(release.project_dir / "project_metadata" / "units.csv")
    units = units[units["ecephys_session_id"] == sid].set_index("unit_id")
    assert sorted(got["unit_ids"]) == sorted(units.index)
    by_id = dict(zip(got["unit_ids"], got["firing_rate"], strict=True))
    assert all(by_id[u] == units.loc[u, "firing_rate"] for u in units.index)
    structure = dict(zip(got["unit_ids"], got["structure"], strict=True))
    assert all(structure[u] == units.loc[u, "structure_acronym"] for u in units.index)
    duration = summary["duration_s"]
    for unit_id, count in got["spike_counts"].items():
        assert count == round(units.loc[int(unit_id), "firing_rate"] * duration)
    assert got["amplitude_counts"] == summary["spikes"]
    assert got["waveform_shape"] == [384, 82]
    assert got["presentation_blocks"] == [0, 1, 2, 3, 4, 5]
    assert {"is_change", "omitted", "image_name", "end_time", "trials_id", "active"} <= set(
        got["presentation_columns"]
    )
    assert got["is_change_dtype"] == "boolean"
    with h5py.File(folder, "r") as f:
        trials = len(f["intervals/trials/id"])
        hits = int(f["intervals/trials/hit"][:].sum())
        licks = len(f["processing/licking/licks/timestamps"])
    assert got["trials"] == trials > 5 and got["hits"] == got["performance_hits"] == hits >= 1
    assert got["licks"] == licks
    assert got["licks"] > got["hits"] and got["rewards"] >= got["hits"]
    assert got["running"] > 1000 and got["eye"] > 1000
    assert {"pupil_area", "likely_blink", "cr_center_x"} <= set(got["eye_columns"])
    assert got["opto"] >= 12 and got["opto_names"] == ["pulse", "raised_cosine"]
    session_probes = probes[probes["ecephys_session_id"] == sid]
    assert got["probes"] == sorted(session_probes["name"])
    assert got["channels"] == 384 * len(session_probes)
    assert got["templates"] == 8
    assert got["meta"]["ecephys_session_id"] == str(sid)
    assert got["lfp_shape"] == [int(2 * args["lfp_rate"]), 96] and got["lfp_dtype"] == "float32"
    assert got["csd_shape"][0] == 384
    assert got["behavior"]["behavior_session_id"] == bid
    assert got["behavior"]["trials"] > 20 and got["behavior"]["presentations"] > 100
