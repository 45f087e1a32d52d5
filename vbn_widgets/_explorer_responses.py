"""The linked explorer's "Responses" tab: a ``SpikeExplorer`` of one chosen session over its
units that pass quality in the chosen areas.

It reads the explorer through public attributes only (``chosen_ids``, ``picker.selected_ids``,
``cache``, ``passing_in``, ``area_choices``, ``tabs``) and follows it through its public traits
``revision`` (chosen sessions, quality) and ``areas``. Opening a session costs seconds, so the
explorer makes this tab only when it is first shown (or used from Python), and changes made while
the tab is hidden wait until it is shown again.
"""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

import ipywidgets as ipw
import pandas as pd
import traitlets as t

from ._debounce import Debounced
from ._errors import error_html, error_text

if TYPE_CHECKING:
    from .spike_explorer import SpikeExplorer
    from .vbn_explorer import VBNExplorer

log = logging.getLogger(__name__)

PASSING = "units passing quality in"


def _message(text: str) -> ipw.HTML:
    return ipw.HTML(f"<i>{html.escape(text)}</i>").add_class("vbn-vx-responses-note")


class ResponsesTab(ipw.VBox):
    """One chosen session's responses: a dropdown of the chosen sessions (the picker's first
    selected one at first), the count of units shown, the areas (the explorer's ``areas``), and
    the ``SpikeExplorer``.

    The session stays while it is among the chosen sessions. A change of the quality thresholds
    or the areas gives the ``SpikeExplorer`` its new units (``set_units``, debounced); another
    session closes it and opens a new one. A session that cannot be opened (a demo stand-in, a
    file not available) or that has no passing unit in the areas is said in the tab.

    Attributes
    ----------
    spike_explorer
        The ``SpikeExplorer`` shown, or None (no session, or it could not be opened).
    session_id
        The session shown (or that failed to open), or None.
    units
        The unit ids the ``SpikeExplorer`` was last given.
    stale
        True when the explorer changed while the tab was hidden (:meth:`refresh` applies it;
        showing the tab or reading ``VBNExplorer.responses`` does).
    """

    def __init__(
        self, explorer: VBNExplorer, *, export_to: str | None = None, debounce_s: float = 0.2
    ) -> None:
        self._vx, self._export_to = explorer, export_to
        self.spike_explorer: SpikeExplorer | None = None
        self.session_id: int | None = None
        self.units = pd.Index([], dtype="int64", name="unit_id")
        self.stale = False
        self._session: object = None
        self._choosing = False
        self.session_choice = ipw.Dropdown(description="session", options=[])
        self.session_choice.layout.width = "260px"
        self.count = ipw.Label(PASSING).add_class("vbn-vx-responses-count")
        self.areas = ipw.TagsInput(
            value=list(explorer.areas), allowed_tags=list(explorer.area_choices)
        )
        self._areas_link: t.link | None = t.link((explorer, "areas"), (self.areas, "value"))
        self.status = ipw.HTML("").add_class("vbn-vx-responses-status")
        self.body = ipw.Box([_message("loading responses…")])
        self._update = Debounced(self.refresh, debounce_s)
        header = ipw.HBox([self.session_choice, self.count, self.areas])
        super().__init__([header, self.status, self.body])
        self.add_class("vbn-vx-responses")
        self.session_choice.observe(self._session_chosen, names=["value"])
        explorer.observe(self._explorer_changed, names=["revision", "areas"])
        self.refresh()

    def __repr__(self) -> str:
        shown = "nothing" if self.spike_explorer is None else f"{len(self.units):,} units"
        return f"ResponsesTab(session {self.session_id}: {shown})"

    # ---- following the explorer --------------------------------------------------------------
    @property
    def shown(self) -> bool:
        """Whether this tab is the explorer's selected tab."""
        tabs = self._vx.tabs
        index = tabs.selected_index
        return index is not None and self in tabs.children[index].children

    def _explorer_changed(self, _change: object) -> None:
        if self.shown:
            self._update.call()
        else:  # no session opened for a hidden tab
            self.stale = True

    def _session_chosen(self, change: dict) -> None:
        if not self._choosing and change["new"] is not None:
            self._update.flush(force=True)  # a user's choice shows at once

    def flush(self) -> None:
        """Apply a pending (debounced) change now."""
        self._update.flush()

    def refresh(self) -> None:
        """Show now the session and units the explorer's state calls for; an error is said in
        the tab, not raised."""
        self.stale = False
        try:
            self._refresh()
        except Exception as err:
            log.debug("Responses tab: refresh failed", exc_info=True)
            self.status.value = error_html(error_text(err))

    # ---- what to show -----------------------------------------------------------------------
    def _pick(self, chosen: list[int]) -> int | None:
        """The current session while it is chosen, else the picker's first selected one, else
        the first chosen one."""
        current = self.session_choice.value
        if current in chosen:
            return int(current)
        selected = [s for s in self._vx.picker.selected_ids if s in chosen]
        return (selected or chosen or [None])[0]

    def _offer(self, chosen: list[int], sid: int | None) -> None:
        self._choosing = True
        try:
            options = [(str(s), int(s)) for s in chosen]
            if list(self.session_choice.options) != options:
                self.session_choice.options = options
            self.session_choice.value = sid
        finally:
            self._choosing = False

    def _refresh(self) -> None:
        chosen = [int(s) for s in self._vx.chosen_ids]
        sid = self._pick(chosen)
        self._offer(chosen, sid)
        self.status.value, self.count.value = "", PASSING
        if sid is None:
            self._close_session()
            self.body.children = (_message("no session chosen: choose one in the Sessions tab"),)
            return
        if sid != self.session_id:
            self._open(sid)
        if self._session is None:
            return  # the reader's error is shown
        units = self._vx.passing_in(sid)
        if len(units) == 0:
            areas = ", ".join(self._vx.areas) or "no area (choose areas above)"
            self.body.children = (_message(f"no unit of session {sid} passes quality in {areas}"),)
            return
        try:
            self._show_units(sid, units)
        except Exception as err:  # e.g. a session without VBN's events, a corrupt spike table
            log.debug("Responses tab: showing units failed", exc_info=True)
            line = error_html(f"session {sid}: {error_text(err)}")
            if self.spike_explorer is None:
                self.body.children = (ipw.HTML(line),)
            else:  # it still shows the units it had
                self.status.value = line
            return
        self.count.value = f"{len(units):,} {PASSING}"

    def _show_units(self, sid: int, units: pd.Index) -> None:
        from .spike_explorer import SpikeExplorer

        if self.spike_explorer is None:
            self.spike_explorer = SpikeExplorer(
                self._session, units=units, session_id=sid, export_to=self._export_to
            )
        elif not units.equals(self.units):
            self.spike_explorer.set_units(units)
        self.units = units
        self.body.children = (self.spike_explorer,)

    def _open(self, sid: int) -> None:
        self._close_session()
        self.session_id = sid
        self.body.children = (_message(f"opening session {sid}…"),)
        try:
            self._session = self._vx.cache.get_ecephys_session(sid)
        except Exception as err:  # a stand-in, a missing or corrupt file: said in the tab
            log.debug("Responses tab: session %s did not open", sid, exc_info=True)
            self.body.children = (ipw.HTML(error_html(f"session {sid}: {error_text(err)}")),)

    def _close_session(self) -> None:
        if self.spike_explorer is not None:
            self.spike_explorer.close()
            self.spike_explorer = None
        close = getattr(self._session, "close", None)
        if callable(close):
            close()
        self._session, self.session_id = None, None
        self.units = self.units[:0]

    def close(self) -> None:
        self._update.close()
        if self._areas_link is not None:  # close runs again from __del__
            self._areas_link.unlink()
            self._areas_link = None
            self._vx.unobserve(self._explorer_changed, names=["revision", "areas"])
        self._close_session()
        for part in (self.session_choice, self.count, self.areas, self.status, self.body):
            part.close()
        super().close()
