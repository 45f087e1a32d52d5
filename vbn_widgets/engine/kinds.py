"""Column kinds: which filter and which summary a column gets."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CATEGORY_LIMIT = 2_000  # more distinct values than this: a text column
LIST_SAMPLE = 200  # non-null values checked to recognise a list column


@dataclass(frozen=True)
class ColumnInfo:
    """One column as the front end sees it (the index column has ``index=True``)."""

    name: str
    kind: str
    dtype: str
    index: bool = False

    def to_json(self) -> dict:
        return {"name": self.name, "kind": self.kind, "dtype": self.dtype, "index": self.index}


def static_kind(dtype: object) -> str | None:
    """The kind the dtype alone decides, or None when the values must be looked at."""
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if isinstance(dtype, pd.CategoricalDtype):
        return None
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "date"
    if (
        pd.api.types.is_complex_dtype(dtype)
        or isinstance(dtype, pd.PeriodDtype | pd.IntervalDtype)
        or pd.api.types.is_timedelta64_dtype(dtype)
    ):
        return "text"  # no JSON value to filter by: searchable by its text
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    return None


def looks_like_lists(series: pd.Series) -> bool:
    """True when an object column's sampled non-null values are all lists or tuples."""
    if series.dtype != object:
        return False
    present = np.flatnonzero(series.notna().to_numpy(dtype=bool))
    if len(present) == 0:
        return False
    picks = present[np.linspace(0, len(present) - 1, min(LIST_SAMPLE, len(present))).astype(int)]
    sample = series.iloc[picks].tolist()
    return all(isinstance(v, list | tuple) for v in sample)


def kind_from_distinct(distinct: int, limit: int = CATEGORY_LIMIT) -> str:
    return "category" if distinct <= limit else "text"
