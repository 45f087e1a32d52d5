"""``SpikeExplorer(session, units=...)`` for every kind of units source, on a genuine demo NWB
session: ids, an Index, a QualityFilter (followed through its ``revision``), a TableExplorer
(its ``selected``) and a VBNExplorer (its ``passing``, followed through its ``revision``)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets import QualityFilter, SpikeExplorer, TableExplorer, VBNCache, VBNExplorer
from vbn_widgets.spikes import SpikeError


@pytest.fixture(scope="module")
def demo(genuine_release, tmp_path_factory):
    release, genuine, _ = genuine_release
    return VBNCache.from_mirror(release, tmp_path_factory.mktemp("spike-sources")), genuine


@pytest.fixture(scope="module")
def units(demo):
    cache, _ = demo
    return cache.get_unit_table()


@pytest.fixture
def session(demo):
    cache, genuine = demo
    with cache.get_ecephys_session(genuine[0]) as session:
        yield session


def shown(explorer: SpikeExplorer) -> list[int]:
    return sorted(int(i) for i in explorer.model.units.index)


def of_session(units: pd.DataFrame, session, ids) -> list[int]:
    mine = units.index[units["ecephys_session_id"] == session.metadata["ecephys_session_id"]]
    return sorted(int(i) for i in mine.intersection(pd.Index(ids)))


def test_unit_ids(session, units):
    mine = units.index[units["ecephys_session_id"] == session.metadata["ecephys_session_id"]]
    other = units.index[units["ecephys_session_id"] != session.metadata["ecephys_session_id"]]
    ids = [int(i) for i in mine[:7]] + [int(other[0])]  # another session's unit is left out
    explorer = SpikeExplorer(session, units=ids)
    assert shown(explorer) == sorted(ids[:7])
    explorer.close()
    with pytest.raises(SpikeError, match="none of the chosen units"):
        SpikeExplorer(session, units=[int(other[0])])


def test_an_index(session, units):
    mine = units.index[units["ecephys_session_id"] == session.metadata["ecephys_session_id"]]
    explorer = SpikeExplorer(session, units=mine[::3])
    assert shown(explorer) == sorted(int(i) for i in mine[::3])
    explorer.set_units(pd.Index(mine[:4]))
    assert shown(explorer) == sorted(int(i) for i in mine[:4])
    explorer.close()


def test_a_quality_filter_is_followed_through_its_revision(session, units):
    quality = QualityFilter(units, debounce_s=0)
    explorer = SpikeExplorer(session, units=quality)
    assert shown(explorer) == of_session(units, session, quality.passing)
    revision = quality.revision
    quality.apply_preset("snr and firing rate")
    assert quality.revision > revision
    passing = (units["snr"] > 1) & (units["firing_rate"] > 0.2)
    assert shown(explorer) == of_session(units, session, units.index[passing])
    explorer.close()
    quality.apply_preset("Allen tutorial")  # no longer followed once closed
    assert shown(explorer) == of_session(units, session, units.index[passing])
    quality.close()


def test_a_table_explorer_selection_is_followed(session, units):
    table = TableExplorer(units)
    mine = units.index[units["ecephys_session_id"] == session.metadata["ecephys_session_id"]]
    table.select(mine[:5])
    explorer = SpikeExplorer(session, units=table)
    assert shown(explorer) == sorted(int(i) for i in mine[:5])
    table.select(mine[10:13])
    assert shown(explorer) == sorted(int(i) for i in mine[10:13])
    table.close()
    explorer.close()


def test_a_vbn_explorer_is_followed_through_its_revision(demo, session, units):
    cache, genuine = demo
    vx = VBNExplorer(cache)
    explorer = SpikeExplorer(session, units=vx)
    assert shown(explorer) == of_session(units, session, vx.passing)
    assert vx.passing.isin(units.index[units["ecephys_session_id"].isin(vx.chosen_ids)]).all()
    vx.quality.apply_preset("snr and firing rate")
    passing = (units["snr"] > 1) & (units["firing_rate"] > 0.2)
    assert shown(explorer) == of_session(units, session, units.index[passing])
    vx.tables["units"].select(vx.tables["units"].filtered.index[:3])
    assert vx.selected.equals(vx.tables["units"].filtered.index[:3])  # `.selected` is public
    revision = vx.revision
    vx.picker.select([genuine[1]])  # the session's units no longer pass: said, not changed
    assert vx.revision > revision
    assert "none of the chosen units" in explorer.error
    assert shown(explorer) == of_session(units, session, units.index[passing])
    explorer.close()
    vx.close()


def test_the_units_source_kinds_agree(session, units):
    """ids, an Index and a frame of the same units show the same rows."""
    mine = units[units["ecephys_session_id"] == session.metadata["ecephys_session_id"]]
    rows = [SpikeExplorer(session, units=u) for u in (list(mine.index[:6]), mine.index[:6])]
    rows.append(SpikeExplorer(session, units=mine.iloc[:6]))
    try:
        tables = [r.table.index.to_numpy() for r in rows]
        assert all(np.array_equal(tables[0], t) for t in tables[1:])
    finally:
        for r in rows:
            r.close()
