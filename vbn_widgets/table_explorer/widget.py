"""The TableExplorer widget: its state (engine, selection), its public API and its handlers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd
import traitlets as t

from .._base import Shaped, StrictWidget
from .._errors import show_error, shown
from .._messages import Handler, Reply, dispatch
from .._page_codec import encode_cells
from .._static import STATIC
from .._variables import check_variable_name, write_variable
from ..engine import SpecError, TableEngine
from ..engine.protocol import FILTER_KIND, SPEC_VERSION, ColumnInfoJSON, FilterSpecJSON
from . import requests as rq
from .tables import as_frame


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

    Synced state (mirrored by ``@typedef Model`` in ``js/src/table_explorer/table_explorer.js``;
    the shapes are ``vbn_widgets.engine.protocol``'s); the front end only reads it and asks for
    everything else by message:

    ==================  ================  ========================================================
    trait               wire type         meaning
    ==================  ================  ========================================================
    ``columns``         ColumnInfo[]      name, kind, dtype, index flag; the index column first
    ``row_count``       int               rows in the table (under :meth:`restrict`: taking part)
    ``filtered_count``  int               rows passing every filter
    ``selected_count``  int               rows selected (filtered out or not)
    ``filters``         FilterSpec        ``{"version": 1, "filters": [...]}``, settable
    ``sort``            SortKey[]         ``[column, "asc" | "desc"]``, primary key first
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

    columns = t.List(Shaped(ColumnInfoJSON), read_only=True).tag(sync=True, wire="ColumnInfo[]")
    row_count = t.Int(0, read_only=True).tag(sync=True)
    filtered_count = t.Int(0, read_only=True).tag(sync=True)
    selected_count = t.Int(0, read_only=True).tag(sync=True)
    filters = Shaped(FilterSpecJSON, default_value={"version": SPEC_VERSION, "filters": []}).tag(
        sync=True
    )
    sort = t.List(t.List(t.Unicode()), read_only=True).tag(sync=True, wire="SortKey[]")
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
        self._engine = TableEngine(frame)
        self._selected = np.zeros(len(frame), dtype=bool)
        self._publishing = False
        super().__init__(**kwargs)
        self._publish_table()
        self.on_msg(self._on_msg)

    def __repr__(self) -> str:
        return (
            f"TableExplorer({self.filtered_count:,} of {self.row_count:,} rows, "
            f"{len(self._engine.spec)} filters)"
        )

    # ---- state -> traits, variables ------------------------------------------------------------
    def _publish_table(self) -> None:
        self.set_trait("columns", [c.to_json() for c in self._engine.columns])
        self.set_trait("row_count", self._engine.restricted_count)
        self._publish()

    def _publish(self, *, rows_changed: bool = True) -> None:
        engine = self._engine
        self._publishing = True
        try:
            with self.hold_trait_notifications():
                self.filters = engine.spec.to_json()
                self.set_trait("sort", [[c, "asc" if a else "desc"] for c, a in engine.sort_keys])
                self.set_trait("filtered_count", engine.filtered_count)
                self.set_trait("selected_count", int(self._selected.sum()))
                self.set_trait("selected", engine.frame.index[self._selected])
                self.set_trait("revision", self.revision + 1)
        finally:
            self._publishing = False
        if rows_changed and self._export_to is not None:
            write_variable(self._export_to, engine.filtered())

    @t.validate("filters")
    def _validate_filters(self, proposal: dict) -> dict:
        if self._publishing:
            return proposal["value"]
        try:
            self._engine.set_spec(proposal["value"], strict=True)
        except SpecError as err:
            show_error(self, err)
            raise t.TraitError(str(err)) from None
        return self._engine.spec.to_json()

    @t.observe("filters")
    def _filters_set_from_python(self, _change: dict) -> None:
        if not self._publishing:
            self._publish()

    # ---- reading -------------------------------------------------------------------------------
    @property
    def frame(self) -> pd.DataFrame:
        """The whole table shown (not a copy: do not modify it; see :meth:`replace_data`)."""
        return self._engine.frame

    @property
    def filtered(self) -> pd.DataFrame:
        """The rows passing every filter, in the grid's sort order."""
        return self._engine.filtered()

    @property
    def filtered_index(self) -> pd.Index:
        """The index labels of :attr:`filtered`, in the grid's order."""
        return self._engine.filtered_index()

    @property
    def sort_keys(self) -> tuple[tuple[str, bool], ...]:
        """The sort: ``(column, ascending)`` pairs, primary key first."""
        return self._engine.sort_keys

    @property
    def filter_code(self) -> str:
        """pandas code over a table named ``df`` that gives exactly :attr:`filtered`.

        An expression; under :meth:`restrict`, the restriction's statements come first and the
        expression is the last line.
        """
        return self._engine.to_code("df")

    def to_code(self, name: str = "df", *, restriction: bool = True) -> str:
        """:attr:`filter_code` over a table named ``name``; ``restriction=False``: the filters
        and sort alone, as one expression (for a caller that restricts the rows its own way)."""
        return self._engine.to_code(name, restriction=restriction)

    # ---- changing ------------------------------------------------------------------------------
    @shown
    def replace_data(self, data: object) -> None:
        """Show another table (e.g. the same rows with new numbers), keeping the filters, sort
        and selection (by index label) wherever they still apply.

        Filters on columns that are gone or changed kind, and sort keys on columns that are gone
        or can no longer be sorted, are dropped; a :meth:`restrict` restriction is lifted. The
        same widget (and comm) stays on screen.
        """
        frame = as_frame(data)
        engine = TableEngine(frame)
        infos = {c.name: c for c in engine.columns}
        kept = [
            f.to_json()
            for f in self._engine.spec
            if f.column in infos and FILTER_KIND[infos[f.column].kind] == f.kind
        ]
        engine.set_spec({"version": SPEC_VERSION, "filters": kept})
        keys: list[tuple[str, bool]] = []
        for key in (k for k in self._engine.sort_keys if k[0] in infos):
            try:
                engine.set_sort([*keys, key])
            except SpecError:  # the column now holds lists or values that do not compare
                continue
            keys.append(key)
        selected = self._engine.frame.index[self._selected]
        self._engine = engine
        self._selected = np.asarray(frame.index.isin(selected), dtype=bool)
        self._publish_table()

    @shown
    def restrict(self, index: pd.Index | np.ndarray | None, code: str | None = None) -> None:
        """Let only the rows whose index label is in ``index`` take part; None: every row.

        Counts, facet counts, histograms, pages, exports and :attr:`filter_code` follow it;
        selected rows outside it are deselected. ``index`` may also be a bool mask, one value
        per row. ``code``: statements rebinding ``df`` to the restricted rows (emitted before
        the filter expression); by default a literal list of labels.
        """
        self._engine.restrict(index, code)
        restriction = self._engine.restriction
        if restriction is not None:
            self._selected &= restriction
        self.set_trait("row_count", self._engine.restricted_count)
        self._publish()

    @shown
    def set_filter(self, column: str, **fields: Any) -> None:
        """Filter one column, e.g. ``set_filter("snr", min=1)``; the kind follows the column's.

        Values (of a category or list column) that no row holds are refused, by name.
        """
        info = {c.name: c for c in self._engine.columns}.get(column)
        if info is None:
            raise SpecError(f"unknown column {column!r}")
        filt = {"column": column, "kind": FILTER_KIND[info.kind], **fields}
        self._engine.set_filter(filt, strict=True)
        self._publish()

    @shown
    def clear_filter(self, column: str) -> None:
        self._engine.clear_filter(column)
        self._publish()

    @shown
    def clear_filters(self) -> None:
        self._engine.clear_filters()
        self._publish()

    @shown
    def sort_by(self, *keys: str | tuple[str, bool]) -> None:
        """Sort by columns (``"snr"`` ascending, or ``("snr", False)`` descending)."""
        self._engine.set_sort([(k, True) if isinstance(k, str) else k for k in keys])
        self._publish()

    @shown
    def select(self, labels: object) -> None:
        """Select rows by index label (replacing the selection)."""
        positions = self._engine.frame.index.get_indexer(pd.Index(labels))
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
            write_variable(name, self._engine.filtered())
        elif what == "selected":
            write_variable(name, self._engine.frame[self._selected])
        else:
            raise ValueError(f"what must be 'filtered' or 'selected', got {what!r}")

    # ---- requests from the front end (validated by requests.py) -----------------------------
    def _on_msg(self, _widget: object, content: object, _buffers: object) -> None:
        dispatch(self, content, self._handlers())

    def _handlers(self) -> dict[str, Handler]:
        handlers: dict[str, Handler] = {
            "page": self._page,
            "summary": self._summary,
            "set-filter": self._set_filter_msg,
            "clear-filter": lambda c: self._changed(self._engine.clear_filter(rq.parse_column(c))),
            "clear-filters": lambda _c: self._changed(self._engine.clear_filters()),
            "sort": lambda c: self._changed(self._engine.set_sort(rq.parse_sort(c))),
            "select": self._select_msg,
        }
        assert tuple(handlers) == rq.KINDS
        return handlers

    def _changed(self, _done: None) -> dict:
        self._publish()
        return {}

    def _set_filter_msg(self, content: Mapping) -> Reply:
        self._engine.set_filter(content.get("filter"), strict=True)
        return self._changed(None)

    def _page(self, content: Mapping) -> Reply:
        offset, limit = rq.parse_page(content)
        positions = self._engine.order[offset : offset + limit]
        frame = self._engine.frame
        rows = frame.iloc[positions]
        cells = encode_cells(rows.index, [rows[c] for c in frame.columns])
        selected = self._selected[positions].astype(np.uint8).tobytes()
        reply = {
            "revision": self.revision,
            "offset": offset,
            "total": self._engine.filtered_count,
            "n_rows": len(positions),
            "columns": [c.name for c in self._engine.columns],
        }
        return reply, [cells, selected]

    def _summary(self, content: Mapping) -> Reply:
        names = rq.parse_summary(content, {c.name for c in self._engine.columns})
        buffers: list[bytes] = []
        summaries = []
        for summary in self._engine.summaries(names):
            out = dict(summary)
            for key in ("counts", "totals"):
                if key in out:
                    buffers.append(np.ascontiguousarray(out[key], dtype="<i4").tobytes())
                    out[key] = len(buffers) - 1
            summaries.append(out)
        return {"revision": self.revision, "summaries": summaries}, buffers

    def _select_msg(self, content: Mapping) -> Reply:
        order = self._engine.order
        request = rq.parse_select(content, len(order))
        chosen = self._selected.copy()
        if request.op in ("set", "toggle", "add"):
            picked = order[np.asarray(request.rows, dtype=np.int64)]
            if request.op == "set":
                chosen[:] = False
            if request.op == "toggle":
                chosen[picked] = ~chosen[picked]
            else:
                chosen[picked] = True
        elif request.op == "range":
            chosen[order[request.first : request.last + 1]] = True
        elif request.op == "all":
            chosen |= self._engine.mask
        else:
            chosen[:] = False
        self._selected = chosen
        self._publish(rows_changed=False)
        return {"selected_count": int(chosen.sum())}
