"""VBN's named events: what each selects (AllenSDK's columns), that its pandas code selects the
same, custom events, flags stored any way, and clear errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets.spikes import NAMED, SpikeError, available, custom_events, named_events
from vbn_widgets.spikes.selections import as_flag


def run_code(code: str, session, **names) -> np.ndarray:
    namespace = {"session": session, "np": np, "pd": pd, **names}
    exec(code, namespace)  # the generated code is ours, tested here  # noqa: S102
    return namespace["event_times"]


@pytest.mark.parametrize("key", sorted(NAMED))
def test_code_selects_the_same_events(fake_session, key):
    events = named_events(fake_session, key)
    assert len(events) > 0
    assert np.array_equal(run_code(events.code, fake_session), events.times)
    assert len(events.conditions) == len(events)


def test_definitions(fake_session):
    stim = fake_session.stimulus_presentations
    trials = fake_session.trials
    changes = named_events(fake_session, "changes")
    is_change = stim["is_change"].eq(True)
    assert np.array_equal(changes.times, stim.loc[is_change, "start_time"])
    hits = named_events(fake_session, "hit_changes")
    active = stim[is_change & stim["active"]]
    want = active[active["trials_id"].map(trials["hit"]).astype(bool)]
    assert np.array_equal(hits.times, want["start_time"])
    misses = named_events(fake_session, "miss_changes")
    assert len(hits) + len(misses) == len(named_events(fake_session, "active_changes"))
    assert set(changes.groups("block")[1]) == {"active", "passive"}
    assert set(changes.groups("outcome")[1]) == {"hit", "miss", "passive"}
    flashes = named_events(fake_session, "non_change_flashes")
    assert not set(flashes.conditions.index) & set(changes.conditions.index)
    novel = named_events(fake_session, "novel_flashes")
    familiar = named_events(fake_session, "familiar_flashes")
    images = stim[stim["image_name"].ne("omitted") & stim["image_name"].notna()]
    assert len(novel) + len(familiar) == len(images)
    opto = named_events(fake_session, "optotagging")
    assert len(opto.groups("condition_level")[1]) == 6
    rewards = named_events(fake_session, "rewards")
    assert np.array_equal(rewards.times, fake_session.rewards["timestamps"])


def test_first_lick_follows_each_hit(fake_session):
    licks = named_events(fake_session, "first_licks")
    hits = named_events(fake_session, "hit_changes")
    assert len(licks) >= len(hits)
    change_time = fake_session.stimulus_presentations.loc[licks.conditions.index, "start_time"]
    lag = licks.times - change_time.to_numpy()
    assert ((lag > 0) & (lag <= 0.75)).all()


def test_times_follow_the_stimulus_table(fake_session):
    """Change times are the presentations' (display-lag-corrected) start_time, not the trials
    table's change_time_no_display_delay."""
    events = named_events(fake_session, "active_changes")
    trial_times = fake_session.trials["change_time_no_display_delay"].to_numpy()
    assert not np.isin(events.times, trial_times).any()
    assert "display lag" in events.note


@pytest.mark.parametrize(
    "values",
    [
        [True, False, None],
        [1.0, 0.0, np.nan],
        ["True", "False", None],
        pd.array([True, False, pd.NA], dtype="boolean"),
    ],
)
def test_flags_read_however_stored(values):
    assert as_flag(pd.Series(values)).tolist() == [True, False, False]


def test_custom_events(fake_session):
    events = custom_events([3.0, 1.0], groupings={"kind": ["a", "b"]})
    assert events.times.tolist() == [3.0, 1.0]
    assert events.groups("kind")[1] == ["a", "b"]
    stim = fake_session.stimulus_presentations
    rows = stim[stim["omitted"].eq(True)].head(5)
    from_rows = custom_events(rows=rows)
    assert np.array_equal(from_rows.times, rows["start_time"])
    trials = fake_session.trials.head(4)
    aligned = custom_events(rows=trials, session=fake_session)
    change = stim[(stim["is_change"].eq(True) | stim["is_sham_change"].eq(True)) & stim["active"]]
    want = change.set_index("trials_id").loc[trials.index, "start_time"]
    assert np.array_equal(aligned.times, want)
    assert np.array_equal(run_code(aligned.code, fake_session, events=trials), aligned.times)


def test_errors_name_what_is_missing(fake_session):
    with pytest.raises(SpikeError, match="unknown event 'nope'"):
        named_events(fake_session, "nope")
    with pytest.raises(SpikeError, match="cannot be grouped by 'colour'"):
        named_events(fake_session, "changes").groups("colour")
    bare = type("Bare", (), {"stimulus_presentations": pd.DataFrame({"start_time": [1.0]})})()
    with pytest.raises(SpikeError, match="no column 'is_change'"):
        named_events(bare, "changes")
    assert available(bare)["changes"] == 0
    with pytest.raises(SpikeError, match="time column"):
        custom_events(rows=pd.DataFrame({"x": [1]}))


def test_named_events_on_a_genuine_demo_session(demo_cache, nwb_demo):
    session = demo_cache.get_ecephys_session(nwb_demo[2][0])
    counts = available(session)
    for key in ("changes", "hit_changes", "omissions", "gabors", "full_field_flashes",
                "optotagging", "rewards", "first_licks"):  # fmt: skip
        assert counts[key] > 0, key
        events = named_events(session, key)
        assert np.array_equal(run_code(events.code, session), events.times), key
