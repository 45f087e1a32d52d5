"""Filter validation: typed filters, JSON round trips, and every rejection as a SpecError."""

from __future__ import annotations

import copy
import json
import math

import numpy as np
import pandas as pd
import pytest

from vbn_widgets.engine import (
    ColumnInfo,
    Filter,
    FilterSpec,
    RangeFilter,
    SpecError,
    TableEngine,
    ValuesFilter,
    parse_filter,
    parse_spec,
)

COLUMNS = {
    c.name: c
    for c in (
        ColumnInfo("unit_id", "number", "int64", index=True),
        ColumnInfo("rate", "number", "float64"),
        ColumnInfo("area", "category", "str"),
        ColumnInfo("label", "text", "str"),
        ColumnInfo("areas", "list", "object"),
        ColumnInfo("when", "date", "datetime64[us, UTC]"),
        ColumnInfo("day", "date", "datetime64[ns]"),
        ColumnInfo("valid", "bool", "bool"),
    )
}
GOOD = [
    {"column": "rate", "kind": "range", "min": 0.1, "max": 5, "min_inclusive": False},
    {"column": "unit_id", "kind": "range", "min": None, "max": 2**40, "missing": "include"},
    {"column": "area", "kind": "values", "values": ["VISp", "CA1", 3, 2.5, True]},
    {"column": "label", "kind": "text", "pattern": "^Sst", "regex": True, "case_sensitive": True},
    {"column": "areas", "kind": "list", "values": ["CA1"], "mode": "all"},
    {"column": "when", "kind": "date", "start": "2020-01-01", "end": "2020-02-01T00:00:00Z"},
    {"column": "day", "kind": "date", "start": "2020-01-01T05:00:00+05:00", "end": None},
    {"column": "valid", "kind": "bool", "value": False},
]


@pytest.mark.parametrize("obj", GOOD, ids=[g["column"] for g in GOOD])
def test_filters_parse_and_round_trip(obj):
    filt = parse_filter(obj, COLUMNS)
    assert isinstance(filt, Filter)
    assert filt.column == obj["column"] and filt.kind == obj["kind"]
    data = filt.to_json()
    assert set(data) >= set(obj) and data["missing"] in ("exclude", "include")
    assert parse_filter(json.loads(json.dumps(data)), COLUMNS) == filt
    assert parse_filter(filt, COLUMNS) == filt


def test_parsed_fields_are_typed_and_normalised():
    rng = parse_filter(GOOD[0], COLUMNS)
    assert rng == RangeFilter(column="rate", min=0.1, max=5, min_inclusive=False)
    assert rng.missing == "exclude" and rng.max_inclusive is True
    values = parse_filter(GOOD[2], COLUMNS)
    assert isinstance(values, ValuesFilter) and values.values == ("VISp", "CA1", 3, 2.5, True)
    assert parse_filter(GOOD[5], COLUMNS).end == "2020-02-01T00:00:00+00:00"
    assert parse_filter(GOOD[6], COLUMNS).start == "2020-01-01T00:00:00"  # naive column: UTC
    with pytest.raises(AttributeError):
        rng.min = 3  # frozen


def test_spec_round_trip():
    spec = parse_spec({"version": 1, "filters": GOOD}, COLUMNS)
    assert isinstance(spec, FilterSpec) and spec.columns == tuple(g["column"] for g in GOOD)
    assert parse_spec(json.loads(json.dumps(spec.to_json())), COLUMNS) == spec
    assert spec.to_json()["version"] == 1
    assert parse_spec({"version": 1, "filters": []}, COLUMNS) == FilterSpec()


BAD = [
    ("not-a-dict", ["rate"], "must be an object"),
    ("unknown-column", {"column": "nope", "kind": "range"}, "'nope'"),
    ("column-not-str", {"column": ["rate"], "kind": "range"}, "column"),
    ("kind-mismatch", {"column": "area", "kind": "range", "min": 1}, "'area'"),
    ("unknown-kind", {"column": "rate", "kind": "between"}, "'between'"),
    ("bool-is-not-a-number", {"column": "rate", "kind": "range", "min": True}, "'min'"),
    ("string-bound", {"column": "rate", "kind": "range", "max": "3"}, "'3'"),
    ("nan-bound", {"column": "rate", "kind": "range", "min": math.nan}, "nan"),
    ("inf-bound", {"column": "rate", "kind": "range", "max": math.inf}, "inf"),
    ("huge-int", {"column": "rate", "kind": "range", "max": 10**30}, "'max'"),
    ("min-above-max", {"column": "rate", "kind": "range", "min": 3, "max": 2}, "greater than"),
    ("inclusive-not-bool", {"column": "rate", "kind": "range", "min_inclusive": 1}, "1"),
    ("bad-missing", {"column": "rate", "kind": "range", "missing": "drop"}, "'drop'"),
    ("unknown-key", {"column": "rate", "kind": "range", "minimum": 1}, "'minimum'"),
    ("values-not-list", {"column": "area", "kind": "values", "values": "VISp"}, "'VISp'"),
    ("value-none", {"column": "area", "kind": "values", "values": [None]}, "None"),
    ("value-nan", {"column": "area", "kind": "values", "values": [math.nan]}, "nan"),
    ("value-unhashable", {"column": "area", "kind": "values", "values": [{"a": 1}]}, "'a'"),
    ("nested", {"column": "area", "kind": "values", "values": [[[["deep"]]]]}, "values"),
    ("too-many", {"column": "area", "kind": "values", "values": ["x"] * 10_001}, "10000"),
    ("bad-regex", {"column": "label", "kind": "text", "pattern": "(", "regex": True}, "missing )"),
    ("long-pattern", {"column": "label", "kind": "text", "pattern": "a" * 1001}, "1000"),
    ("pattern-none", {"column": "label", "kind": "text", "pattern": None}, "'pattern'"),
    ("bad-mode", {"column": "areas", "kind": "list", "values": [], "mode": "some"}, "'some'"),
    ("bad-date", {"column": "when", "kind": "date", "start": "yesterday"}, "'yesterday'"),
    ("now", {"column": "when", "kind": "date", "start": "now"}, "'now'"),
    ("date-not-str", {"column": "when", "kind": "date", "end": 20200101}, "20200101"),
    (
        "start-after-end",
        {"column": "when", "kind": "date", "start": "2021", "end": "2020"},
        "after",
    ),
    ("bool-missing-value", {"column": "valid", "kind": "bool"}, "'value'"),
    ("bool-value-int", {"column": "valid", "kind": "bool", "value": 1}, "'value'"),
]


@pytest.mark.parametrize(("obj", "needle"), [b[1:] for b in BAD], ids=[b[0] for b in BAD])
def test_bad_filters_are_rejected_with_a_useful_message(obj, needle):
    with pytest.raises(SpecError) as caught:
        parse_filter(obj, COLUMNS)
    assert needle in str(caught.value)
    if isinstance(obj, dict) and isinstance(obj.get("column"), str):
        assert repr(obj["column"]) in str(caught.value)


def test_deep_nesting_does_not_break_the_message():
    deep: list = []
    for _ in range(50_000):
        deep = [deep]
    with pytest.raises(SpecError, match="'area'"):
        parse_filter({"column": "area", "kind": "values", "values": deep}, COLUMNS)
    with pytest.raises(SpecError):
        parse_filter(deep, COLUMNS)


BAD_SPECS = [
    ("not-a-dict", [], "must be an object"),
    ("no-version", {"filters": []}, "version"),
    ("version-2", {"version": 2, "filters": []}, "version"),
    ("version-true", {"version": True, "filters": []}, "version"),
    ("filters-not-list", {"version": 1, "filters": {}}, "filters"),
    ("unknown-key", {"version": 1, "filters": [], "sort": []}, "'sort'"),
    ("duplicate", {"version": 1, "filters": [GOOD[0], GOOD[0]]}, "two filters on column 'rate'"),
    ("bad-filter", {"version": 1, "filters": [GOOD[0], {"column": "zz"}]}, "'zz'"),
]


@pytest.mark.parametrize(
    ("obj", "needle"), [b[1:] for b in BAD_SPECS], ids=[b[0] for b in BAD_SPECS]
)
def test_bad_specs_are_rejected(obj, needle):
    with pytest.raises(SpecError, match=needle):
        parse_spec(obj, COLUMNS)


@pytest.fixture
def engine() -> TableEngine:
    frame = pd.DataFrame(
        {
            "rate": [0.5, 1.5, np.nan, 3.0],
            "area": pd.array(["VISp", "CA1", None, "VISp"], dtype="str"),
            "areas": pd.Series([["CA1"], [], None, ["VISp", "CA1"]], dtype=object),
        },
        index=pd.Index([4, 3, 2, 1], name="unit_id"),
    )
    engine = TableEngine(frame)
    engine.set_filter({"column": "rate", "kind": "range", "min": 1})
    engine.set_sort([("area", True)])
    return engine


def _state(engine: TableEngine):
    return engine.spec, engine.sort_keys, engine.mask.copy(), engine.order.copy()


def _same(before, after) -> None:
    assert before[:2] == after[:2]
    np.testing.assert_array_equal(before[2], after[2])
    np.testing.assert_array_equal(before[3], after[3])


@pytest.mark.parametrize(
    ("call", "args"),
    [
        ("set_filter", ({"column": "rate", "kind": "range", "min": math.nan},)),
        ("set_filter", ({"column": "nope", "kind": "range"},)),
        ("set_filter", ("rate",)),
        ("set_spec", ({"version": 1, "filters": [GOOD[0] | {"column": "rate"}, {"column": "x"}]},)),
        ("set_spec", ({"version": 1, "filters": [{"column": "area", "kind": "values"}] * 2},)),
        ("clear_filter", ("nope",)),
        ("clear_filter", (["rate"],)),
        ("set_sort", ([("nope", True)],)),
        ("set_sort", ([("areas", True)],)),
        ("set_sort", ([("rate", "up")],)),
        ("set_sort", ([("rate", True), ("rate", False)],)),
        ("set_sort", ([("rate", True)] * 9,)),
        ("set_sort", ("rate",)),
        ("summaries", (["rate", "nope"],)),
        ("summaries", ("rate",)),
        ("page", (-1, 10)),
        ("page", (0, 1.5)),
        ("to_code", ("not an identifier",)),
        ("to_code", ("pd",)),
    ],
)
def test_rejected_calls_change_nothing(engine, call, args):
    before = _state(engine)
    with pytest.raises(SpecError):
        getattr(engine, call)(*args)
    _same(before, _state(engine))


def test_set_filter_revalidates_filter_objects(engine):
    foreign = RangeFilter(column="area", min=1)  # a range filter on a category column
    with pytest.raises(SpecError, match="'area'"):
        engine.set_filter(foreign)
    engine.set_filter(RangeFilter(column="rate", max=2.0))
    assert engine.spec.get("rate") == RangeFilter(column="rate", max=2.0)
    spec = copy.deepcopy(engine.spec)
    engine.clear_filters()
    engine.set_spec(spec)
    assert engine.spec == spec
    engine.clear_filter("area")  # not filtered: a no-op
    assert engine.spec == spec


def test_set_filter_replaces_in_place(engine):
    engine.set_filter({"column": "area", "kind": "values", "values": ["CA1"]})
    engine.set_filter({"column": "rate", "kind": "range", "max": 2})
    assert engine.spec.columns == ("rate", "area")
    assert engine.spec.get("rate").max == 2


@pytest.mark.parametrize(
    ("frame", "needle"),
    [
        (pd.DataFrame([[1, 2]], columns=["a", "a"]), "'a'"),
        (pd.DataFrame([[1, 2]], columns=["a", 0]), "0"),
        (pd.DataFrame({"a": [1]}, index=pd.Index([1], name="a")), "'a'"),
        (pd.DataFrame({"index": [1]}), "'index'"),
        (pd.DataFrame({"a": [1]}, index=pd.Index([1], name=7)), "7"),
        (pd.DataFrame({"a": [1]}, index=pd.MultiIndex.from_tuples([(1, 2)])), "MultiIndex"),
        ([[1, 2]], "DataFrame"),
    ],
)
def test_bad_tables_are_rejected(frame, needle):
    with pytest.raises(SpecError, match=needle):
        TableEngine(frame)


def test_generated_code_quotes_hostile_text():
    hostile = "x') or __import__('os').system('echo hi') or ('"
    frame = pd.DataFrame({hostile: pd.array([hostile, "b"] * 1500, dtype="str")})
    engine = TableEngine(frame, category_limit=1)
    engine.set_filter({"column": hostile, "kind": "text", "pattern": hostile})
    code = engine.to_code("df")
    assert repr(hostile) in code
    result = eval(code, {"df": frame, "pd": pd, "np": np})  # noqa: S307
    pd.testing.assert_frame_equal(result, engine.filtered())
    assert len(result) == 1500
