"""Each filter kind and missing rule against an independent pandas expression."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from vbn_widgets.engine import TableEngine

N = 600


@pytest.fixture(scope="module")
def frame() -> pd.DataFrame:
    rng = np.random.default_rng(5)
    rate = rng.lognormal(0, 1, N)
    rate[rng.random(N) < 0.1] = np.nan
    count = pd.array(rng.integers(0, 10, N), dtype="Int64")
    count[rng.random(N) < 0.1] = pd.NA
    area = rng.choice(np.array(["VISp", "CA1", "LGd", "VISam"], dtype=object), N)
    area[rng.random(N) < 0.1] = None
    words = np.array([f"{w}-{i}" for i, w in enumerate(rng.choice(["Sst", "vip", "Pvalb"], N))])
    text = pd.array(words, dtype="str")
    text[rng.random(N) < 0.1] = None
    pool = ["APN", "CA1", "VISp", "LP"]
    lists = [list(rng.choice(pool, rng.integers(0, 4), replace=False)) for _ in range(N)]
    for i in np.flatnonzero(rng.random(N) < 0.05):
        lists[i] = np.nan if i % 2 else None
    when = pd.Series(
        pd.Timestamp("2020-01-01", tz="UTC") + pd.to_timedelta(rng.integers(0, 700, N), "D")
    )
    when[rng.random(N) < 0.1] = pd.NaT
    flag = pd.array(rng.random(N) < 0.5, dtype="boolean")
    flag[rng.random(N) < 0.1] = pd.NA
    frame = pd.DataFrame(
        {
            "rate": rate,
            "count": count,
            "area": pd.array(area, dtype="str"),
            "label": text,
            "areas": pd.Series(lists, dtype=object),
            "when": when,
            "flag": flag,
            "valid": rng.random(N) < 0.7,
        }
    )
    return frame.set_axis(pd.Index(np.arange(N) * 3 + 1000, name="unit_id"))


@pytest.fixture
def engine(frame) -> TableEngine:
    return TableEngine(frame, category_limit=50)


def check(engine: TableEngine, frame: pd.DataFrame, filt: dict, expected: pd.Series) -> None:
    engine.set_filter(filt)
    np.testing.assert_array_equal(engine.mask, expected.to_numpy(dtype=bool))
    pd.testing.assert_frame_equal(engine.filtered(), frame[expected.to_numpy(dtype=bool)])
    code = engine.to_code("df")
    pd.testing.assert_frame_equal(eval(code, {"df": frame, "pd": pd, "np": np}), engine.filtered())  # noqa: S307


def test_kinds(engine):
    kinds = {c.name: c.kind for c in engine.columns}
    assert kinds == {
        "unit_id": "number",
        "rate": "number",
        "count": "number",
        "area": "category",
        "label": "text",
        "areas": "list",
        "when": "date",
        "flag": "bool",
        "valid": "bool",
    }
    assert engine.columns[0].index and not any(c.index for c in engine.columns[1:])
    assert engine.columns[0].to_json() == {
        "name": "unit_id",
        "kind": "number",
        "dtype": "int64",
        "index": True,
    }


@pytest.mark.parametrize("missing", ["exclude", "include"])
def test_range(engine, frame, missing):
    rate = frame["rate"]
    expected = (rate >= 0.5) & (rate < 2)
    expected = expected | rate.isna() if missing == "include" else expected
    filt = {"column": "rate", "kind": "range", "min": 0.5, "max": 2, "max_inclusive": False}
    check(engine, frame, filt | {"missing": missing}, expected)


def test_range_exclusive_min_and_unbounded(engine, frame):
    check(
        engine,
        frame,
        {"column": "rate", "kind": "range", "min": None, "max": None},
        frame["rate"].notna(),
    )
    filt = {"column": "rate", "kind": "range", "min": 1.0, "min_inclusive": False, "max": None}
    check(engine, frame, filt, frame["rate"] > 1.0)


@pytest.mark.parametrize("missing", ["exclude", "include"])
def test_range_on_nullable_ints(engine, frame, missing):
    count = frame["count"].astype("float64")
    expected = (count >= 3) & (count <= 5)
    expected = expected | count.isna() if missing == "include" else expected
    filt = {"column": "count", "kind": "range", "min": 3, "max": 5, "missing": missing}
    check(engine, frame, filt, expected)


def test_range_on_the_index(engine, frame):
    expected = pd.Series(frame.index > 1300, index=frame.index)
    filt = {"column": "unit_id", "kind": "range", "min": 1300, "min_inclusive": False}
    check(engine, frame, filt, expected)


@pytest.mark.parametrize("missing", ["exclude", "include"])
def test_values(engine, frame, missing):
    area = frame["area"]
    expected = area.isin(["VISp", "LGd"])
    expected = expected | area.isna() if missing == "include" else expected
    filt = {"column": "area", "kind": "values", "values": ["VISp", "LGd"], "missing": missing}
    check(engine, frame, filt, expected)


def test_empty_values_keep_nothing_but_missing(engine, frame):
    nothing = pd.Series(False, index=frame.index)
    check(engine, frame, {"column": "area", "kind": "values", "values": []}, nothing)
    filt = {"column": "area", "kind": "values", "values": [], "missing": "include"}
    check(engine, frame, filt, frame["area"].isna())


@pytest.mark.filterwarnings("ignore:This pattern is interpreted as a regular expression")
@pytest.mark.parametrize("missing", ["exclude", "include"])
@pytest.mark.parametrize(
    "search",
    [
        {"pattern": "sst", "regex": False, "case_sensitive": False},
        {"pattern": "Sst", "regex": False, "case_sensitive": True},
        {"pattern": "sst", "regex": False, "case_sensitive": True},
        {"pattern": r"^(vip|pv)", "regex": True, "case_sensitive": False},
    ],
)
def test_text(engine, frame, search, missing):
    label = frame["label"]
    texts = label.astype(object)
    pattern = search["pattern"]
    if search["regex"]:
        expected = texts.map(lambda t: isinstance(t, str) and bool(re_search(pattern, t)))
    elif search["case_sensitive"]:
        expected = texts.map(lambda t: isinstance(t, str) and pattern in t)
    else:
        expected = texts.map(lambda t: isinstance(t, str) and pattern.lower() in t.lower())
    expected = expected | label.isna() if missing == "include" else expected
    check(engine, frame, {"column": "label", "kind": "text", "missing": missing} | search, expected)


def re_search(pattern: str, text: str):
    import re

    return re.search(pattern, text, re.IGNORECASE)


@pytest.mark.parametrize("missing", ["exclude", "include"])
@pytest.mark.parametrize("mode", ["any", "all"])
def test_list(engine, frame, mode, missing):
    wanted = {"CA1", "VISp"}
    cells = frame["areas"]

    def passes(cell) -> bool:
        if not isinstance(cell, list) or not cell:
            return missing == "include"
        return bool(wanted & set(cell)) if mode == "any" else wanted <= set(cell)

    filt = {"column": "areas", "kind": "list", "values": sorted(wanted), "mode": mode}
    check(engine, frame, filt | {"missing": missing}, cells.map(passes))


def test_list_all_of_an_absent_element_keeps_nothing(engine, frame):
    filt = {"column": "areas", "kind": "list", "values": ["CA1", "nowhere"], "mode": "all"}
    check(engine, frame, filt, pd.Series(False, index=frame.index))


@pytest.mark.parametrize("missing", ["exclude", "include"])
def test_date(engine, frame, missing):
    when = frame["when"]
    start, end = pd.Timestamp("2020-06-01", tz="UTC"), pd.Timestamp("2021-01-01T02:00", tz="UTC")
    expected = (when >= start) & (when < end)
    expected = expected | when.isna() if missing == "include" else expected
    # a naive start is UTC; an offset end is converted to UTC
    filt = {
        "column": "when",
        "kind": "date",
        "start": "2020-06-01",
        "end": "2021-01-01T03:00+01:00",
    }
    check(engine, frame, filt | {"missing": missing}, expected)
    assert engine.spec.get("when").start == "2020-06-01T00:00:00+00:00"
    assert engine.spec.get("when").end == "2021-01-01T02:00:00+00:00"


@pytest.mark.parametrize("missing", ["exclude", "include"])
@pytest.mark.parametrize("value", [True, False])
def test_bool(engine, frame, value, missing):
    flag = frame["flag"]
    expected = (flag == value).fillna(False)
    expected = expected | flag.isna() if missing == "include" else expected
    check(
        engine,
        frame,
        {"column": "flag", "kind": "bool", "value": value, "missing": missing},
        expected,
    )
    check(
        engine,
        frame,
        {"column": "valid", "kind": "bool", "value": value},
        (frame["valid"] == value) & expected,
    )


def test_filters_combine_with_and(engine, frame):
    engine.set_filter({"column": "rate", "kind": "range", "min": 1})
    engine.set_filter({"column": "area", "kind": "values", "values": ["CA1"]})
    expected = (frame["rate"] >= 1) & (frame["area"] == "CA1")
    assert engine.filtered_count == int(expected.sum())
    engine.clear_filter("rate")
    np.testing.assert_array_equal(engine.mask, (frame["area"] == "CA1").fillna(False).to_numpy())
    engine.clear_filters()
    assert engine.filtered_count == N and engine.mask.all()


def test_sort_and_pages(engine, frame):
    engine.set_filter({"column": "rate", "kind": "range", "min": 1, "missing": "include"})
    engine.set_sort([("area", True), ("rate", False)])
    expected = frame[(frame["rate"] >= 1) | frame["rate"].isna()].sort_values(
        ["area", "rate"], ascending=[True, False], kind="stable", na_position="last"
    )
    pd.testing.assert_frame_equal(engine.filtered(), expected)
    pd.testing.assert_frame_equal(engine.page(10, 5), expected.iloc[10:15])
    assert engine.page(10_000, 5).empty
    assert list(engine.page(0, 5).columns) == list(frame.columns)
    pd.testing.assert_index_equal(engine.filtered_index(), expected.index)
    assert engine.order.dtype == np.int64
    engine.set_sort([("unit_id", False)])
    assert engine.filtered_index().is_monotonic_decreasing
    engine.set_sort([])
    assert engine.sort_keys == () and np.all(np.diff(engine.order) > 0)


def test_sort_by_an_unnamed_index(frame):
    plain = frame.reset_index(drop=True).iloc[::-1]
    engine = TableEngine(plain)
    assert engine.columns[0].name == "index"
    engine.set_sort([("area", True), ("index", True)])
    code = engine.to_code("df")
    result = eval(code, {"df": plain, "pd": pd, "np": np})  # noqa: S307
    pd.testing.assert_frame_equal(result, engine.filtered())
    assert result.index.name is None
