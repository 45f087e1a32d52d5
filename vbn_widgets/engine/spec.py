"""Validation of untrusted filter objects and specs into typed filters.

Everything arriving here is JSON-able data from the browser: it is type-checked field by field,
never evaluated, and every rejection is a :class:`SpecError` naming the column, field and value.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Mapping

import numpy as np
import pandas as pd

from .errors import SpecError, show
from .filters import FILTER_CLASSES, SPEC_VERSION, Filter, FilterSpec
from .kinds import ColumnInfo
from .protocol import FILTER_KIND, MISSING
from .text import SYNTAX, regex_problem

MAX_PATTERN = 1_000
MAX_VALUES = 10_000
MAX_STRING = 10_000  # one value of a values/list filter
MAX_DATE_STRING = 64
MAX_INT = 2**64  # integer bounds and values: |v| < MAX_INT


# ---- validation helpers -------------------------------------------------------------------


class _Where:
    """Builds messages that name the filter's column and the field at fault."""

    def __init__(self, column: str | None) -> None:
        self.column = column

    def error(self, field_name: str | None, problem: str) -> SpecError:
        where = "filter" if self.column is None else f"filter on column {self.column!r}"
        if field_name is not None:
            where += f", field {field_name!r}"
        return SpecError(f"{where}: {problem}")


def _is_number(value: object) -> bool:
    return isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_)


def _number(where: _Where, name: str, value: object) -> int | float:
    if not _is_number(value):
        raise where.error(name, f"expected a number, got {show(value)}")
    if isinstance(value, numbers.Integral):
        as_int = int(value)
        if abs(as_int) >= MAX_INT:
            raise where.error(name, f"integer out of range: {show(value)}")
        return as_int
    as_float = float(value)
    if not math.isfinite(as_float):
        raise where.error(name, f"expected a finite number, got {show(value)}")
    return as_float


def _optional_number(where: _Where, name: str, value: object) -> int | float | None:
    return None if value is None else _number(where, name, value)


def _bool(where: _Where, name: str, value: object) -> bool:
    if not isinstance(value, bool | np.bool_):
        raise where.error(name, f"expected true or false, got {show(value)}")
    return bool(value)


def _choice(where: _Where, name: str, value: object, choices: tuple[str, ...]) -> str:
    if not isinstance(value, str) or value not in choices:
        expected = " or ".join(repr(c) for c in choices)
        raise where.error(name, f"expected {expected}, got {show(value)}")
    return value


def _scalar(where: _Where, name: str, value: object) -> str | int | float | bool:
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, str):
        if len(value) > MAX_STRING:
            raise where.error(name, f"a value is longer than {MAX_STRING} characters")
        return value
    if _is_number(value):
        return _number(where, name, value)
    raise where.error(name, f"expected strings, numbers or booleans, got {show(value)}")


def _values(where: _Where, name: str, value: object) -> tuple:
    if not isinstance(value, list | tuple):
        raise where.error(name, f"expected a list, got {show(value)}")
    if len(value) > MAX_VALUES:
        raise where.error(name, f"more than {MAX_VALUES} values ({len(value)})")
    return tuple(_scalar(where, name, v) for v in value)


def _pattern(where: _Where, value: object, *, regex: bool, case_sensitive: bool) -> str:
    if not isinstance(value, str):
        raise where.error("pattern", f"expected a string, got {show(value)}")
    if len(value) > MAX_PATTERN:
        raise where.error("pattern", f"longer than {MAX_PATTERN} characters ({len(value)})")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise where.error("pattern", f"not valid Unicode text: {show(value)}") from None
    if regex:
        problem = regex_problem(value, case_sensitive=case_sensitive)
        if problem is not None:
            raise where.error(
                "pattern", f"invalid regular expression {show(value)}: {problem} ({SYNTAX})"
            )
    return value


def parse_timestamp(where: _Where, name: str, value: object, *, tz_aware: bool) -> str | None:
    """An ISO-8601 string, normalised: UTC for tz-aware columns, naive for naive ones."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise where.error(name, f"expected an ISO-8601 string or null, got {show(value)}")
    if len(value) > MAX_DATE_STRING or not value[:1].isdigit():
        raise where.error(name, f"expected an ISO-8601 date, got {show(value)}")
    try:
        stamp = pd.Timestamp(value)
    except (ValueError, TypeError, OverflowError) as err:
        raise where.error(name, f"not an ISO-8601 date {show(value)}: {err}") from None
    if stamp is pd.NaT:
        raise where.error(name, f"not an ISO-8601 date: {show(value)}")
    if tz_aware:
        stamp = stamp.tz_localize("UTC") if stamp.tz is None else stamp.tz_convert("UTC")
    elif stamp.tz is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.isoformat()


# ---- parsing ---------------------------------------------------------------------------


def _check_keys(where: _Where, obj: Mapping, allowed: tuple[str, ...]) -> None:
    for key in obj:
        if not isinstance(key, str) or key not in allowed:
            raise where.error(None, f"unknown key {show(key)} (allowed: {', '.join(allowed)})")


def parse_filter(obj: object, columns: Mapping[str, ColumnInfo]) -> Filter:
    """A validated :class:`Filter` from a protocol Filter object (or a Filter to re-check)."""
    if isinstance(obj, Filter):
        obj = obj.to_json()
    if not isinstance(obj, Mapping):
        raise SpecError(f"a filter must be an object, got {show(obj)}")
    column = obj.get("column")
    if not isinstance(column, str):
        raise _Where(None).error("column", f"expected a column name, got {show(column)}")
    if column not in columns:
        raise SpecError(f"filter: unknown column {show(column)}")
    where = _Where(column)
    info = columns[column]
    kind = obj.get("kind")
    expected = FILTER_KIND[info.kind]
    if not isinstance(kind, str) or kind != expected:
        raise where.error(
            "kind", f"{show(kind)} does not apply to a {info.kind} column (use {expected!r})"
        )
    cls = FILTER_CLASSES[kind]
    _check_keys(where, obj, ("column", "kind", "missing", *cls._fields))
    missing = _choice(where, "missing", obj.get("missing", "exclude"), MISSING)
    fields = _FIELD_PARSERS[kind](where, obj, info)
    return cls(column=column, missing=missing, **fields)


def _range_fields(where: _Where, obj: Mapping, info: ColumnInfo) -> dict:
    low = _optional_number(where, "min", obj.get("min"))
    high = _optional_number(where, "max", obj.get("max"))
    if low is not None and high is not None and low > high:
        raise where.error("min", f"min {low!r} is greater than max {high!r}")
    return {
        "min": low,
        "max": high,
        "min_inclusive": _bool(where, "min_inclusive", obj.get("min_inclusive", True)),
        "max_inclusive": _bool(where, "max_inclusive", obj.get("max_inclusive", True)),
    }


def _values_fields(where: _Where, obj: Mapping, info: ColumnInfo) -> dict:
    return {"values": _values(where, "values", obj.get("values", ()))}


def _list_fields(where: _Where, obj: Mapping, info: ColumnInfo) -> dict:
    return {
        "values": _values(where, "values", obj.get("values", ())),
        "mode": _choice(where, "mode", obj.get("mode", "any"), ("any", "all")),
    }


def _text_fields(where: _Where, obj: Mapping, info: ColumnInfo) -> dict:
    regex = _bool(where, "regex", obj.get("regex", False))
    case = _bool(where, "case_sensitive", obj.get("case_sensitive", False))
    pattern = _pattern(where, obj.get("pattern"), regex=regex, case_sensitive=case)
    return {"pattern": pattern, "regex": regex, "case_sensitive": case}


def _date_fields(where: _Where, obj: Mapping, info: ColumnInfo) -> dict:
    tz_aware = "," in info.dtype  # datetime64[unit, tz]
    start = parse_timestamp(where, "start", obj.get("start"), tz_aware=tz_aware)
    end = parse_timestamp(where, "end", obj.get("end"), tz_aware=tz_aware)
    if start is not None and end is not None and pd.Timestamp(start) > pd.Timestamp(end):
        raise where.error("start", f"start {start!r} is after end {end!r}")
    return {"start": start, "end": end}


def _bool_fields(where: _Where, obj: Mapping, info: ColumnInfo) -> dict:
    if "value" not in obj:
        raise where.error("value", "missing (expected true or false)")
    return {"value": _bool(where, "value", obj["value"])}


_FIELD_PARSERS = {
    "range": _range_fields,
    "values": _values_fields,
    "list": _list_fields,
    "text": _text_fields,
    "date": _date_fields,
    "bool": _bool_fields,
}


def parse_spec(obj: object, columns: Mapping[str, ColumnInfo]) -> FilterSpec:
    """A validated :class:`FilterSpec` from ``{"version": 1, "filters": [...]}``."""
    if isinstance(obj, FilterSpec):
        obj = obj.to_json()
    if not isinstance(obj, Mapping):
        raise SpecError(f"a filter spec must be an object, got {show(obj)}")
    for key in obj:
        if key not in ("version", "filters"):
            raise SpecError(f"filter spec: unknown key {show(key)} (allowed: version, filters)")
    version = obj.get("version")
    if type(version) is not int or version != SPEC_VERSION:
        raise SpecError(f"filter spec: field 'version' must be {SPEC_VERSION}, got {show(version)}")
    filters = obj.get("filters")
    if not isinstance(filters, list | tuple):
        raise SpecError(f"filter spec: field 'filters' must be a list, got {show(filters)}")
    if len(filters) > len(columns):
        raise SpecError(f"filter spec: {len(filters)} filters for {len(columns)} columns")
    parsed: list[Filter] = []
    seen: set[str] = set()
    for item in filters:
        filt = parse_filter(item, columns)
        if filt.column in seen:
            raise SpecError(f"filter spec: two filters on column {filt.column!r}")
        seen.add(filt.column)
        parsed.append(filt)
    return FilterSpec(tuple(parsed))
