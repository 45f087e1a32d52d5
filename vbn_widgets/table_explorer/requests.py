"""The browser's requests to a TableExplorer, validated into plain values (no widget state here).

Each ``parse_*`` takes a request's content (untrusted JSON) and returns what the widget's method
needs, or raises :class:`~vbn_widgets._messages.RequestError` naming the field at fault.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Literal, NamedTuple

from .._messages import RequestError, need_choice, need_int, need_list
from ..engine.protocol import MAX_PAGE, MAX_SELECT_ROWS, MAX_SORT_KEYS, MAX_SUMMARY_COLUMNS

#: The request kinds a TableExplorer answers.
KINDS = ("page", "summary", "set-filter", "clear-filter", "clear-filters", "sort", "select")
SELECT_OPS = ("set", "toggle", "add", "range", "all", "none")


def parse_page(content: Mapping) -> tuple[int, int]:
    """(offset, limit) of a ``page`` request."""
    return need_int(content, "offset", 0, 2**31), need_int(content, "limit", 1, MAX_PAGE)


def parse_summary(content: Mapping, known: Collection[str]) -> list[str]:
    """The column names a ``summary`` request asks for (known columns only)."""
    names = content.get("columns")
    if (
        not isinstance(names, list)
        or len(names) > MAX_SUMMARY_COLUMNS
        or not all(isinstance(n, str) for n in names)
    ):
        raise RequestError(f"'columns' must be a list of at most {MAX_SUMMARY_COLUMNS} names")
    unknown = [n for n in names if n not in known]
    if unknown:
        raise RequestError(f"unknown column(s) {unknown[:5]}")
    return names


def parse_column(content: Mapping) -> str:
    column = content.get("column")
    if not isinstance(column, str):
        raise RequestError("'column' must be a string")
    return column


def parse_sort(content: Mapping) -> list[tuple[str, bool]]:
    """``[(column, ascending), ...]`` from ``keys: [[column, "asc" | "desc"], ...]``."""
    keys = need_list(content, "keys", MAX_SORT_KEYS)
    parsed = []
    for key in keys:
        if (
            not isinstance(key, list)
            or len(key) != 2
            or not isinstance(key[0], str)
            or key[1] not in ("asc", "desc")
        ):
            raise RequestError(f"a sort key must be [column, 'asc' | 'desc'], got {key!r:.60}")
        parsed.append((key[0], key[1] == "asc"))
    return parsed


class Selection(NamedTuple):
    """A ``select`` request: ``op`` with grid positions (``rows``, or ``first``..``last``)."""

    op: Literal["set", "toggle", "add", "range", "all", "none"]
    rows: tuple[int, ...] = ()
    first: int = 0
    last: int = -1


def parse_select(content: Mapping, n_rows: int) -> Selection:
    """A ``select`` request over a grid of ``n_rows`` filtered rows."""
    op = need_choice(content, "op", SELECT_OPS)
    if op in ("set", "toggle", "add"):
        rows = need_list(content, "rows", MAX_SELECT_ROWS)
        if not all(type(r) is int and 0 <= r < n_rows for r in rows):
            raise RequestError(f"'rows' must be positions in [0, {n_rows})")
        return Selection(op, tuple(rows))
    if op == "range":
        top = max(n_rows - 1, 0)
        start, stop = need_int(content, "from", 0, top), need_int(content, "to", 0, top)
        if not n_rows:
            raise RequestError("no rows to select")
        return Selection(op, first=min(start, stop), last=max(start, stop))
    return Selection(op)
