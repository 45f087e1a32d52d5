"""``TableExplorer``: any VBN table (or DataFrame) in a virtualized grid with column filters."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import traitlets as t

from ._base import StrictWidget
from ._errors import show_error, shown
from ._messages import Handler, Reply, RequestError, dispatch, need_int
from ._page_codec import encode_cells
from ._static import STATIC
from ._variables import check_variable_name, write_variable
from .engine import SpecError, TableEngine
from .engine.kinds import FILTER_KIND

_TABLE_GETTERS = {
    "units": "get_unit_table",
    "probes": "get_probe_table",
    "channels": "get_channel_table",
    "ecephys_sessions": "get_ecephys_session_table",
    "behavior_sessions": "get_behavior_session_table",
}
MAX_PAGE = 500
MAX_ROWS_PER_SELECT = 10_000
MAX_SUMMARY_COLUMNS = 64
MAX_SORT_KEYS = 8


def as_frame(data: object, cache: object = None) -> pd.DataFrame:
    """A DataFrame from a DataFrame, a table name with a cache, or anything pandas accepts."""
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, str):
        if data not in _TABLE_GETTERS:
            raise ValueError(f"unknown table {data!r}; choose from {sorted(_TABLE_GETTERS)}")
        if cache is None:
            raise ValueError(
                f"the table name {data!r} needs a cache: TableExplorer({data!r}, cache=...)"
            )
        return getattr(cache, _TABLE_GETTERS[data])()
    return pd.DataFrame(data)


class TableExplorer(StrictWidget):
    """A table in a virtualized grid: filter, sort and select rows, export them to variables.

    Parameters
    ----------
    data
        A DataFrame; or a table name (``"units"``, ``"probes"``, ``"channels"``,
        ``"ecephys_sessions"``, ``"behavior_sessions"``) with ``cache=``; or anything
        ``pandas.DataFrame`` accepts.
    cache
        A ``VBNCache`` (or AllenSDK's project cache) when ``data`` is a table name.
    export_to
        Name of a notebook variable that always holds the filtered table.

    Synced state (mirrored by ``@typedef Model`` in ``js/src/table_explorer/table_explorer.js``);
    the front end only reads it and asks for everything else by message:

    ==================  ================  ========================================================
    trait               wire type         meaning
    ==================  ================  ========================================================
    ``columns``         ColumnInfo[]      name, kind, dtype, index flag; the index column first
    ``row_count``       int               rows in the table (under :meth:`restrict`: taking part)
    ``filtered_count``  int               rows passing every filter
    ``selected_count``  int               rows selected (filtered out or not)
    ``filters``         FilterSpec        ``{"version": 1, "filters": [...]}``, settable
    ``sort``            [str, str][]      ``[column, "asc" | "desc"]``, primary key first
    ``revision``        int               bumped when rows, order or selection change
    ``error``           str               the last error, "" when none
    ``row_height``      int               grid row height in px
    ``title``           str               caption
    ==================  ================  ========================================================

    Messages from the front end (``kind``, ``id``; answered by ``<kind>:ok`` or ``error``):
    ``page`` (offset, limit), ``summary`` (columns), ``set-filter`` (filter), ``clear-filter``
    (column), ``clear-filters``, ``sort`` (keys), ``select`` (op, rows / from, to). Page cells
    travel as one UTF-8 buffer (``vbn_widgets._page_codec``), counts as Int32 buffers.
    """

    _esm = STATIC / "table_explorer.js"
    _css = STATIC / "table_explorer.css"

    columns = t.List(t.Dict(), read_only=True).tag(sync=True)
    row_count = t.Int(0, read_only=True).tag(sync=True)
    filtered_count = t.Int(0, read_only=True).tag(sync=True)
    selected_count = t.Int(0, read_only=True).tag(sync=True)
    filters = t.Dict().tag(sync=True)
    sort = t.List(t.List(t.Unicode()), read_only=True).tag(sync=True)
    revision = t.Int(0, read_only=True).tag(sync=True)
    row_height = t.Int(26, min=16, max=64).tag(sync=True)
    title = t.Unicode("").tag(sync=True)

    selected = t.Instance(pd.Index, allow_none=False, read_only=True)  # observable, not synced

    def __init__(
        self,
        data: object,
        *,
        cache: object = None,
        export_to: str | None = None,
        **kwargs: Any,
    ) -> None:
        frame = as_frame(data, cache)
        self._export_to = None if export_to is None else check_variable_name(export_to)
        self.engine = TableEngine(frame)
        self._selected = np.zeros(len(frame), dtype=bool)
        self._publishing = False
        super().__init__(**kwargs)
        self.set_trait("columns", [c.to_json() for c in self.engine.columns])
        self.set_trait("row_count", len(frame))
        self._publish()
        self.on_msg(self._on_msg)

    def __repr__(self) -> str:
        return (
            f"TableExplorer({self.filtered_count:,} of {self.row_count:,} rows, "
            f"{len(self.engine.spec.to_json()['filters'])} filters)"
        )

    # state -> traits, variables
    def _publish(self, *, rows_changed: bool = True) -> None:
        self._publishing = True
        try:
            with self.hold_trait_notifications():
                self.filters = self.engine.spec.to_json()
                keys = [[c, "asc" if asc else "desc"] for c, asc in self.engine.sort_keys]
                self.set_trait("sort", keys)
                self.set_trait("filtered_count", self.engine.filtered_count)
                self.set_trait("selected_count", int(self._selected.sum()))
                self.set_trait("selected", self.engine.frame.index[self._selected])
                self.set_trait("revision", self.revision + 1)
        finally:
            self._publishing = False
        if rows_changed and self._export_to is not None:
            write_variable(self._export_to, self.engine.filtered())

    @t.validate("filters")
    def _validate_filters(self, proposal: dict) -> dict:
        if self._publishing:
            return proposal["value"]
        try:
            self.engine.set_spec(proposal["value"])
        except SpecError as err:
            show_error(self, err)
            raise t.TraitError(str(err)) from None
        return self.engine.spec.to_json()

    @t.observe("filters")
    def _filters_set_from_python(self, _change: dict) -> None:
        if not self._publishing:
            self._publish()

    # the Python side of the user's work
    @property
    def filtered(self) -> pd.DataFrame:
        """The rows passing every filter, in the grid's sort order."""
        return self.engine.filtered()

    @property
    def filter_code(self) -> str:
        """pandas code over a table named ``df`` that gives exactly :attr:`filtered`.

        An expression; under :meth:`restrict`, the restriction's statements come first and the
        expression is the last line.
        """
        return self.engine.to_code("df")

    @shown
    def restrict(self, index: pd.Index | np.ndarray | None, code: str | None = None) -> None:
        """Let only the rows whose index label is in ``index`` take part; None: every row.

        Counts, facet counts, histograms, pages, exports and :attr:`filter_code` follow it;
        selected rows outside it are deselected. ``index`` may also be a bool mask, one value
        per row. ``code``: statements rebinding ``df`` to the restricted rows (emitted before
        the filter expression); by default a literal list of labels.
        """
        self.engine.restrict(index, code)
        restriction = self.engine.restriction
        if restriction is not None:
            self._selected &= restriction
        self.set_trait("row_count", self.engine.restricted_count)
        self._publish()

    @shown
    def set_filter(self, column: str, **fields: Any) -> None:
        """Filter one column, e.g. ``set_filter("snr", min=1)``; the kind follows the column's."""
        info = {c.name: c for c in self.engine.columns}.get(column)
        if info is None:
            raise SpecError(f"unknown column {column!r}")
        self.engine.set_filter({"column": column, "kind": FILTER_KIND[info.kind], **fields})
        self._publish()

    @shown
    def clear_filter(self, column: str) -> None:
        self.engine.clear_filter(column)
        self._publish()

    @shown
    def clear_filters(self) -> None:
        self.engine.clear_filters()
        self._publish()

    @shown
    def sort_by(self, *keys: str | tuple[str, bool]) -> None:
        """Sort by columns (``"snr"`` ascending, or ``("snr", False)`` descending)."""
        self.engine.set_sort([(k, True) if isinstance(k, str) else k for k in keys])
        self._publish()

    @shown
    def select(self, labels: object) -> None:
        """Select rows by index label (replacing the selection)."""
        positions = self.engine.frame.index.get_indexer(pd.Index(labels))
        if (positions < 0).any():
            missing = pd.Index(labels)[positions < 0][:5].tolist()
            raise KeyError(f"not in the table's index: {missing}")
        chosen = np.zeros_like(self._selected)
        chosen[positions] = True
        self._selected = chosen
        self._publish(rows_changed=False)

    @shown
    def export(self, name: str, what: str = "filtered") -> None:
        """Write the filtered table or the selected rows to the notebook variable ``name``."""
        check_variable_name(name)
        if what == "filtered":
            write_variable(name, self.engine.filtered())
        elif what == "selected":
            write_variable(name, self.engine.frame[self._selected])
        else:
            raise ValueError(f"what must be 'filtered' or 'selected', got {what!r}")

    # messages from the front end
    def _on_msg(self, _widget: object, content: object, _buffers: object) -> None:
        dispatch(self, content, self._handlers())

    def _handlers(self) -> dict[str, Handler]:
        return {
            "page": self._page,
            "summary": self._summary,
            "set-filter": self._set_filter_msg,
            "clear-filter": self._clear_filter_msg,
            "clear-filters": self._clear_filters_msg,
            "sort": self._sort_msg,
            "select": self._select_msg,
        }

    def _page(self, content: Mapping) -> Reply:
        offset = need_int(content, "offset", 0, 2**31)
        limit = need_int(content, "limit", 1, MAX_PAGE)
        positions = self.engine.order[offset : offset + limit]
        frame = self.engine.frame
        rows = frame.iloc[positions]
        cells = encode_cells(rows.index, [rows[c] for c in frame.columns])
        selected = self._selected[positions].astype(np.uint8).tobytes()
        reply = {
            "revision": self.revision,
            "offset": offset,
            "total": self.engine.filtered_count,
            "n_rows": len(positions),
            "columns": [c.name for c in self.engine.columns],
        }
        return reply, [cells, selected]

    def _summary(self, content: Mapping) -> Reply:
        names = content.get("columns")
        known = {c.name for c in self.engine.columns}
        if (
            not isinstance(names, list)
            or len(names) > MAX_SUMMARY_COLUMNS
            or not all(isinstance(n, str) for n in names)
        ):
            raise RequestError(f"'columns' must be a list of at most {MAX_SUMMARY_COLUMNS} names")
        unknown = [n for n in names if n not in known]
        if unknown:
            raise RequestError(f"unknown column(s) {unknown[:5]}")
        buffers: list[bytes] = []
        summaries = []
        for summary in self.engine.summaries(names):
            out = dict(summary)
            for key in ("counts", "totals"):
                if key in out:
                    buffers.append(np.ascontiguousarray(out[key], dtype="<i4").tobytes())
                    out[key] = len(buffers) - 1
            summaries.append(out)
        return {"revision": self.revision, "summaries": summaries}, buffers

    def _set_filter_msg(self, content: Mapping) -> Reply:
        self.engine.set_filter(content.get("filter"))
        self._publish()
        return {}

    def _clear_filter_msg(self, content: Mapping) -> Reply:
        column = content.get("column")
        if not isinstance(column, str):
            raise RequestError("'column' must be a string")
        self.engine.clear_filter(column)
        self._publish()
        return {}

    def _clear_filters_msg(self, _content: Mapping) -> Reply:
        self.engine.clear_filters()
        self._publish()
        return {}

    def _sort_msg(self, content: Mapping) -> Reply:
        keys = content.get("keys")
        if not isinstance(keys, list) or len(keys) > MAX_SORT_KEYS:
            raise RequestError(f"'keys' must be a list of at most {MAX_SORT_KEYS} keys")
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
        self.engine.set_sort(parsed)
        self._publish()
        return {}

    def _select_msg(self, content: Mapping) -> Reply:
        op = content.get("op")
        order = self.engine.order
        chosen = self._selected.copy()
        if op in ("set", "toggle", "add"):
            rows = content.get("rows")
            if not isinstance(rows, list) or len(rows) > MAX_ROWS_PER_SELECT:
                raise RequestError(f"'rows' must be a list of at most {MAX_ROWS_PER_SELECT}")
            if not all(type(r) is int and 0 <= r < len(order) for r in rows):
                raise RequestError(f"'rows' must be positions in [0, {len(order)})")
            picked = order[np.asarray(rows, dtype=np.int64)]
            if op == "set":
                chosen[:] = False
            if op == "toggle":
                chosen[picked] = ~chosen[picked]
            else:
                chosen[picked] = True
        elif op == "range":
            start = need_int(content, "from", 0, max(len(order) - 1, 0))
            stop = need_int(content, "to", 0, max(len(order) - 1, 0))
            if not len(order):
                raise RequestError("no rows to select")
            low, high = min(start, stop), max(start, stop)
            chosen[order[low : high + 1]] = True
        elif op == "all":
            chosen |= self.engine.mask
        elif op == "none":
            chosen[:] = False
        else:
            raise RequestError(f"'op' must be set, toggle, add, range, all or none, got {op!r:.40}")
        self._selected = chosen
        self._publish(rows_changed=False)
        return {"selected_count": int(chosen.sum())}
