"""population_psth over the demo's genuine sessions: Dask's local scheduler and a LocalCluster
of two worker processes on loopback give exactly the single-session view's rates."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets import population_psth
from vbn_widgets.spikes import ResponseModel, SpikeError, SpikeTrains, View, named_events
from vbn_widgets.spikes import units as unit_table


def single_session_rates(cache, session_id, unit_ids, view: View) -> pd.DataFrame:
    session = cache.get_ecephys_session(session_id)
    units = unit_table.choose(unit_table.session_units(session), unit_ids)
    trains = SpikeTrains.from_mapping(session.spike_times, units.index)
    model = ResponseModel(units, trains, lambda key: named_events(session, key), view)
    rates = model.rates(model.group_labels[0]) if view.grouping != "none" else model.rates()
    return pd.DataFrame(rates, index=units.index)


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed")
    with (
        distributed.LocalCluster(
            n_workers=2,
            threads_per_worker=1,
            processes=True,
            host="127.0.0.1",
            dashboard_address=None,
            silence_logs=40,
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        yield client


def test_local_scheduler_equals_single_session_path(demo_cache, nwb_demo):
    sessions = nwb_demo[2]
    result = population_psth(demo_cache, sessions, align="changes")
    assert result.rates.shape[1:] == (1, 150)
    for sid in sessions:
        want = single_session_rates(demo_cache, sid, None, View(event="changes"))
        got = result.rates[result.units.index.get_level_values(0) == sid, 0]
        assert np.array_equal(got, want.to_numpy())
        assert result.units.loc[sid].index.tolist() == want.index.tolist()
    means = result.area_means()
    assert "VISp" in means.index
    visp = result.rates[result.units["area"].eq("VISp").to_numpy(), 0]
    assert np.allclose(means.loc["VISp"].to_numpy(), visp.mean(axis=0))


def test_two_worker_processes_give_identical_results(demo_cache, nwb_demo, cluster):
    sessions = nwb_demo[2]
    units = demo_cache.get_unit_table()
    good = units[units["structure_acronym"].isin(["VISp", "VISl", "LGd"])].index
    local = population_psth(demo_cache, sessions, good, "changes", grouping="block")
    remote = population_psth(
        demo_cache, sessions, good, "changes", grouping="block", client=cluster
    )
    assert remote.groups == local.groups == ["active", "passive"]
    assert np.array_equal(remote.rates, local.rates, equal_nan=True)
    assert remote.units.equals(local.units)
    assert set(remote.units["area"]) <= {"VISp", "VISl", "LGd"}
    workers = cluster.scheduler_info()["workers"]
    assert len(workers) == 2
    assert all(addr.startswith("tcp://127.0.0.1:") for addr in workers)
    want = single_session_rates(
        demo_cache, sessions[1], good, View(event="changes", grouping="block")
    )
    got = remote.rates[remote.units.index.get_level_values(0) == sessions[1], 0]
    assert np.array_equal(got, want.to_numpy())


def test_errors_name_the_session(demo_cache, nwb_demo):
    with pytest.raises(SpikeError, match=r"session 12345: .*12345"):
        population_psth(demo_cache, [12345])
    with pytest.raises(SpikeError, match="increasing"):
        population_psth(demo_cache, nwb_demo[2], window=(1.0, 0.0))
    with pytest.raises(SpikeError, match="no sessions"):
        population_psth(demo_cache, [])
