"""``SessionPicker``: choose VBN ecephys sessions by the facets a user reaches for first."""

from __future__ import annotations

import html
import logging

import ipywidgets as ipw
import numpy as np
import pandas as pd
import traitlets as t

from ._errors import error_line, show_error, shown
from ._variables import check_variable_name, write_variable
from .linking import ABNORMAL, SESSION_KEY, check_ids, finish_code, prepare_sessions
from .table_explorer import TableExplorer

log = logging.getLogger(__name__)

__all__ = ["SessionPicker"]


class SessionPicker(ipw.VBox):
    """The ecephys sessions table with facet filters; the selected session ids go to a variable.

    Abnormal sessions (abnormal histology or activity) are left out by default, exactly as
    AllenSDK's ``get_ecephys_session_table()`` leaves them out, through a filter on the added
    bool column ``abnormal`` that the "include abnormal sessions" checkbox toggles (so the
    filter code shows it).

    Parameters
    ----------
    cache
        A ``VBNCache``, AllenSDK's project cache, or anything with
        ``get_ecephys_session_table(filter_abnormalities=False)``.
    export_to
        Name of a notebook variable that always holds the selected session ids (a list of
        ints in table order), or None.
    title
        Caption of the table.
    include_abnormal
        Start with abnormal sessions included.

    Attributes
    ----------
    selected_ids, chosen_ids
        Observable traits (lists of ints): the selected sessions; the selection, or every
        filtered session when nothing is selected.
    explorer
        The ``TableExplorer`` showing the sessions.
    error
        The last error of this picker's own controls and methods ("" when none), shown under
        them; the table shows its own.
    """

    selected_ids = t.List(t.Int(), read_only=True)
    chosen_ids = t.List(t.Int(), read_only=True)
    error = t.Unicode("", read_only=True)

    def __init__(
        self,
        cache: object,
        export_to: str | None = "sessions",
        *,
        title: str = "ecephys sessions",
        include_abnormal: bool = False,
    ) -> None:
        getter = getattr(cache, "get_ecephys_session_table", None)
        if getter is None:
            raise TypeError(
                f"SessionPicker needs a cache with get_ecephys_session_table(), "
                f"got {type(cache).__name__}"
            )
        self._export_to = None if export_to is None else check_variable_name(export_to)
        self.table, self._prepare_code = prepare_sessions(getter(filter_abnormalities=False))
        if self.table.index.name != SESSION_KEY:
            raise ValueError(
                f"the sessions table must be indexed by {SESSION_KEY!r}, "
                f"got {self.table.index.name!r}"
            )
        self.n_abnormal = int(np.count_nonzero(self.table[ABNORMAL].to_numpy(dtype=bool)))
        self.explorer = TableExplorer(self.table, title=title)
        self._abnormal = ipw.Checkbox(
            value=bool(include_abnormal),
            description=f"include abnormal sessions ({self.n_abnormal})",
            indent=False,
            layout={"width": "auto"},
        ).add_class("vbn-sp-abnormal")
        self._summary = ipw.HTML("", layout={"margin": "0 0 0 1.5em"}).add_class("vbn-sp-summary")
        self._syncing = False
        controls = ipw.HBox([self._abnormal, self._summary])
        super().__init__([controls, error_line(self), self.explorer])
        self.add_class("vbn-session-picker")
        self._abnormal.observe(self._abnormal_toggled, names=["value"])
        self.explorer.observe(self._explorer_changed, names=["revision"])
        self._apply_abnormal(bool(include_abnormal))
        self._explorer_changed()

    def __repr__(self) -> str:
        return (
            f"SessionPicker({len(self.chosen_ids)} chosen, {len(self.selected_ids)} selected, "
            f"{self.explorer.filtered_count} of {len(self.table)} sessions shown)"
        )

    # ---- abnormal sessions -----------------------------------------------------------------
    @property
    def include_abnormal(self) -> bool:
        """Whether abnormal sessions take part (no filter on ``abnormal``)."""
        return not any(
            f["column"] == ABNORMAL and f.get("value") is False
            for f in self.explorer.filters["filters"]
        )

    @include_abnormal.setter
    @shown
    def include_abnormal(self, value: bool) -> None:
        self._apply_abnormal(bool(value))

    def _apply_abnormal(self, include: bool) -> None:
        if include == self.include_abnormal:
            return
        if include:
            self.explorer.clear_filter(ABNORMAL)
        else:
            self.explorer.set_filter(ABNORMAL, value=False)

    def _abnormal_toggled(self, change: dict) -> None:
        if not self._syncing:
            try:
                self._apply_abnormal(bool(change["new"]))
            except Exception as exc:  # a checkbox's error is shown, not swallowed
                log.debug("SessionPicker: abnormal toggle failed", exc_info=True)
                show_error(self, exc)

    # ---- state -> traits, variable -------------------------------------------------------
    def _explorer_changed(self, _change: object = None) -> None:
        selected = [int(i) for i in self.explorer.selected]
        chosen = selected or [int(i) for i in self.explorer.filtered_index]
        self._syncing = True
        try:
            self._abnormal.value = self.include_abnormal
        finally:
            self._syncing = False
        with self.hold_trait_notifications():
            self.set_trait("selected_ids", selected)
            self.set_trait("chosen_ids", chosen)
        how = "selected" if selected else "shown"
        self._summary.value = html.escape(f"{len(chosen):,} sessions chosen ({how})")
        if self._export_to is not None:
            write_variable(self._export_to, list(selected))

    # ---- Python API ----------------------------------------------------------------------
    @property
    def selected(self) -> pd.Index:
        """The selected session ids as a pandas Index (what ``CacheBrowser.preview`` reads)."""
        return pd.Index(self.selected_ids, dtype=np.int64, name=SESSION_KEY)

    @property
    def filtered(self) -> pd.DataFrame:
        """The sessions passing every filter, in the grid's order."""
        return self.explorer.filtered

    @property
    def chosen(self) -> pd.DataFrame:
        """The chosen sessions' rows: the selection (table order), or :attr:`filtered`."""
        return self.frame("chosen")

    @shown
    def frame(self, rows: str = "chosen") -> pd.DataFrame:
        """The "chosen", "filtered" or "selected" (table order) sessions' rows."""
        if rows not in ("chosen", "filtered", "selected"):
            raise ValueError(f"rows must be 'chosen', 'filtered' or 'selected', got {rows!r}")
        if rows == "selected" or (rows == "chosen" and self.selected_ids):
            return self.table[self.table.index.isin(self.selected_ids)]
        return self.filtered

    @shown
    def select(self, ids: object) -> None:
        """Select sessions by id (replacing the selection); ``[]`` clears it."""
        self.explorer.select(check_ids(ids))

    @shown
    def code(self, name: str = "sessions", *, rows: str = "chosen") -> str:
        """pandas code, given a ``cache``, that leaves the ``rows`` in the variable ``name``.

        ``rows``: "chosen" (:attr:`chosen`), "filtered" (:attr:`filtered`) or "selected" (the
        selected sessions, table order).
        """
        check_variable_name(name)
        if rows not in ("chosen", "filtered", "selected"):
            raise ValueError(f"rows must be 'chosen', 'filtered' or 'selected', got {rows!r}")
        lines = [
            "sessions = cache.get_ecephys_session_table(filter_abnormalities=False)",
            *self._prepare_code,
        ]
        by_selection = rows == "selected" or (rows == "chosen" and self.selected_ids)
        code = finish_code(
            "sessions",
            lines,
            selected=self.selected_ids if by_selection else None,
            filter_expr=self.explorer.to_code("sessions"),
        )
        return code if name == "sessions" else f"{code}\n{name} = sessions"
