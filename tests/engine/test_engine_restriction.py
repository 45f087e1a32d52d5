"""Restriction (a base row set before the filters): engine properties and TableExplorer wiring.

For random frames, restrictions, specs and sort keys: the restricted engine keeps exactly the
rows an independent pandas expression keeps, its generated code reproduces them, and its facet
counts and totals equal those of an unrestricted engine filtering on an "in the restriction"
column.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vbn_testing.engine_oracle import CATEGORY_LIMIT, filters_for, frames, oracle_mask, oracle_order

from vbn_widgets import TableExplorer
from vbn_widgets.engine import SpecError, TableEngine

IN = "in_restriction"


def run_code(code: str, frame: pd.DataFrame, **names: object) -> pd.DataFrame:
    """Execute generated code: statements, then the expression on the last line."""
    *statements, expr = code.split("\n")
    namespace = {"df": frame, "pd": pd, "np": np, **names}
    exec("\n".join(statements), namespace)  # noqa: S102 - the code under test
    return eval(expr, namespace)  # noqa: S307


def _draw_case(data, frame):
    keep = np.array(
        data.draw(st.lists(st.booleans(), min_size=len(frame), max_size=len(frame))), dtype=bool
    )
    engine = TableEngine(frame, category_limit=CATEGORY_LIMIT)
    names = [c.name for c in engine.columns]
    chosen = data.draw(st.lists(st.sampled_from(names), unique=True, max_size=3))
    spec = [data.draw(filters_for(engine, c)) for c in chosen]
    sortable = [c.name for c in engine.columns if c.kind != "list"]
    keys = data.draw(st.lists(st.sampled_from(sortable), unique=True, max_size=2))
    keys = [(k, data.draw(st.booleans())) for k in keys]
    return keep, engine, spec, keys


@settings(settings.get_profile("engine"))
@given(data=st.data(), frame=frames())
def test_restricted_and_filtered_equals_pandas(data, frame):
    keep, engine, spec, keys = _draw_case(data, frame)
    by_labels = frame.index.is_unique and data.draw(st.booleans())
    engine.set_spec({"version": 1, "filters": spec})
    engine.set_sort(keys)
    if by_labels:  # default code: a literal list of the labels
        engine.restrict(frame.index[keep])
    else:
        engine.restrict(keep, code="df = df[keep_mask]")  # the caller's code, its own names

    expected = keep & oracle_mask(frame, engine, spec)
    np.testing.assert_array_equal(engine.mask, expected)
    assert engine.filtered_count == int(expected.sum())
    assert engine.restricted_count == int(keep.sum())
    assert engine.order.tolist() == oracle_order(frame, engine, expected, keys)
    pd.testing.assert_index_equal(engine.page(0, 5).index, engine.filtered().index[:5])

    result = run_code(engine.to_code("df"), frame, keep_mask=keep)
    pd.testing.assert_frame_equal(result, engine.filtered())


@settings(settings.get_profile("engine"), max_examples=80)
@given(data=st.data(), frame=frames())
def test_restricted_summaries_equal_filtering_on_a_column(data, frame):
    keep, engine, spec, _ = _draw_case(data, frame)
    engine.set_spec({"version": 1, "filters": spec})
    engine.restrict(keep)
    marked = frame.assign(**{IN: keep})
    other = TableEngine(marked, category_limit=CATEGORY_LIMIT)
    inside = {"column": IN, "kind": "bool", "value": True}
    other.set_spec({"version": 1, "filters": [*spec, inside]})
    only_in = TableEngine(marked, category_limit=CATEGORY_LIMIT)
    only_in.set_filter(inside)
    names = [c.name for c in engine.columns]
    for mine, theirs, totals in zip(
        engine.summaries(names), other.summaries(names), only_in.summaries(names), strict=True
    ):
        assert mine["missing"] == theirs["missing"]
        assert mine["missing_total"] == totals["missing"]
        if "counts" in mine:  # values are listed by their counts: compare value by value
            assert by_value(mine, "counts") == by_value(theirs, "counts")
            assert by_value(mine, "totals") == by_value(totals, "counts")


def by_value(summary: dict, key: str) -> dict | list:
    if summary["type"] == "values":
        return dict(zip(map(repr, summary["values"]), summary[key].tolist(), strict=True))
    return summary[key].tolist()


def test_restriction_lifts_and_rejects_bad_masks():
    frame = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0]}, index=pd.Index([10, 11, 12, 13], name="id"))
    engine = TableEngine(frame)
    engine.set_filter({"column": "x", "kind": "range", "min": 2})
    engine.restrict(pd.Index([11, 13, 99]))  # 99 is in no row: it matches nothing
    assert engine.filtered().index.tolist() == [11, 13]
    assert engine.to_code("units").split("\n")[:2] == [
        "df = units",
        "df = df[df.index.isin([11, 13])]",
    ]
    pd.testing.assert_frame_equal(run_code(engine.to_code(), frame), engine.filtered())
    assert engine.to_code("t", restriction=False) == "t[(t['x'].ge(2) & t['x'].notna())]"
    engine.restrict(None)
    assert engine.filtered().index.tolist() == [11, 12, 13]
    assert engine.restriction is None and engine.restricted_count == 4
    with pytest.raises(SpecError, match="needs 4 values"):
        engine.restrict(np.array([True, False]))
    with pytest.raises(SpecError, match="index labels or a bool mask"):
        engine.restrict(5)
    with pytest.raises(SpecError, match="code must be a string"):
        engine.restrict(pd.Index([10]), code=3)
    assert engine.filtered().index.tolist() == [11, 12, 13]  # rejected: nothing changed


def test_explorer_restrict_counts_export_selection_and_code(user_ns, sent):
    frame = pd.DataFrame(
        {"session": [1, 1, 2, 2, 3], "snr": [0.5, 2.0, 3.0, 0.1, 4.0]},
        index=pd.Index([100, 101, 102, 103, 104], name="unit_id"),
    )
    te = TableExplorer(frame, export_to="units_out")
    te.set_filter("snr", min=1)
    te.select([101, 104])
    revision = te.revision
    te.restrict(frame.index[frame["session"].isin([1, 2])], code="df = df[df['session'] <= 2]")
    assert (te.row_count, te.filtered_count, te.selected_count) == (4, 2, 1)
    assert te.revision > revision
    assert te.selected.tolist() == [101]
    assert user_ns["units_out"].index.tolist() == [101, 102]
    code = te.filter_code
    assert code.startswith("df = df[df['session'] <= 2]\n")
    pd.testing.assert_frame_equal(run_code(code, frame), te.filtered)
    te.restrict(None)
    assert (te.row_count, te.filtered_count) == (5, 3)
    assert user_ns["units_out"].index.tolist() == [101, 102, 104]
    assert "\n" not in te.filter_code
