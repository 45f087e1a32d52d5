"""Per-column derived data, computed lazily on first use and kept (the table never changes).

Every array here is read-only: masks, summaries and orderings index into them, never copy the
table itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np
import pandas as pd
import pyarrow as pa

from . import text
from .errors import SpecError
from .kinds import CATEGORY_LIMIT, ColumnInfo, kind_from_distinct, looks_like_lists, static_kind

HISTOGRAM_BINS = 40
MAX_LISTED = 200
_MS_PER_UNIT = {"s": 1e3, "ms": 1.0, "us": 1e-3, "ns": 1e-6}


def frozen(array: np.ndarray) -> np.ndarray:
    array.flags.writeable = False
    return array


def smallest_uint(values: np.ndarray, top: int) -> np.ndarray:
    """``values`` (all in [0, top]) in the narrowest unsigned dtype: per-row caches stay small."""
    for dtype in (np.uint8, np.uint16, np.uint32):
        if top <= np.iinfo(dtype).max:
            return values.astype(dtype)
    return values.astype(np.intp)


def jsonable(value: object) -> object:
    """A JSON-friendly Python scalar for a summary value."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, bool | int | str) or value is None:
        return value
    if isinstance(value, float):
        return value if np.isfinite(value) else str(value)
    return str(value)


@dataclass(frozen=True)
class Histogram:
    edges: list[float]  # bins + 1 (dates: ms since epoch)
    bins1: np.ndarray  # uint8 per row: 0 = missing, 1..bins = bin
    totals1: np.ndarray  # bincount of bins1 over the whole table (missing first)


@dataclass(frozen=True)
class Listing:
    """The values a values-summary lists: codes of the top values and their labels."""

    top: np.ndarray  # intp codes (0-based) of the listed values, most frequent first
    values: list  # their JSON values
    more: int  # distinct values not listed


@dataclass(frozen=True)
class ListPairs:
    """A list column exploded into distinct (row, element) pairs."""

    rows: np.ndarray  # intp, non-decreasing
    codes: np.ndarray  # intp element codes into uniques
    uniques: pd.Index
    present: np.ndarray  # bool per row: at least one non-null element
    totals1: np.ndarray  # [missing rows, then rows holding each element]


class ColumnData:
    """One column (or the index) of the table with its lazily cached derived arrays."""

    def __init__(
        self, name: str, series: pd.Series, *, is_index: bool, category_limit: int = CATEGORY_LIMIT
    ) -> None:
        self.name = name
        self.series = series
        self.n = len(series)
        kind = static_kind(series.dtype)
        if kind is None:
            if looks_like_lists(series):
                kind = "list"
            elif self.unhashable:
                kind = "text"  # searchable by its text only
            else:
                kind = kind_from_distinct(len(self.uniques), category_limit)
        self.kind = kind
        self.info = ColumnInfo(name, kind, str(series.dtype), is_index)

    # ---- shared -------------------------------------------------------------------------

    @cached_property
    def missing(self) -> np.ndarray:
        if self.kind == "list":
            return frozen(~self.pairs.present)
        return frozen(self.series.isna().to_numpy(dtype=bool))

    @cached_property
    def _factorized(self) -> tuple[np.ndarray, pd.Index, bool]:
        try:
            codes, uniques = pd.factorize(self.series)
            unhashable = False
        except TypeError:  # unhashable objects (dicts, sets...): go by their text
            codes, uniques = pd.factorize(self.series.astype(str))
            codes = np.where(self.series.isna().to_numpy(dtype=bool), -1, codes)
            unhashable = True
        return frozen(smallest_uint(codes + 1, len(uniques))), pd.Index(uniques), unhashable

    @property
    def codes1(self) -> np.ndarray:
        """Per row: 0 = missing, else 1 + index into :attr:`uniques` (the narrowest uint)."""
        return self._factorized[0]

    @property
    def uniques(self) -> pd.Index:
        return self._factorized[1]

    @property
    def unhashable(self) -> bool:
        return self._factorized[2]

    @cached_property
    def totals1(self) -> np.ndarray:
        return frozen(np.bincount(self.codes1, minlength=len(self.uniques) + 1))

    @cached_property
    def text_array(self) -> pa.Array:
        """The distinct values as ``Series.astype(str)`` renders them (what to_code searches),
        as an Arrow string array for RE2."""
        return text.as_arrow(pd.Series(self.uniques).astype(str).astype(object).tolist())

    # ---- number and date ----------------------------------------------------------------

    @cached_property
    def numbers(self) -> np.ndarray:
        """The values as a numpy array comparable with numbers (missing rows hold anything)."""
        dtype = self.series.dtype
        if isinstance(dtype, np.dtype):
            return frozen(self.series.to_numpy())
        numpy_dtype = getattr(dtype, "numpy_dtype", np.dtype(np.float64))
        return frozen(self.series.to_numpy(dtype=numpy_dtype, na_value=0))

    def _as_float(self) -> np.ndarray:
        if self.kind == "date":
            stamps = pd.DatetimeIndex(self.series)
            return stamps.asi8.astype(np.float64) * _MS_PER_UNIT[stamps.unit]
        return self.numbers.astype(np.float64)

    @cached_property
    def histogram(self) -> Histogram:
        values = self._as_float()
        missing = self.missing
        finite = np.isfinite(values) & ~missing
        low, high = (values[finite].min(), values[finite].max()) if finite.any() else (0.0, 0.0)
        bins = 1 if low == high else HISTOGRAM_BINS
        share = np.arange(bins + 1) / bins
        edges = np.maximum.accumulate(low * (1 - share) + high * share)
        edges[0], edges[-1] = low, high
        bins1 = np.searchsorted(edges, values, side="right").clip(1, bins)
        bins1[missing] = 0
        bins1 = frozen(bins1.astype(np.uint8))  # <= 41 bins: one byte a row, not eight
        totals1 = frozen(np.bincount(bins1, minlength=bins + 1))
        return Histogram([float(e) for e in edges], bins1, totals1)

    # ---- values summaries ---------------------------------------------------------------

    @property
    def facet_uniques(self) -> pd.Index:
        """The values a values summary counts: the distinct values, or a list's elements."""
        return self.pairs.uniques if self.kind == "list" else self.uniques

    @cached_property
    def value_rank(self) -> np.ndarray:
        """Rank of each of :attr:`facet_uniques` in value order (ties of a listing go by it)."""
        uniques = self.facet_uniques
        try:
            by_value = np.asarray(uniques.argsort(), dtype=np.intp)
        except TypeError:  # mixed types: order by their text
            by_value = np.asarray(pd.Index(uniques.astype(str)).argsort(), dtype=np.intp)
        rank = np.empty(len(uniques), dtype=np.intp)
        rank[by_value] = np.arange(len(uniques))
        return frozen(rank)

    def listing(self, counts: np.ndarray) -> Listing:
        """The values to list for ``counts`` (one per facet unique): most counted first, ties
        in value order, at most :data:`MAX_LISTED`."""
        order = np.lexsort((self.value_rank, -np.asarray(counts, dtype=np.int64)))
        top = order[:MAX_LISTED].astype(np.intp)
        values = [jsonable(v) for v in self.facet_uniques[top]]
        return Listing(top, values, len(counts) - len(top))

    # ---- lists --------------------------------------------------------------------------

    @cached_property
    def pairs(self) -> ListPairs:
        cells = pd.Series(self.series.to_numpy(dtype=object), dtype=object, copy=False)
        exploded = cells.explode()
        rows = exploded.index.to_numpy(dtype=np.intp)
        try:
            codes, uniques = pd.factorize(exploded)
        except TypeError as err:
            raise SpecError(
                f"column {self.name!r}: list elements must be scalars ({err})"
            ) from None
        keep = codes >= 0
        rows, codes = rows[keep], codes[keep].astype(np.intp)
        # one pair per (row, element): rows are already in order, so this sort is near-linear
        width = max(len(uniques), 1)
        keys = np.sort(rows.astype(np.int64) * width + codes, kind="stable")
        if len(keys):
            keys = keys[np.concatenate([[True], keys[1:] != keys[:-1]])]
        rows, codes = (keys // width).astype(np.intp), (keys % width).astype(np.intp)
        present = np.zeros(self.n, dtype=bool)
        present[rows] = True
        totals1 = np.concatenate(
            [[self.n - np.count_nonzero(present)], np.bincount(codes, minlength=len(uniques))]
        )
        return ListPairs(
            frozen(rows), frozen(codes), pd.Index(uniques), frozen(present), frozen(totals1)
        )

    # ---- sorting ------------------------------------------------------------------------

    @cached_property
    def sort_rank(self) -> tuple[np.ndarray, int]:
        """Dense ascending rank per row (missing rows get the largest rank) and that rank.

        Distinct values are ordered by ``Index.argsort`` (categoricals by category order), so
        values pandas cannot compare (mixed types) cannot be sorted here either.
        """
        if self.kind == "list" or self.unhashable:
            raise SpecError(f"sort: column {self.name!r} holds lists or other unsortable values")
        try:
            by_value = np.asarray(self.uniques.argsort(), dtype=np.intp)
        except TypeError as err:
            raise SpecError(f"sort: column {self.name!r} cannot be sorted: {err}") from None
        top = len(by_value)
        rank_of_code = np.empty(top + 1, dtype=np.intp)
        rank_of_code[0] = top
        rank_of_code[by_value + 1] = np.arange(top, dtype=np.intp)
        return frozen(rank_of_code[self.codes1]), top
