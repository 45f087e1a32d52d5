"""TableEngine: filters, facet summaries, sorted pages and equivalent pandas code for one table."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from . import codegen, masks, ordering
from .columns import ColumnData, frozen
from .errors import SpecError, show
from .filters import Filter, FilterSpec
from .kinds import CATEGORY_LIMIT, ColumnInfo
from .restriction import restriction_mask
from .spec import parse_filter, parse_spec
from .summaries import Selection, summarize, tally

Filters = tuple[Filter, ...]


def _column_data(frame: pd.DataFrame, category_limit: int) -> dict[str, ColumnData]:
    if not isinstance(frame, pd.DataFrame):
        raise SpecError(f"TableEngine needs a pandas DataFrame, got {type(frame).__name__}")
    if isinstance(frame.index, pd.MultiIndex) or isinstance(frame.columns, pd.MultiIndex):
        raise SpecError("TableEngine: MultiIndex rows or columns are not supported")
    label = frame.index.name
    limit = category_limit
    if label is not None and not isinstance(label, str):
        raise SpecError(f"TableEngine: the index name must be a string, got {show(label)}")
    name = label or "index"
    data = {name: ColumnData(name, frame.index.to_series(), is_index=True, category_limit=limit)}
    for position, name in enumerate(frame.columns):
        if not isinstance(name, str):
            raise SpecError(f"TableEngine: column names must be strings, got {show(name)}")
        if name in data:
            raise SpecError(f"TableEngine: column name {name!r} is not unique")
        column = frame.iloc[:, position]
        data[name] = ColumnData(name, column, is_index=False, category_limit=limit)
    return data


class TableEngine:
    """Filters, facet summaries, sorted pages and pandas code for one DataFrame.

    The frame is referenced, never copied; derived per-column data is computed lazily and kept,
    so the frame must not be modified while an engine uses it. String, object and categorical
    columns with at most ``category_limit`` distinct values are "category" columns, others
    "text".
    """

    def __init__(self, frame: pd.DataFrame, *, category_limit: int = CATEGORY_LIMIT) -> None:
        self._data = _column_data(frame, category_limit)
        self._frame = frame
        self._infos: dict[str, ColumnInfo] = {k: d.info for k, d in self._data.items()}
        self._spec = FilterSpec()
        self._sort_keys: tuple[tuple[str, bool], ...] = ()
        self._filter_masks: dict[str, tuple[Filter, np.ndarray]] = {}
        self._selections: dict[Filters, Selection] = {}  # keyed by the filters applied
        self._summaries: dict[str, tuple[Filters, dict]] = {}  # keyed by the other filters
        self._full_order: tuple[tuple, np.ndarray] | None = None
        self._order: tuple[tuple, np.ndarray] | None = None
        self._all_rows: np.ndarray | None = None
        self._base: Selection | None = None  # the restriction: only these rows take part
        self._base_code: str | None = None
        self._totals: dict[str, np.ndarray] = {}  # per column: tally over the taking part

    # ---- table --------------------------------------------------------------------------

    @property
    def frame(self) -> pd.DataFrame:
        return self._frame

    @property
    def columns(self) -> list[ColumnInfo]:
        return list(self._infos.values())

    @property
    def row_count(self) -> int:
        return len(self._frame)

    # ---- restriction --------------------------------------------------------------------

    def restrict(self, rows: pd.Index | np.ndarray | None, code: str | None = None) -> None:
        """Let only some rows take part (before the filters); None lifts the restriction.

        Parameters
        ----------
        rows
            Index labels (rows whose label is in ``rows``; labels not in the table match
            nothing), or a bool mask with one value per row.
        code
            Python statements that rebind ``df`` to the restricted rows, emitted by
            :meth:`to_code` before the filter expression; by default a literal list of labels.
        """
        if code is not None and not isinstance(code, str):
            raise SpecError(f"restrict: code must be a string or None, got {show(code)}")
        base = None if rows is None else restriction_mask(self._frame.index, rows)
        self._base = None if base is None else Selection(frozen(base), len(self._frame))
        self._base_code = None if base is None else code
        self._selections.clear()
        self._summaries.clear()
        self._totals.clear()
        self._order = None

    @property
    def restriction(self) -> np.ndarray | None:
        """The restriction's row mask (read-only), or None when every row takes part."""
        return None if self._base is None else self._base.mask

    @property
    def restricted_count(self) -> int:
        """Rows taking part: the restriction's size, or every row."""
        return len(self._frame) if self._base is None else self._base.count

    # ---- filters ------------------------------------------------------------------------

    @property
    def spec(self) -> FilterSpec:
        return self._spec

    def _mask_of(self, filt: Filter) -> np.ndarray:
        """One filter's mask, recomputed only when that column's filter changed."""
        cached = self._filter_masks.get(filt.column)
        if cached is not None and cached[0] == filt:
            return cached[1]
        mask = masks.filter_mask(self._data[filt.column], filt)
        self._filter_masks[filt.column] = (filt, mask)
        return mask

    def _check_column(self, column: object, what: str) -> str:
        if not isinstance(column, str) or column not in self._data:
            raise SpecError(f"{what}: unknown column {show(column)}")
        return column

    def set_filter(self, filt: Filter | Mapping, *, strict: bool = False) -> None:
        """Set one column's filter. ``strict``: refuse values (of a values or list filter)
        that no row of the table holds, naming them, rather than match nothing."""
        parsed = parse_filter(filt, self._infos)
        if strict:
            self._check_values(parsed)
        self._mask_of(parsed)  # may raise: nothing has changed yet
        self._commit(self._spec.with_filter(parsed))

    def clear_filter(self, column: str) -> None:
        self._commit(self._spec.without(self._check_column(column, "clear_filter")))

    def clear_filters(self) -> None:
        self._commit(FilterSpec())

    def set_spec(self, spec: FilterSpec | Mapping, *, strict: bool = False) -> None:
        """Replace every filter (``strict``: as in :meth:`set_filter`)."""
        parsed = parse_spec(spec, self._infos)
        for filt in parsed.filters:
            if strict:
                self._check_values(filt)
            self._mask_of(filt)
        self._commit(parsed)

    def _check_values(self, filt: Filter) -> None:
        absent = masks.absent_values(self._data[filt.column], filt)
        if absent:
            what = "value" if len(absent) == 1 else "values"
            raise SpecError(
                f"filter on column {filt.column!r}: no row holds the {what} {show(absent)}"
            )

    def _commit(self, spec: FilterSpec) -> None:
        self._spec = spec
        self._prune()

    def _selection(self, filters: Filters) -> Selection:
        """The rows passing ``filters`` (cached while those filters stay active)."""
        selection = self._selections.get(filters)
        if selection is None:
            mask = None if self._base is None else self._base.mask.copy()
            for filt in filters:
                if mask is None:
                    mask = self._mask_of(filt).copy()
                else:
                    np.logical_and(mask, self._mask_of(filt), out=mask)
            selection = Selection(None if mask is None else frozen(mask), len(self._frame))
            self._selections[filters] = selection
        return selection

    def _others(self, column: str) -> Filters:
        return tuple(f for f in self._spec.filters if f.column != column)

    def _prune(self) -> None:
        """Forget selections no summary of the current filters can use."""
        current = self._spec.filters
        wanted = {current} | {self._others(f.column) for f in current}
        if len(self._selections) > len(wanted):
            self._selections = {k: v for k, v in self._selections.items() if k in wanted}

    @property
    def mask(self) -> np.ndarray:
        selection = self._selection(self._spec.filters)
        if selection.mask is None:
            if self._all_rows is None:
                self._all_rows = frozen(np.ones(len(self._frame), dtype=bool))
            return self._all_rows
        return selection.mask

    @property
    def filtered_count(self) -> int:
        return self._selection(self._spec.filters).count

    # ---- order and rows -----------------------------------------------------------------

    @property
    def sort_keys(self) -> tuple[tuple[str, bool], ...]:
        return self._sort_keys

    def _sorted_rows(self, keys: tuple[tuple[str, bool], ...]) -> np.ndarray:
        if self._full_order is None or self._full_order[0] != keys:
            self._full_order = (keys, ordering.full_order(keys, self._data))
        return self._full_order[1]

    def set_sort(self, keys: Sequence[tuple[str, bool]]) -> None:
        parsed = ordering.parse_sort(keys, self._data)
        if parsed:
            self._sorted_rows(parsed)  # may raise (unsortable values): nothing changed yet
        self._sort_keys = parsed

    @property
    def order(self) -> np.ndarray:
        key = (self._spec.filters, self._sort_keys)
        if self._order is None or self._order[0] != key:
            selection = self._selection(self._spec.filters)
            if not self._sort_keys:
                rows = selection.positions
            elif selection.mask is None:
                rows = self._sorted_rows(self._sort_keys)
            else:
                rows = ordering.filtered_order(self._sorted_rows(self._sort_keys), selection.mask)
            self._order = (key, frozen(rows.astype(np.int64, copy=False)))
        return self._order[1]

    def page(self, offset: int, limit: int) -> pd.DataFrame:
        for name, value in (("offset", offset), ("limit", limit)):
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 0:
                raise SpecError(f"page: {name} must be an integer >= 0, got {show(value)}")
        return self._frame.iloc[self._page_rows(int(offset), int(limit))]

    def _page_rows(self, offset: int, limit: int) -> np.ndarray:
        """``order[offset:offset + limit]``, without sorting every kept row for an early page."""
        key = (self._spec.filters, self._sort_keys)
        selection = self._selection(self._spec.filters)
        cached = self._order is not None and self._order[0] == key
        if cached or not self._sort_keys or selection.mask is None:
            return self.order[offset : offset + limit]
        rows = ordering.first_kept(
            self._sorted_rows(self._sort_keys), selection.mask, offset + limit
        )
        return rows[offset:] if rows is not None else self.order[offset : offset + limit]

    def filtered(self) -> pd.DataFrame:
        return self._frame.iloc[self.order]

    def filtered_index(self) -> pd.Index:
        return self._frame.index[self.order]

    # ---- summaries and code -------------------------------------------------------------

    def summaries(self, columns: Sequence[str]) -> list[dict]:
        """Protocol Summary objects (numpy int32 ``counts``/``totals``), in request order.

        ``counts`` follow every filter except the column's own; ``totals`` cover the table
        (under a restriction: the restricted rows).
        """
        if isinstance(columns, str) or not isinstance(columns, Sequence):
            raise SpecError(f"summaries: expected a list of column names, got {show(columns)}")
        names = [self._check_column(c, "summaries") for c in columns]
        out = []
        for name in names:
            others = self._others(name)
            cached = self._summaries.get(name)
            if cached is None or cached[0] != others:
                col = self._data[name]
                totals = self._totals.get(name)
                if totals is None:
                    base = self._base or Selection(None, len(self._frame))
                    totals = self._totals[name] = tally(col, base)
                cached = (others, summarize(col, self._selection(others), totals))
                self._summaries[name] = cached
            out.append({k: list(v) if isinstance(v, list) else v for k, v in cached[1].items()})
        return out

    def to_code(self, name: str = "df", *, restriction: bool = True) -> str:
        """A pandas expression over ``name`` that evaluates to :meth:`filtered`.

        Under a restriction (and ``restriction=True``) the restriction's statements come first,
        over ``df`` (``df = name`` before them when ``name`` is another table), and the last
        line is the expression; ``restriction=False`` gives the filter expression alone.
        """
        if not restriction or self._base is None:
            return codegen.to_code(
                self._spec, self._sort_keys, self._infos, name, index_label=self._frame.index.name
            )
        expr = codegen.to_code(
            self._spec, self._sort_keys, self._infos, "df", index_label=self._frame.index.name
        )
        code = self._base_code
        if code is None:
            code = codegen.restriction_code(self._frame.index[self._base.mask], "df")
        lines = [] if name == "df" else [f"df = {codegen.checked_name(name)}"]
        return "\n".join([*lines, code.strip("\n"), expr])
