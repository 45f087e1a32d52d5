"""One filter's row mask, vectorised.

Text, category, bool and list filters are decided once per distinct value (a boolean lookup
table over the factorized uniques) and spread to the rows through the cached codes.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from . import text
from .columns import ColumnData, frozen
from .errors import SpecError
from .filters import (
    BoolFilter,
    DateFilter,
    Filter,
    ListFilter,
    RangeFilter,
    TextFilter,
    ValuesFilter,
)


def _with_missing(match: np.ndarray, col: ColumnData, filt: Filter) -> np.ndarray:
    """Apply the filter's missing rule to a match computed for the present rows."""
    if filt.include_missing:
        return match | col.missing
    return match & ~col.missing


def _through_codes(col: ColumnData, hits: np.ndarray, filt: Filter) -> np.ndarray:
    """Rows whose distinct value hits (``hits`` is one bool per unique)."""
    table = np.empty(len(hits) + 1, dtype=bool)
    table[0] = filt.include_missing
    table[1:] = hits
    return table[col.codes1]


def range_mask(col: ColumnData, filt: RangeFilter) -> np.ndarray:
    values = col.numbers
    match = np.ones(col.n, dtype=bool)
    if filt.min is not None:
        match &= (values >= filt.min) if filt.min_inclusive else (values > filt.min)
    if filt.max is not None:
        match &= (values <= filt.max) if filt.max_inclusive else (values < filt.max)
    return _with_missing(match, col, filt)


def date_mask(col: ColumnData, filt: DateFilter) -> np.ndarray:
    series = col.series
    match = np.ones(col.n, dtype=bool)
    if filt.start is not None:
        match &= series.ge(pd.Timestamp(filt.start)).to_numpy(dtype=bool, na_value=False)
    if filt.end is not None:
        match &= series.lt(pd.Timestamp(filt.end)).to_numpy(dtype=bool, na_value=False)
    return _with_missing(match, col, filt)


def values_mask(col: ColumnData, filt: ValuesFilter) -> np.ndarray:
    hits = pd.Series(col.uniques).isin(list(filt.values)).to_numpy(dtype=bool)
    return _through_codes(col, hits, filt)


def absent_values(col: ColumnData, filt: Filter) -> list:
    """The values of a values or list filter that no row holds (an element, for a list)."""
    if not isinstance(filt, ValuesFilter | ListFilter) or not filt.values:
        return []
    held = pd.Series(list(filt.values), dtype=object).isin(list(col.facet_uniques))
    return [v for v, ok in zip(filt.values, held.to_numpy(dtype=bool), strict=True) if not ok]


def bool_mask(col: ColumnData, filt: BoolFilter) -> np.ndarray:
    hits = pd.Series(col.uniques).eq(filt.value).to_numpy(dtype=bool, na_value=False)
    return _through_codes(col, hits, filt)


def text_mask(col: ColumnData, filt: TextFilter) -> np.ndarray:
    """Searched once per distinct value (RE2 via pyarrow: linear time, see ``text.py``)."""
    hits = text.contains(
        col.text_array, filt.pattern, regex=filt.regex, case_sensitive=filt.case_sensitive
    )
    return _through_codes(col, hits, filt)


def list_mask(col: ColumnData, filt: ListFilter) -> np.ndarray:
    pairs = col.pairs
    wanted = set(filt.values)
    element_hits = pd.Series(pairs.uniques, dtype=object).isin(list(wanted)).to_numpy(dtype=bool)
    matched_rows = pairs.rows[element_hits[pairs.codes]]
    if filt.mode == "any":
        match = np.zeros(col.n, dtype=bool)
        match[matched_rows] = True
    elif not wanted:
        match = np.ones(col.n, dtype=bool)
    elif np.count_nonzero(element_hits) < len(wanted):
        match = np.zeros(col.n, dtype=bool)  # some wanted element occurs nowhere
    else:
        match = np.bincount(matched_rows, minlength=col.n) >= len(wanted)
    return _with_missing(match, col, filt)


_MASKS = {
    RangeFilter: range_mask,
    DateFilter: date_mask,
    ValuesFilter: values_mask,
    BoolFilter: bool_mask,
    TextFilter: text_mask,
    ListFilter: list_mask,
}


def filter_mask(col: ColumnData, filt: Filter) -> np.ndarray:
    """The rows passing ``filt`` (read-only bool array, one per row)."""
    compute = _MASKS.get(type(filt))
    if compute is None:
        raise SpecError(f"filter on column {filt.column!r}: unknown filter type")
    return frozen(compute(col, filt))
