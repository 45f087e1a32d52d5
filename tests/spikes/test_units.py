"""Which units: ids, an Index, a DataFrame, or a widget's ``passing`` / ``selected``; area and
depth from the units table or joined from the channels."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets.spikes import SpikeError
from vbn_widgets.spikes import units as unit_table


class Passing:
    passing = pd.Index([3, 1])


class Selected:
    selected = pd.Index([2])


@pytest.mark.parametrize(
    ("source", "ids"),
    [
        (None, None),
        ([1, 2], [1, 2]),
        (np.array([5]), [5]),
        (pd.Index([4, 2]), [4, 2]),
        (pd.DataFrame(index=pd.Index([7, 8])), [7, 8]),
        (pd.Series([True, False], index=[9, 10]), [9]),
        (Passing(), [3, 1]),
        (Selected(), [2]),
    ],
)
def test_sources(source, ids):
    got = unit_table.source_ids(source)
    assert (got is None) if ids is None else got.tolist() == ids


@pytest.mark.parametrize("source", ["VISp", [1.5], object()])
def test_bad_sources_are_named(source):
    with pytest.raises(SpikeError, match="unit ids"):
        unit_table.source_ids(source)


def test_area_and_depth_joined_from_channels():
    units = pd.DataFrame({"peak_channel_id": [11, 12, 11]}, index=pd.Index([1, 2, 3], name="id"))
    channels = pd.DataFrame(
        {"structure_acronym": ["VISp", "CA1"], "probe_vertical_position": [100.0, 20.0]},
        index=pd.Index([11, 12]),
    )
    session = type(
        "S", (), {"get_units": lambda self: units, "get_channels": lambda self: channels}
    )()
    chosen = unit_table.choose(unit_table.session_units(session), pd.Index([3, 2]))
    assert chosen.index.tolist() == [2, 3]  # session order
    assert chosen["area"].tolist() == ["CA1", "VISp"]
    assert chosen["depth"].tolist() == [20.0, 100.0]


def test_area_order_is_anatomical():
    areas = pd.Series(["ZZ", "LGd", "CA1", "VISl", "VISp", "APN"])
    assert unit_table.area_order(areas) == ["VISp", "VISl", "CA1", "LGd", "APN", "ZZ"]


def test_genuine_session_units_have_areas(demo_cache, nwb_demo):
    session = demo_cache.get_ecephys_session(nwb_demo[2][0])
    chosen = unit_table.choose(unit_table.session_units(session), None)
    assert len(chosen) == len(session.get_units())
    assert chosen["area"].str.startswith("VIS").any()
    assert chosen["depth"].notna().all()
