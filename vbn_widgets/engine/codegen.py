"""The pandas expression equivalent to the engine's filters and sort.

Built from validated filter objects only: every value enters the code as ``repr()`` of a str,
int, float or bool, and column names as ``repr()`` of a str. Nothing here is ever evaluated by
the engine; the result is code for the user.
"""

from __future__ import annotations

import keyword
import math
from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from .errors import SpecError, show
from .filters import (
    BoolFilter,
    DateFilter,
    Filter,
    FilterSpec,
    ListFilter,
    RangeFilter,
    TextFilter,
    ValuesFilter,
)
from .kinds import ColumnInfo
from .text import ARROW_STRING

_ITEMS = "v if pd.api.types.is_list_like(v) else [v]"


def column_ref(name: str, info: ColumnInfo) -> str:
    return f"{name}.index.to_series()" if info.index else f"{name}[{info.name!r}]"


def _join(parts: Sequence[str], op: str) -> str:
    return parts[0] if len(parts) == 1 else "(" + f" {op} ".join(parts) + ")"


def _set_literal(values: tuple) -> str:
    return "{" + ", ".join(repr(v) for v in values) + "}" if values else "set()"


def _bounds(col: str, filt: RangeFilter | DateFilter) -> list[str]:
    if isinstance(filt, RangeFilter):
        low, high = filt.min, filt.max
        low_op = "ge" if filt.min_inclusive else "gt"
        high_op = "le" if filt.max_inclusive else "lt"
        fmt = repr
    else:
        low, high, low_op, high_op = filt.start, filt.end, "ge", "lt"
        fmt = lambda text: f"pd.Timestamp({text!r})"  # noqa: E731
    parts = []
    if low is not None:
        parts.append(f"{col}.{low_op}({fmt(low)})")
    if high is not None:
        parts.append(f"{col}.{high_op}({fmt(high)})")
    return parts


def _list_terms(col: str, filt: ListFilter) -> tuple[str, str, str]:
    """(match, present, missing) expressions for a list column."""
    wanted = _set_literal(filt.values)
    if filt.mode == "any":
        test = f"not {wanted}.isdisjoint({_ITEMS})"
    else:
        test = f"{wanted}.issubset({_ITEMS})"
    present = f"any(pd.notna(x) for x in ({_ITEMS}))"
    return (
        f"{col}.map(lambda v: {test}).astype(bool)",
        f"{col}.map(lambda v: {present}).astype(bool)",
        f"{col}.map(lambda v: not {present}).astype(bool)",
    )


def filter_code(filt: Filter, name: str, info: ColumnInfo) -> str | None:
    """The boolean Series expression of one filter (None when it keeps every row)."""
    col = column_ref(name, info)
    present, absent = f"{col}.notna()", f"{col}.isna()"
    if isinstance(filt, RangeFilter | DateFilter):
        match = _bounds(col, filt)
        if filt.include_missing:
            return _join([_join(match, "&"), absent], "|") if match else None
        return _join([*match, present], "&")
    if isinstance(filt, ValuesFilter):
        match = f"{col}.isin({list(filt.values)!r})"
        return _join([match, absent], "|") if filt.include_missing else match
    if isinstance(filt, BoolFilter):
        match = f"{col}.eq({filt.value!r})"
    elif isinstance(filt, TextFilter):
        match = (  # Arrow strings: pyarrow's RE2 functions, as the engine (see text.py)
            f"{col}.astype(str).astype({ARROW_STRING!r}).str.contains({filt.pattern!r}, "
            f"regex={filt.regex!r}, case={filt.case_sensitive!r}, na=False)"
        )
    elif isinstance(filt, ListFilter):
        match, present, absent = _list_terms(col, filt)
        if not filt.include_missing and (filt.mode == "any" or filt.values):
            return match  # a row holding a wanted element is not missing
    else:
        raise SpecError(f"filter on column {filt.column!r}: unknown filter type")
    return _join([match, absent], "|") if filt.include_missing else _join([match, present], "&")


def sort_code(keys: Sequence[tuple[str, bool]]) -> str:
    by = [k for k, _ in keys]
    ascending = [a for _, a in keys]
    return f'.sort_values({by!r}, ascending={ascending!r}, kind="stable", na_position="last")'


def checked_name(name: object) -> str:
    """``name`` if it can name the table in generated code, else a SpecError naming it."""
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise SpecError(f"to_code: {show(name)} is not a Python identifier")
    if name in ("pd", "np"):
        raise SpecError(f"to_code: {name!r} names pandas or numpy in the generated code")
    return name


def _label_literal(value: object) -> str:
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return f"float({str(value)!r})"
    if isinstance(value, pd.Timestamp):
        return f"pd.Timestamp({value.isoformat()!r})"
    if value is None or value is pd.NaT:
        return "None"
    return repr(value)


def restriction_code(labels: pd.Index, name: str = "df") -> str:
    """``name = name[name.index.isin([...])]``: the rows whose index label is in ``labels``."""
    name = checked_name(name)
    unique = labels.unique()
    listed = ", ".join(_label_literal(v) for v in unique)
    return f"{name} = {name}[{name}.index.isin([{listed}])]"


def to_code(
    spec: FilterSpec,
    sort_keys: Sequence[tuple[str, bool]],
    columns: Mapping[str, ColumnInfo],
    name: str = "df",
    *,
    index_label: str | None = None,
) -> str:
    """``name[mask].sort_values(...)``: the same rows, order and columns as the engine's.

    ``index_label`` is the frame's own index name (the index column is exposed as "index"
    when it has none).
    """
    name = checked_name(name)
    terms = [filter_code(f, name, columns[f.column]) for f in spec.filters]
    terms = [t for t in terms if t is not None]
    code = name
    if terms:
        mask = " & ".join(terms)
        code = f"{name}[{mask}]"
    if sort_keys:
        by = [k for k, _ in sort_keys]
        index_info = next(c for c in columns.values() if c.index)
        sort = sort_code(sort_keys)
        if index_info.name in by and index_label != index_info.name:
            # sort_values finds an index level by its name: name the index for the sort only
            code += f".rename_axis({index_info.name!r}){sort}.rename_axis({index_label!r})"
        else:
            code += sort
    return code
