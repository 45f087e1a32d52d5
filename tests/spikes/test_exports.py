"""The exported counts and the numpy/pandas code that reproduces them from ``cache``: the code
is run (in a fresh namespace, with only ``cache``) and its results compared."""

from __future__ import annotations

import numpy as np
import pytest

from vbn_widgets.spikes import ResponseModel, SpikeTrains, custom_events, named_events
from vbn_widgets.spikes import exports as ex
from vbn_widgets.spikes import units as unit_table
from vbn_widgets.spikes.binning import Bins


def model_for(session, view_changes=None, custom=None):
    units = unit_table.choose(unit_table.session_units(session), None)
    trains = SpikeTrains.from_mapping(session.spike_times, units.index)

    def events_for(key):
        return custom if key == "custom" else named_events(session, key)

    model = ResponseModel(units, trains, events_for)
    if view_changes:
        model.update(**view_changes)
    return model


def run(code: str, cache) -> dict:
    namespace = {"cache": cache}
    exec(code, namespace)  # our generated code, run as a user would  # noqa: S102
    return namespace


def check_same(got: dict, exported: ex.BinnedCounts) -> None:
    assert np.array_equal(got["counts"], exported.counts)
    assert got["counts"].dtype == exported.counts.dtype
    assert got["unit_ids"] == exported.unit_ids.tolist()
    assert np.array_equal(got["event_times"], exported.event_times)
    assert np.array_equal(got["bin_edges"], exported.bin_edges)


class FakeCache:
    def __init__(self, session):
        self.session = session

    def get_ecephys_session(self, session_id):
        assert session_id == self.session.ecephys_session_id
        return self.session


@pytest.mark.parametrize("event", ["changes", "hit_changes", "omissions", "first_licks"])
def test_code_reproduces_counts_in_memory(fake_session, event):
    model = model_for(fake_session, {"event": event, "window": (-0.25, 0.5), "bin_size": 0.025})
    ids = model.units.index[model.order][:5]
    exported = ex.counts(model, ids)
    assert exported.counts.shape == (5, len(model.events), 30)
    code = ex.counts_code(fake_session.ecephys_session_id, exported, model.events)
    check_same(run(code, FakeCache(fake_session)), exported)
    assert np.allclose(exported.psth(), model.rates()[model.trains.positions(ids)])


@pytest.mark.parametrize(
    ("event", "window", "bin_size"),
    [
        ("changes", (-0.5, 1.0), 0.01),
        ("optotagging", (-0.01, 0.03), 0.001),
        ("gabors", (0, 0.25), 0.005),
    ],
)
def test_code_reproduces_counts_from_a_genuine_demo_file(
    demo_cache, nwb_demo, event, window, bin_size
):
    session_id = nwb_demo[2][0]
    session = demo_cache.get_ecephys_session(session_id)
    view = {"event": event, "window": window, "bin_size": bin_size}
    view["baseline"] = (window[0], window[0] + (window[1] - window[0]) / 4)
    view["response"] = (0.0, window[1])
    model = model_for(session, view)
    visp = model.units.index[model.units["area"].eq("VISp").to_numpy()][:6]
    exported = ex.counts(model, visp)
    assert exported.counts.sum() > 0
    check_same(run(ex.counts_code(session_id, exported, model.events), demo_cache), exported)


def test_custom_trials_and_times_reproduce(fake_session):
    trials = fake_session.trials.head(6)
    custom = custom_events(rows=trials, session=fake_session)
    model = model_for(fake_session)
    model._events_cache["custom"] = custom
    model.update(event="custom")
    exported = ex.counts(model, model.units.index[:3])
    code = ex.counts_code(fake_session.ecephys_session_id, exported, model.events)
    check_same(run(code, FakeCache(fake_session)), exported)
    times = custom_events([100.125, 40.5])
    model._events_cache["custom"] = times
    model.update(event="changes")
    model.update(event="custom")
    exported = ex.counts(model, model.units.index[:2])
    code = ex.counts_code(fake_session.ecephys_session_id, exported, model.events)
    check_same(run(code, FakeCache(fake_session)), exported)


def test_counts_object_says_what_its_axes_are(fake_session):
    model = model_for(fake_session)
    exported = ex.counts(model)
    assert exported.unit_ids.tolist() == model.units.index[model.order].tolist()
    assert np.array_equal(exported.bin_edges, Bins(-0.5, 1.0, 0.01).edges)
    assert "BinnedCounts(24 units" in repr(exported)
