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


def tally(col: ColumnData, sel: Selection) -> np.ndarray:
    """What a summary of ``col`` counts over the selected rows, missing rows first: rows per
    histogram bin, per distinct value, or per list element (a row once per element); for a
    text column only the missing rows."""
    if col.kind in ("number", "date"):
        hist = col.histogram
        return sel.count_codes(hist.bins1, hist.totals1)
    if col.kind == "text":
        return np.array([sel.count_true(col.missing)])
    if col.kind != "list":
        return sel.count_codes(col.codes1, col.totals1)
    pairs = col.pairs
    if sel.everything:
        return pairs.totals1
    counts = np.bincount(pairs.codes[sel.mask[pairs.rows]], minlength=len(pairs.totals1) - 1)
    return np.concatenate([[sel.count_true(~pairs.present)], counts])


def summarize(col: ColumnData, sel: Selection, totals1: np.ndarray) -> dict:
    """The protocol Summary of ``col``: counts over the selected rows, totals from ``totals1``
    (a :func:`tally` over the whole table or the restricted rows); numpy int32 counts/totals.

    A values summary lists the values most counted under ``sel`` first (what the user sees
    next to each value), ties in value order.
    """
    counts1 = tally(col, sel)
    head = {"column": col.name}
    tail = {"missing": int(counts1[0]), "missing_total": int(totals1[0])}
    if col.kind == "text":
        return {**head, "type": "none", **tail}
    if col.kind in ("number", "date"):
        edges = col.histogram.edges
        return {
            **head,
            "type": "histogram",
            "edges": edges,
            "counts": _int32(counts1[1:]),
            "totals": _int32(totals1[1:]),
            **tail,
        }
    listing = col.listing(counts1[1:])
    listed = listing.top + 1
    return {
        **head,
        "type": "values",
        "values": listing.values,
        "counts": _int32(counts1[listed]),
        "totals": _int32(totals1[listed]),
        **tail,
        "more": listing.more,
    }
