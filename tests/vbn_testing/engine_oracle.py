"""Random frames and filter specs for the engine, and row-by-row oracles to check it against."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from vbn_widgets.engine import TableEngine

CATEGORY_LIMIT = 4  # small, so random string columns come out as "text" or "category"
FLOATS = [0.0, -0.0, 1.5, -2.25, 3.0, 1e10, math.nan, math.inf, -math.inf]
WORDS = ["VISp", "CA1", "LGd", "visp"]
ELEMENTS = ["a", "b", "c", "A"]
PATTERNS = ["a", "A", "b.", "é", "(", "a|b", "^a", "b$", "[ab]+", "", " ", "É", "x", r"\s", r"\w+"]
REGEX_OK = [p for p in PATTERNS if p != "("]
TEXTS = st.sampled_from(
    ["alpha", "Beta", "gamma ray", "ABC", "é-x", "(p)", "b.c", "aaa", "É", "a\x0bb", "ß"]
)
STAMP = st.datetimes(min_value=dt.datetime(2019, 1, 1), max_value=dt.datetime(2021, 12, 31))
settings.register_profile(
    "engine", max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def frames(draw) -> pd.DataFrame:
    n = draw(st.integers(0, 24))

    def column(elements):
        return draw(st.lists(elements, min_size=n, max_size=n))

    floats = st.sampled_from(FLOATS) | st.floats(-1e6, 1e6, allow_nan=False)
    stamps = column(st.none() | STAMP)
    lists = st.none() | st.just(math.nan) | st.lists(st.sampled_from(ELEMENTS), max_size=3)
    data = {
        "num": np.array(column(floats), dtype=float),
        "int": np.array(column(st.integers(-5, 5)), dtype=np.int64),
        "nint": pd.array(column(st.none() | st.integers(-3, 3)), dtype="Int64"),
        "word": pd.array(column(st.none() | st.sampled_from(WORDS)), dtype="str"),
        "text": pd.array(
            column(st.none() | TEXTS | st.text("abcAB .-_é(É", max_size=5)), dtype="str"
        ),
        "cat": pd.Categorical(
            column(st.none() | st.sampled_from(["z", "a", "m"])), categories=["z", "a", "m", "u"]
        ),
        "lst": pd.Series(column(lists), dtype=object),
        "when": pd.to_datetime(pd.Series(stamps, dtype=object))
        .dt.tz_localize("UTC")
        .dt.tz_convert("US/Pacific"),
        "naive": pd.to_datetime(pd.Series(column(st.none() | STAMP), dtype=object)),
        "obj": pd.Series(column(st.none() | st.just(math.nan) | TEXTS), dtype=object),
        "small": np.array(column(st.integers(0, 255)), dtype=np.uint8),
        "flag": np.array(column(st.booleans()), dtype=bool),
        "nbool": pd.array(column(st.none() | st.booleans()), dtype="boolean"),
    }
    frame = pd.DataFrame({k: pd.Series(v).reset_index(drop=True) for k, v in data.items()})
    index = draw(st.sampled_from(["range", "named_int", "named_str", "float", "dates"]))
    if index == "named_int":
        frame.index = pd.Index(column(st.integers(0, 6)), dtype=np.int64, name="uid")
    elif index == "named_str":
        frame.index = pd.Index(column(st.sampled_from(["u", "v", "w"])), dtype="str", name="key")
    elif index == "float":
        frame.index = pd.Index(column(st.sampled_from([0.5, -1.0, math.nan])), name="depth")
    elif index == "dates":
        frame.index = pd.DatetimeIndex(column(st.none() | STAMP), name="at").tz_localize("UTC")
    return frame


def _iso(draw) -> str:
    stamp = pd.Timestamp(draw(STAMP))
    return draw(st.sampled_from([stamp.isoformat(), f"{stamp.isoformat()}+02:00", str(stamp)[:7]]))


def _bounds(draw, pool: list) -> tuple:
    low = draw(st.none() | st.sampled_from(pool))
    high = draw(st.none() | st.sampled_from(pool))
    if low is not None and high is not None and low > high:
        low, high = high, low
    return low, high


@st.composite
def filters_for(draw, engine: TableEngine, column: str) -> dict:
    info = next(c for c in engine.columns if c.name == column)
    out: dict = {"column": column}
    if draw(st.booleans()):
        out["missing"] = draw(st.sampled_from(["exclude", "include"]))
    if info.kind == "number":
        present = [float(v) for v in engine.frame.reset_index()[column].dropna()]
        pool = [v for v in present if math.isfinite(v)] + [-1, 0, 2, 2.5, 1e6]
        low, high = _bounds(draw, pool)
        out |= {"kind": "range", "min": low, "max": high}
        out["min_inclusive"], out["max_inclusive"] = draw(st.booleans()), draw(st.booleans())
    elif info.kind == "category":
        pool = [*WORDS, "z", "a", "m", "u", "nope", 1]
        out |= {"kind": "values", "values": draw(st.lists(st.sampled_from(pool), max_size=4))}
    elif info.kind == "text":
        regex = draw(st.booleans())
        pattern = draw(st.sampled_from(REGEX_OK if regex else PATTERNS))
        out |= {"kind": "text", "pattern": pattern, "regex": regex}
        out["case_sensitive"] = draw(st.booleans())
    elif info.kind == "list":
        values = draw(st.lists(st.sampled_from([*ELEMENTS, "zz"]), max_size=3))
        out |= {"kind": "list", "values": values, "mode": draw(st.sampled_from(["any", "all"]))}
    elif info.kind == "date":
        start, end = draw(st.none() | st.just(_iso(draw))), draw(st.none() | st.just(_iso(draw)))
        if start is not None and end is not None:
            tz = "UTC" if "," in info.dtype else None
            first, second = sorted([start, end], key=lambda s: _stamp(s, tz))
            start, end = first, second
        out |= {"kind": "date", "start": start, "end": end}
    else:
        out |= {"kind": "bool", "value": draw(st.booleans())}
    return out


def _stamp(text: str, tz: str | None) -> pd.Timestamp:
    stamp = pd.Timestamp(text)
    if tz is not None:
        return stamp.tz_localize(tz) if stamp.tz is None else stamp.tz_convert(tz)
    return stamp if stamp.tz is None else stamp.tz_convert("UTC").tz_localize(None)


# ---- oracles ------------------------------------------------------------------------------


def _is_missing(value, kind: str) -> bool:
    if kind == "list":
        items = value if isinstance(value, list | tuple) else [value]
        return all(
            x is None or x is pd.NA or (isinstance(x, float) and math.isnan(x)) for x in items
        )
    return value is None or value is pd.NA or value is pd.NaT or pd.isna(value)


def _number_passes(value, filt: dict, dtype: str) -> bool:
    low, high = filt["min"], filt["max"]
    ok = low is None or (value >= low if filt["min_inclusive"] else value > low)
    return ok and (high is None or (value <= high if filt["max_inclusive"] else value < high))


def _text_passes(value, filt: dict, dtype: str) -> bool:
    """RE2 semantics (the engine's): pyarrow's RE2 functions, asked one text at a time."""
    search = pc.match_substring_regex if filt["regex"] else pc.match_substring
    hit = search(pa.array([str(value)]), filt["pattern"], ignore_case=not filt["case_sensitive"])
    return bool(hit[0].as_py())


def _list_passes(value, filt: dict, dtype: str) -> bool:
    items = set(value if isinstance(value, list | tuple) else [value])
    wanted = set(filt["values"])
    return bool(items & wanted) if filt["mode"] == "any" else wanted <= items


def _date_passes(value, filt: dict, dtype: str) -> bool:
    tz = "UTC" if "," in dtype else None
    start, end = filt["start"], filt["end"]
    ok = start is None or value >= _stamp(start, tz)
    return ok and (end is None or value < _stamp(end, tz))


PASSES = {
    "number": _number_passes,
    "category": lambda value, filt, dtype: value in filt["values"],
    "text": _text_passes,
    "list": _list_passes,
    "date": _date_passes,
    "bool": lambda value, filt, dtype: bool(value) == filt["value"],
}


def _row_passes(value, filt: dict, kind: str, dtype: str) -> bool:
    if _is_missing(value, kind):
        return filt.get("missing", "exclude") == "include"
    return PASSES[kind](value, filt, dtype)


def oracle_mask(frame: pd.DataFrame, engine: TableEngine, spec: list[dict]) -> np.ndarray:
    table = frame.reset_index()
    infos = {c.name: c for c in engine.columns}
    keep = np.ones(len(frame), dtype=bool)
    for filt in spec:
        info = infos[filt["column"]]
        values = table[filt["column"]].tolist()
        keep &= np.array([_row_passes(v, filt, info.kind, info.dtype) for v in values], bool)
    return keep


def oracle_order(frame, engine: TableEngine, keep: np.ndarray, keys) -> list[int]:
    table = frame.reset_index()
    rows = [int(i) for i in np.flatnonzero(keep)]
    for column, ascending in reversed(keys):
        series = table[column]
        if isinstance(series.dtype, pd.CategoricalDtype):
            values = series.cat.codes.where(series.notna(), None).tolist()
        else:
            values = series.tolist()
        present = [r for r in rows if not _is_missing(values[r], "number")]
        absent = [r for r in rows if _is_missing(values[r], "number")]
        present.sort(key=lambda r: values[r], reverse=not ascending)
        rows = present + absent
    return rows
