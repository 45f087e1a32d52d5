"""Summary objects of the protocol (histograms, value counts), from cached codes and bin indices.

A :class:`Selection` is a set of rows (the rows passing some filters) that counts codes with one
``np.bincount`` over whichever is smaller: the kept rows, or the dropped ones subtracted from the
whole-table totals.
"""

from __future__ import annotations

from functools import cached_property

import numpy as np

from .columns import ColumnData, frozen


class Selection:
    """Rows kept by a mask (``None``: every row)."""

    def __init__(self, mask: np.ndarray | None, n: int) -> None:
        self.mask = mask
        self.n = n

    @cached_property
    def count(self) -> int:
        return self.n if self.mask is None else int(np.count_nonzero(self.mask))

    @cached_property
    def positions(self) -> np.ndarray:
        if self.mask is None:
            return frozen(np.arange(self.n, dtype=np.intp))
        return frozen(np.flatnonzero(self.mask))

    @cached_property
    def dropped(self) -> np.ndarray:
        return frozen(np.flatnonzero(~self.mask))

    @property
    def everything(self) -> bool:
        return self.count == self.n

    def count_codes(self, codes: np.ndarray, totals: np.ndarray) -> np.ndarray:
        """``bincount(codes[kept rows])`` given ``totals = bincount(codes)``."""
        if self.everything:
            return totals
        width = len(totals)
        if self.count <= self.n - self.count:
            return np.bincount(codes[self.positions], minlength=width)
        return totals - np.bincount(codes[self.dropped], minlength=width)

    def count_true(self, flags: np.ndarray) -> int:
        """How many kept rows have ``flags`` set."""
        if self.everything:
            return int(np.count_nonzero(flags))
        return int(np.count_nonzero(flags & self.mask))


def _int32(counts: np.ndarray) -> np.ndarray:
    return frozen(np.array(counts, dtype=np.int32))


def histogram(col: ColumnData, sel: Selection) -> dict:
    hist = col.histogram
    counts = sel.count_codes(hist.bins1, hist.totals1)
    return {
        "column": col.name,
        "type": "histogram",
        "edges": hist.edges,
        "counts": _int32(counts[1:]),
        "totals": _int32(hist.totals1[1:]),
        "missing": int(counts[0]),
        "missing_total": int(hist.totals1[0]),
    }


def value_counts(col: ColumnData, sel: Selection) -> dict:
    listing = col.listing
    if col.kind == "list":
        pairs = col.pairs
        totals1 = pairs.totals1
        if sel.everything:
            counts1 = totals1
        else:
            kept = pairs.codes[sel.mask[pairs.rows]]
            counts = np.bincount(kept, minlength=len(totals1) - 1)
            counts1 = np.concatenate([[sel.count_true(~pairs.present)], counts])
    else:
        totals1 = col.totals1
        counts1 = sel.count_codes(col.codes1, totals1)
    listed = listing.top + 1
    return {
        "column": col.name,
        "type": "values",
        "values": list(listing.values),
        "counts": _int32(counts1[listed]),
        "totals": _int32(totals1[listed]),
        "missing": int(counts1[0]),
        "missing_total": int(totals1[0]),
        "more": listing.more,
    }


def missing_only(col: ColumnData, sel: Selection) -> dict:
    return {
        "column": col.name,
        "type": "none",
        "missing": sel.count_true(col.missing),
        "missing_total": int(np.count_nonzero(col.missing)),
    }


def summarize(col: ColumnData, sel: Selection) -> dict:
    """The protocol Summary of ``col`` over the selected rows (numpy int32 counts/totals)."""
    if col.kind in ("number", "date"):
        return histogram(col, sel)
    if col.kind == "text":
        return missing_only(col, sel)
    return value_counts(col, sel)
