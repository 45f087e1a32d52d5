"""AllenSDK 2.16.2's own reader (``BehaviorEcephysSession.from_nwb_path``, in .venv-allensdk) and
vbn-widgets return the same units, spike times, stimulus presentations and trials for a genuine
demo session file (written by vbn_widgets.data.demo_nwb). Skipped when that venv is not built."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from vbn_testing.allensdk import require_allensdk, run_allensdk

from vbn_widgets import BehaviorEcephysSession, BehaviorSession

SNIPPET = """
import numpy as np
from allensdk.brain_observatory.ecephys.behavior_ecephys_session import BehaviorEcephysSession
from allensdk.brain_observatory.behavior.behavior_session import BehaviorSession


def plain(v):
    if isinstance(v, (np.ndarray, np.generic)):
        v = v.tolist()
    return None if isinstance(v, float) and v != v else v


def table(frame):
    frame = frame.reset_index()
    cols = {}
    for name in frame.columns:
        values = frame[name].tolist()
        cols[name] = [plain(v) for v in values]
    return {"columns": list(frame.columns), "dtypes": [str(t) for t in frame.dtypes], "data": cols}


s = BehaviorEcephysSession.from_nwb_path(args["path"])
units = s.get_units()
spikes = s.spike_times
np.savez(out_dir / "spikes.npz", **{str(k): v for k, v in spikes.items()})
result = {
    "units": table(units),
    "units_good": table(s.get_units(filter_by_validity=True, amplitude_cutoff_maximum=0.1)),
    "channels": table(s.get_channels()),
    "presentations": table(s.stimulus_presentations),
    "trials": table(s.trials),
    "spike_order": [int(k) for k in spikes],
    "behavior": table(BehaviorSession.from_nwb_path(args["behavior"]).stimulus_presentations),
}
"""


@pytest.fixture(scope="module")
def genuine(tmp_path_factory):
    require_allensdk()
    from vbn_widgets.data.demo_nwb.nwbparts import SessionMeta
    from vbn_widgets.data.demo_nwb.session import (
        session_parts,
        write_behavior_session,
        write_ecephys_session,
    )
    from vbn_widgets.data.demo_nwb.stimuli import Task
    from vbn_widgets.data.demo_tables import build_tables

    out = tmp_path_factory.mktemp("genuine")
    _, tables = build_tables(0.02, 7)
    s = tables.ecephys_sessions.iloc[0]
    meta = SessionMeta(
        int(s.behavior_session_id), int(s.ecephys_session_id), s.session_type,
        s.date_of_acquisition, s.equipment_name, s.project_code, int(s.mouse_id), s.genotype,
        s.sex, int(s.age_in_days), 7,
    )  # fmt: skip
    parts = session_parts(tables, int(s.ecephys_session_id))
    path = out / f"ecephys_session_{int(s.ecephys_session_id)}.nwb"
    write_ecephys_session(
        path, {}, meta, task=Task(s.image_set, "G", 0.003), parts=parts,
        duration_s=150, lfp_s=5.0, rng_seed=[7, 9, 0],
    )  # fmt: skip
    bmeta = SessionMeta(
        int(s.behavior_session_id) - 5, None, "TRAINING_5_images_G_handoff_ready_3uL_reward",
        s.date_of_acquisition, "BEH.B-Box1", s.project_code, int(s.mouse_id), s.genotype, s.sex,
        int(s.age_in_days) - 3, 7,
    )  # fmt: skip
    behavior = out / "behavior_session.nwb"
    write_behavior_session(behavior, bmeta, Task("G", "G", 0.003, active_only=True), 200, [7, 9, 1])
    result, files = run_allensdk(SNIPPET, {"path": str(path), "behavior": str(behavior)})
    return path, behavior, result, files


def frame_of(doc: dict, index: str) -> pd.DataFrame:
    frame = pd.DataFrame(doc["data"], columns=doc["columns"])
    return frame.set_index(index)


def assert_same(ours: pd.DataFrame, theirs: pd.DataFrame, what: str) -> None:
    """Same index, same column set, same values (NaN/None/<NA> alike); AllenSDK orders some
    columns in set order, so order is compared only where AllenSDK fixes it."""
    assert ours.index.name == theirs.index.name, what
    assert ours.index.tolist() == theirs.index.tolist(), what
    assert set(ours.columns) == set(theirs.columns), (
        what, set(ours.columns) ^ set(theirs.columns)
    )  # fmt: skip
    for col in theirs.columns:
        a, b = ours[col].tolist(), theirs[col].tolist()
        for i, (x, y) in enumerate(zip(a, b, strict=True)):
            if isinstance(x, np.ndarray) or isinstance(y, list):
                np.testing.assert_allclose(np.asarray(x, float), np.asarray(y, float))
                continue
            if x is None or x is pd.NA or (isinstance(x, float) and np.isnan(x)):
                assert y is None or (isinstance(y, float) and np.isnan(y)), (what, col, i, x, y)
                continue
            assert x == y or (isinstance(x, float) and np.isclose(x, y)), (what, col, i, x, y)


def test_units_and_spikes_agree(genuine):
    path, _, result, files = genuine
    with BehaviorEcephysSession.from_nwb_path(path) as ours:
        units = frame_of(result["units"], "id")
        assert_same(ours.get_units(), units, "get_units()")
        assert list(ours.get_units().columns) == result["units"]["columns"][1:]
        good = frame_of(result["units_good"], "id")
        assert_same(
            ours.get_units(filter_by_validity=True, amplitude_cutoff_maximum=0.1), good, "good"
        )
        assert list(ours.spike_times) == result["spike_order"]
        theirs = np.load(files / "spikes.npz")
        got = ours.spike_times.read_many(result["spike_order"])
        assert len(got) == len(theirs.files) > 0
        for uid in result["spike_order"]:
            np.testing.assert_array_equal(got[uid], theirs[str(uid)])
        assert_same(ours.get_channels(), frame_of(result["channels"], "id"), "get_channels()")


def test_presentations_and_trials_agree(genuine):
    path, behavior, result, _ = genuine
    with BehaviorEcephysSession.from_nwb_path(path) as ours:
        presentations = frame_of(result["presentations"], "stimulus_presentations_id")
        assert_same(ours.stimulus_presentations, presentations, "stimulus_presentations")
        fixed = ["stimulus_block", "image_name", "duration", "start_time", "end_time"]
        assert [c for c in ours.stimulus_presentations.columns if c in fixed] == [
            c for c in result["presentations"]["columns"] if c in fixed
        ]
        trials = frame_of(result["trials"], "trials_id")
        assert_same(ours.trials, trials, "trials")
        assert list(ours.trials.columns) == result["trials"]["columns"][1:]
    with BehaviorSession.from_nwb_path(behavior) as ours:
        theirs = frame_of(result["behavior"], "stimulus_presentations_id")
        assert_same(ours.stimulus_presentations, theirs, "behavior-only stimulus_presentations")
