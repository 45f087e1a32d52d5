"""Summaries: facet counts follow the other filters; totals cover the table; caches are reused."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets.engine import TableEngine, masks

N = 3_000


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(11)
    rate = rng.gamma(2.0, 2.0, N)
    rate[rng.random(N) < 0.05] = np.nan
    area = rng.choice(np.array(["VISp", "CA1", "LGd", "VISam", "APN"], dtype=object), N)
    area[rng.random(N) < 0.05] = None
    pool = np.array(["APN", "CA1", "VISp", "LP"])
    lists = [list(rng.choice(pool, rng.integers(0, 4))) for _ in range(N)]  # repeats allowed
    when = pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 10**6, N), "min")
    frame = pd.DataFrame(
        {
            "rate": rate,
            "depth": rng.integers(0, 3840, N),
            "area": pd.array(area, dtype="str"),
            "label": pd.array([f"unit {i}" for i in range(N)], dtype="str"),
            "areas": pd.Series(lists, dtype=object),
            "when": pd.Series(when).where(rng.random(N) > 0.05),
            "valid": rng.random(N) < 0.8,
            "many": pd.array([f"v{int(v):03d}" for v in rng.zipf(1.3, N) % 300], dtype="str"),
        }
    )
    return frame.set_axis(pd.Index(np.arange(N) + 10**9, name="unit_id"))


FILTERS = [
    {"column": "rate", "kind": "range", "min": 1.0, "max": 8.0},
    {"column": "area", "kind": "values", "values": ["VISp", "CA1", "LGd"], "missing": "include"},
    {"column": "areas", "kind": "list", "values": ["CA1", "LP"], "mode": "any"},
    {"column": "valid", "kind": "bool", "value": True},
]


@pytest.fixture
def engine(frame) -> TableEngine:
    engine = TableEngine(frame)
    engine.set_spec({"version": 1, "filters": FILTERS})
    return engine


def others_mask(engine: TableEngine, column: str) -> np.ndarray:
    probe = TableEngine(engine.frame)
    probe.set_spec({"version": 1, "filters": [f for f in FILTERS if f["column"] != column]})
    return probe.mask


def test_value_facets_follow_the_other_filters(engine, frame):
    for column in ("area", "valid", "many"):
        [summary] = engine.summaries([column])
        kept = frame[others_mask(engine, column)][column]
        expected = kept.value_counts(dropna=True)
        totals = frame[column].value_counts(dropna=True)
        assert summary["type"] == "values"
        got = dict(zip(summary["values"], summary["counts"].tolist(), strict=True))
        assert got == {k: int(expected.get(k, 0)) for k in summary["values"]}
        got_totals = dict(zip(summary["values"], summary["totals"].tolist(), strict=True))
        assert got_totals == {k: int(totals[k]) for k in summary["values"]}
        assert summary["missing"] == int(kept.isna().sum())
        assert summary["missing_total"] == int(frame[column].isna().sum())
        assert summary["counts"].dtype == np.int32 and summary["totals"].dtype == np.int32
        assert summary["more"] == frame[column].nunique() - len(summary["values"])


def test_values_are_most_frequent_first_and_at_most_200(engine, frame):
    """Most frequent *under the other filters* first: the order of the counts shown."""
    [summary] = engine.summaries(["many"])
    assert len(summary["values"]) == 200
    assert summary["more"] == frame["many"].nunique() - 200
    kept = frame[others_mask(engine, "many")]["many"].value_counts()
    counts = {v: int(kept.get(v, 0)) for v in frame["many"].dropna().unique()}
    order = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
    assert summary["values"] == [k for k, _ in order[:200]]
    assert np.all(np.diff(summary["counts"]) <= 0)
    whole = sorted(frame["many"].value_counts().items(), key=lambda kv: (-kv[1], kv[0]))
    assert summary["values"] != [k for k, _ in whole[:200]]  # not the whole table's order


def test_list_facets_count_each_element_once_per_row(engine, frame):
    [summary] = engine.summaries(["areas"])
    kept = frame[others_mask(engine, "areas")]["areas"]
    expected = kept.map(set).explode().value_counts()
    assert dict(zip(summary["values"], summary["counts"].tolist(), strict=True)) == {
        k: int(expected.get(k, 0)) for k in summary["values"]
    }
    assert summary["missing"] == int(kept.map(len).eq(0).sum())
    assert summary["missing_total"] == int(frame["areas"].map(len).eq(0).sum())
    totals = frame["areas"].map(set).explode().value_counts()
    assert summary["totals"].tolist() == [int(totals[k]) for k in summary["values"]]


@pytest.mark.parametrize("column", ["rate", "depth", "when", "unit_id"])
def test_histograms_follow_the_other_filters(engine, frame, column):
    [summary] = engine.summaries([column])
    assert summary["type"] == "histogram"
    edges = np.array(summary["edges"])
    assert len(edges) == 41 and len(summary["counts"]) == len(summary["totals"]) == 40
    values = frame.index.to_series() if column == "unit_id" else frame[column]
    if column == "when":
        assert edges[0] == values.min().value / 1e6  # ms since epoch
        values = values.dt.tz_convert(None).astype("datetime64[ms]").astype("int64").astype(float)
        values = values.where(frame["when"].notna())
    kept = values[others_mask(engine, column)]
    assert summary["counts"].sum() + summary["missing"] == len(kept)
    assert summary["missing"] == int(kept.isna().sum())
    np.testing.assert_array_equal(summary["counts"], np.histogram(kept.dropna(), edges)[0])
    np.testing.assert_array_equal(summary["totals"], np.histogram(values.dropna(), edges)[0])
    assert summary["missing_total"] == int(values.isna().sum())


def test_text_columns_only_count_missing(engine, frame):
    [summary] = engine.summaries(["label"])
    assert summary == {"column": "label", "type": "none", "missing": 0, "missing_total": 0}


def test_summaries_keep_request_order_and_allow_repeats(engine):
    names = ["valid", "rate", "valid", "unit_id"]
    assert [s["column"] for s in engine.summaries(names)] == names


def test_constant_and_empty_columns():
    frame = pd.DataFrame({"const": [2.0, 2.0, np.nan], "empty": [np.nan] * 3, "inf": [np.inf] * 3})
    const, empty, inf = TableEngine(frame).summaries(["const", "empty", "inf"])
    assert const["edges"] == [2.0, 2.0] and const["counts"].tolist() == [2]
    assert const["missing"] == 1
    assert empty["counts"].sum() == 0 and empty["missing"] == 3
    assert inf["counts"].tolist() == [3] and inf["missing"] == 0
    assert TableEngine(frame.iloc[:0]).summaries(["const"])[0]["missing_total"] == 0


def test_changing_one_filter_recomputes_only_its_mask(engine, monkeypatch):
    calls: list[str] = []
    real = masks.filter_mask

    def spy(col, filt):
        calls.append(filt.column)
        return real(col, filt)

    monkeypatch.setattr(masks, "filter_mask", spy)
    area_mask = engine._filter_masks["area"][1]
    engine.summaries(["rate", "area"])
    engine.set_filter({"column": "rate", "kind": "range", "min": 2.0})
    _ = engine.filtered_count, engine.order
    engine.summaries(["rate", "area", "areas"])
    assert calls == ["rate"]
    assert engine._filter_masks["area"][1] is area_mask
    engine.set_filter({"column": "rate", "kind": "range", "min": 2.0})  # unchanged: no work
    assert calls == ["rate"]


def test_own_filter_changes_leave_its_facet_cached(engine):
    [before] = engine.summaries(["rate"])
    engine.set_filter({"column": "rate", "kind": "range", "min": 3.0})
    [after] = engine.summaries(["rate"])
    assert after["counts"] is before["counts"]  # same cached array: only other filters count
    engine.set_filter({"column": "valid", "kind": "bool", "value": False})
    [changed] = engine.summaries(["rate"])
    assert changed["counts"].tolist() != before["counts"].tolist()


def test_cached_arrays_are_read_only(engine):
    [summary] = engine.summaries(["rate"])
    for array in (engine.mask, engine.order):
        with pytest.raises(ValueError, match="read-only"):
            array[0] = array[0]
    summary["edges"].append(1.0)  # callers get their own lists
    assert len(engine.summaries(["rate"])[0]["edges"]) == 41
