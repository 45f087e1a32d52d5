"""Sort keys and row order.

The order follows ``DataFrame.sort_values(kind="stable", na_position="last")``: rows compare by
the dense rank of their values (categoricals by category order), missing values last in both
directions, ties keep table order. The whole table is sorted once per set of sort keys; the
filtered order is that order restricted to the kept rows (a stable sort of a subset is the
subsequence of the stable sort of the whole).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np

from .columns import ColumnData, frozen
from .errors import SpecError, show
from .protocol import MAX_SORT_KEYS

_DIRECTIONS = {"asc": True, "desc": False}


def parse_sort(keys: object, columns: Mapping[str, ColumnData]) -> tuple[tuple[str, bool], ...]:
    """Validated sort keys: ``[(column, ascending), ...]``; ascending may be "asc"/"desc"."""
    if isinstance(keys, str | bytes) or not isinstance(keys, Sequence):
        raise SpecError(f"sort: expected a list of [column, ascending] keys, got {show(keys)}")
    if len(keys) > MAX_SORT_KEYS:
        raise SpecError(f"sort: at most {MAX_SORT_KEYS} keys, got {len(keys)}")
    parsed: list[tuple[str, bool]] = []
    for key in keys:
        if isinstance(key, str | bytes) or not isinstance(key, Sequence) or len(key) != 2:
            raise SpecError(f"sort: each key must be [column, ascending], got {show(key)}")
        column, direction = key
        if not isinstance(column, str) or column not in columns:
            raise SpecError(f"sort: unknown column {show(column)}")
        if isinstance(direction, bool | np.bool_):
            ascending = bool(direction)
        elif isinstance(direction, str) and direction in _DIRECTIONS:
            ascending = _DIRECTIONS[direction]
        else:
            raise SpecError(
                f"sort: column {column!r}: direction must be true/false or 'asc'/'desc', "
                f"got {show(direction)}"
            )
        if any(column == done for done, _ in parsed):
            raise SpecError(f"sort: column {column!r} appears twice")
        if columns[column].kind == "list":
            raise SpecError(f"sort: list column {column!r} cannot be sorted")
        parsed.append((column, ascending))
    return tuple(parsed)


def sort_key(col: ColumnData, ascending: bool) -> np.ndarray:
    rank, top = col.sort_rank
    if ascending:
        return rank
    return np.where(rank < top, top - 1 - rank, top)


def full_order(keys: Sequence[tuple[str, bool]], columns: Mapping[str, ColumnData]) -> np.ndarray:
    """Every row position in sort order (an empty ``keys``: table order)."""
    if not keys:
        raise ValueError("full_order needs at least one key")
    arrays = [sort_key(columns[name], ascending) for name, ascending in keys]
    if len(arrays) == 1:
        return frozen(np.argsort(arrays[0], kind="stable").astype(np.intp, copy=False))
    return frozen(np.lexsort(arrays[::-1]).astype(np.intp, copy=False))


def filtered_order(order: np.ndarray, mask: np.ndarray) -> np.ndarray:
    return frozen(order[mask[order]])


def first_kept(order: np.ndarray, mask: np.ndarray, count: int) -> np.ndarray | None:
    """The first ``count`` kept rows of ``order`` (all kept rows when fewer), scanning only as
    far as needed; None when that would mean scanning most of the table anyway."""
    found: list[np.ndarray] = []
    total, start, chunk = 0, 0, max(4096, 4 * count)
    while total < count and start < len(order):
        if start + chunk > len(order) // 2:
            return None
        part = order[start : start + chunk]
        kept = part[mask[part]]
        found.append(kept)
        total += len(kept)
        start += chunk
        chunk *= 2
    rows = np.concatenate(found) if found else order[:0]
    return rows[:count].astype(np.int64, copy=False)
