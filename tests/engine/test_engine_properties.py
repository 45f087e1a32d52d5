"""Property tests: random frames x random specs x random sort keys.

For every draw: the engine's mask equals a row-by-row Python oracle (``vbn_testing.engine_oracle``),
its order equals a stable-sort oracle, ``eval(to_code())`` reproduces ``filtered()`` exactly, and
the spec survives a JSON round trip.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st
from vbn_testing.engine_oracle import CATEGORY_LIMIT, filters_for, frames, oracle_mask, oracle_order

from vbn_widgets.engine import TableEngine, parse_spec


@settings(settings.get_profile("engine"))
@given(data=st.data(), frame=frames())
def test_engine_matches_oracles_and_generated_code(data, frame):
    engine = TableEngine(frame, category_limit=CATEGORY_LIMIT)
    names = [c.name for c in engine.columns]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=4))
    spec = [data.draw(filters_for(engine, c)) for c in chosen]
    sortable = [c.name for c in engine.columns if c.kind != "list"]
    keys = data.draw(st.lists(st.sampled_from(sortable), unique=True, max_size=3))
    keys = [(k, data.draw(st.booleans())) for k in keys]

    engine.set_spec({"version": 1, "filters": spec})
    engine.set_sort(keys)

    keep = oracle_mask(frame, engine, spec)
    np.testing.assert_array_equal(engine.mask, keep)
    assert engine.filtered_count == int(keep.sum())
    assert engine.order.tolist() == oracle_order(frame, engine, keep, keys)

    code = engine.to_code("df")
    result = eval(code, {"df": frame, "pd": pd, "np": np})  # noqa: S307 - the code under test
    pd.testing.assert_frame_equal(result, engine.filtered())
    pd.testing.assert_index_equal(engine.filtered_index(), engine.filtered().index)

    columns = {c.name: c for c in engine.columns}
    again = parse_spec(json.loads(json.dumps(engine.spec.to_json())), columns)
    assert again == engine.spec
    assert again.to_json() == engine.spec.to_json()


@settings(settings.get_profile("engine"))
@given(data=st.data(), frame=frames())
def test_one_filter_at_a_time_equals_setting_the_spec(data, frame):
    engine = TableEngine(frame, category_limit=CATEGORY_LIMIT)
    names = [c.name for c in engine.columns]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, min_size=1, max_size=4))
    spec = [data.draw(filters_for(engine, c)) for c in chosen]
    for filt in spec:
        engine.set_filter(filt)
    fresh = TableEngine(frame, category_limit=CATEGORY_LIMIT)
    fresh.set_spec({"version": 1, "filters": spec})
    np.testing.assert_array_equal(engine.mask, fresh.mask)
    engine.clear_filter(chosen[0])
    fresh.set_spec({"version": 1, "filters": spec[1:]})
    np.testing.assert_array_equal(engine.mask, fresh.mask)


@settings(settings.get_profile("engine"))
@given(data=st.data(), frame=frames())
def test_every_column_filter_alone_matches_the_oracle(data, frame):
    engine = TableEngine(frame, category_limit=CATEGORY_LIMIT)
    for info in engine.columns:
        filt = data.draw(filters_for(engine, info.name))
        engine.set_filter(filt)
        np.testing.assert_array_equal(engine.mask, oracle_mask(frame, engine, [filt]))
        code = engine.to_code("table")
        result = eval(code, {"table": frame, "pd": pd, "np": np})  # noqa: S307 - code under test
        pd.testing.assert_frame_equal(result, engine.filtered())
        engine.clear_filter(info.name)
