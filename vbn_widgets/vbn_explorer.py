"""``VBNExplorer``: sessions, quality, probes, channels and units as one linked view."""

from __future__ import annotations

import html
import logging
from collections.abc import Callable, Sequence

import ipywidgets as ipw
import pandas as pd
import traitlets as t

from ._debounce import Debounced, Stepwise
from ._errors import error_line, show_error, shown
from ._explorer_parts import EXPORTABLE, TABS, ExportBar, Tab
from ._variables import ExportTarget, check_variable_name, write_variable
from .linking import (
    AREA_COLUMN,
    SESSION_KEY,
    KeyColumn,
    LinkError,
    ranking_frame,
    session_restriction,
)
from .session_picker import SessionPicker
from .table_explorer import TableExplorer

log = logging.getLogger(__name__)

__all__ = ["VBNExplorer"]

LINKED = tuple(tab for tab in TABS if tab.getter is not None)


class VBNExplorer(ipw.VBox):
    """One linked view of the VBN sessions, probes, channels and units.

    Choosing sessions (selected in the picker, or every session its filters keep) restricts the
    probes, channels and units tables through ``ecephys_session_id``; the quality thresholds
    restrict the units further, and the ranking counts each candidate session's (the picker's
    filtered sessions) units that pass, overall and in the chosen areas. Selecting sessions in
    the ranking selects them in the picker. Restrictions are row masks: no table is copied.

    In a running kernel the explorer shows at once with its session picker and fills the other
    tabs as they are built, a step at a time between the kernel's other work; every method (and
    the next cell) first finishes the building.

    Parameters
    ----------
    cache
        A ``VBNCache`` or AllenSDK's project cache.
    export_prefix
        When given, notebook variables ``<prefix>sessions`` (chosen session ids),
        ``<prefix>good_units`` (passing unit ids) and ``<prefix>probes`` / ``channels`` /
        ``units`` / ``ranking`` (filtered frames) follow every change.
    areas
        Areas (structure acronyms) whose passing units the ranking counts; default VISp.
    debounce_s
        Quality changes update the units and the ranking this long after the last one (and
        always before the next cell runs).

    Attributes
    ----------
    picker, quality, ranking, tables
        The ``SessionPicker``, ``QualityFilter``, ranking ``TableExplorer`` and the linked
        ``TableExplorer`` per table (``"probes"``, ``"channels"``, ``"units"``).
    error
        The last error of a link or the export bar ("" when none), shown under the summary.
    """

    error = t.Unicode("", read_only=True)

    def __init__(
        self,
        cache: object,
        export_prefix: str | None = None,
        *,
        areas: Sequence[str] = ("VISp",),
        debounce_s: float = 0.2,
    ) -> None:
        if export_prefix is not None:
            for tab in TABS:
                check_variable_name(f"{export_prefix}{tab.variable}")
        self._prefix, self._cache, self._wanted_areas = export_prefix, cache, list(areas)
        self.debounce_s = float(debounce_s)
        self._linking = False
        self._candidates: tuple[int, ...] | None = None
        self._tables: dict[str, TableExplorer] = {}
        self._quality = self._ranking = self._quality_update = self.ranking_page = None
        self._target = ExportTarget()
        self.picker = SessionPicker(cache, export_to=None)
        self._pages = {tab.key: ipw.Box([self._loading(tab)]) for tab in TABS}
        self._show("sessions")
        self.tabs = ipw.Tab(list(self._pages.values()), titles=[tab.title for tab in TABS])
        self._summary = ipw.HTML("").add_class("vbn-vx-summary")
        self.export_bar = ExportBar(
            EXPORTABLE[::-1],
            lambda name, what, selected: len(self.export(name, what, selected=selected)),
            lambda what, selected: self.code(what, selected=selected),
            owner=self,
            target=self._target,
        )
        super().__init__([self._summary, error_line(self), self.tabs, self.export_bar])
        self.add_class("vbn-explorer")
        self._summary.value = "loading probes, channels and units…"
        steps = [self._load, self._build_quality, *map(self._step_for, LINKED)]
        self._steps = Stepwise([*steps, self._build_ranking, self._link], self._step_failed)
        self._steps.start()

    def __repr__(self) -> str:
        if self._steps.pending:
            return f"VBNExplorer({len(self.picker.chosen_ids)} sessions chosen; loading)"
        counts = ", ".join(f"{w} {x.filtered_count:,}" for w, x in self._tables.items())
        return f"VBNExplorer({len(self.chosen_ids)} sessions chosen; {counts})"

    @staticmethod
    def _loading(tab: Tab) -> ipw.HTML:
        return ipw.HTML(f"<i>loading {html.escape(tab.title.lower())}…</i>")

    def _var(self, tab_key: str) -> str | None:
        tab = next(t for t in TABS if t.key == tab_key)
        return None if self._prefix is None else f"{self._prefix}{tab.variable}"

    # ---- building, a step at a time ----------------------------------------------------------
    def _ready(self) -> None:
        """Finish building now (every public method and the next cell start with this)."""
        self._steps.finish()

    def _step_failed(self, exc: Exception) -> None:
        log.debug("VBNExplorer: a building step failed", exc_info=exc)
        show_error(self, exc)

    def _show(self, key: str) -> None:
        """Put a built part in its tab (what it shows comes from the registry)."""
        tab = next(t for t in TABS if t.key == key)
        self._pages[key].children = (tab.widget(self),)

    def _load(self) -> None:
        self._frames = {tab.key: getattr(self._cache, tab.getter)() for tab in LINKED}
        self._keys = {w: KeyColumn(f, SESSION_KEY, w) for w, f in self._frames.items()}
        self._unit_areas = KeyColumn(self._frames["units"], AREA_COLUMN, "units")

    def _build_quality(self) -> None:
        from .quality_filter import QualityFilter

        quality = QualityFilter(
            self._frames["units"], export_to=self._var("quality"), debounce_s=self.debounce_s
        )
        self._quality = quality
        self._quality_update = Debounced(self._guard(self._quality_changed), self.debounce_s)
        quality.observe(lambda _c: self._quality_update.call(), names=["revision"])
        self._show("quality")

    def _step_for(self, tab: Tab) -> Callable[[], None]:
        def build() -> None:
            explorer = TableExplorer(
                self._frames[tab.key], title=tab.key, export_to=self._var(tab.key)
            )
            self._tables[tab.key] = explorer
            self._restrict(tab)
            self._show(tab.key)

        build.__name__ = f"build_{tab.key}"
        return build

    def _build_ranking(self) -> None:
        known = sorted(str(a) for a in self._unit_areas.uniques)
        self._areas = ipw.TagsInput(
            value=[a for a in self._wanted_areas if a in known],
            allowed_tags=known,
            allow_duplicates=False,
        ).add_class("vbn-vx-areas")
        self._candidates = tuple(int(i) for i in self.picker.explorer.filtered_index)
        self._ranking = TableExplorer(
            self._ranking_frame(), title=self._ranking_title(), export_to=self._var("ranking")
        )
        self._ranking.sort_by(("passing_in_areas", False))
        self._select_in_ranking()
        rank_by = ipw.HBox([ipw.Label("rank sessions by passing units in"), self._areas])
        self.ranking_page = ipw.VBox([rank_by, self._ranking]).add_class("vbn-vx-ranking")
        self._show("ranking")

    def _link(self) -> None:
        self.picker.observe(self._guard(self._sessions_changed), names=["chosen_ids"])
        self.picker.explorer.observe(self._guard(self._picker_changed), names=["revision"])
        self._ranking.observe(self._guard(self._ranking_selected), names=["selected"])
        self._areas.observe(self._guard(lambda _c: self._update_ranking()), names=["value"])
        self._sessions_changed()

    def _guard(self, fn: Callable) -> Callable:
        """Observers: one link at a time (no echo loops); errors shown, not swallowed."""

        def run(*args: object) -> None:
            if self._linking:
                return
            self._linking = True
            try:
                fn(*args)
            except Exception as exc:
                log.debug("VBNExplorer update failed", exc_info=True)
                show_error(self, exc)
            finally:
                self._linking = False

        return run

    # ---- the links ---------------------------------------------------------------------------
    @property
    def chosen_ids(self) -> list[int]:
        """The sessions the tables are restricted to (see ``SessionPicker.chosen_ids``)."""
        return list(self.picker.chosen_ids)

    @property
    def tables(self) -> dict[str, TableExplorer]:
        self._ready()
        return dict(self._tables)

    @property
    def quality(self):
        self._ready()
        return self._quality

    @property
    def ranking(self) -> TableExplorer:
        self._ready()
        return self._ranking

    @property
    def areas(self) -> tuple[str, ...]:
        """The areas the ranking counts passing units in."""
        self._ready()
        return tuple(self._areas.value)

    @areas.setter
    def areas(self, areas: Sequence[str]) -> None:
        self._ready()
        unknown = [a for a in areas if a not in self._areas.allowed_tags]
        if isinstance(areas, str) or unknown:
            raise LinkError(f"not structure acronyms of the units table: {unknown or areas!r}")
        self._areas.value = list(areas)

    def _restrict(self, tab: Tab) -> None:
        quality = self._quality.model if tab.by_quality else None
        mask, code = session_restriction(self._keys[tab.key], self.chosen_ids, quality)
        self._tables[tab.key].restrict(mask, code)

    def _sessions_changed(self, _change: object = None) -> None:
        for tab in LINKED:
            self._restrict(tab)
        self._picker_changed()
        self._update_summary()
        if self._prefix is not None:
            write_variable(self._var("sessions"), self.chosen_ids)

    def _picker_changed(self, _change: object = None) -> None:
        candidates = tuple(int(i) for i in self.picker.explorer.filtered_index)
        if candidates != self._candidates:
            self._candidates = candidates
            self._update_ranking()
        else:
            self._select_in_ranking()

    def _quality_changed(self) -> None:
        for tab in LINKED:
            if tab.by_quality:
                self._restrict(tab)
        self._update_ranking()
        self._update_summary()

    @shown
    def flush(self) -> None:
        """Apply a pending quality change to the units and the ranking now."""
        self._ready()
        self._quality_update.flush()

    def _update_summary(self) -> None:
        counts = " · ".join(f"{x.filtered_count:,} {w}" for w, x in self._tables.items())
        text = f"{len(self.chosen_ids):,} sessions chosen · {counts} passing quality"
        self._summary.value = html.escape(text)

    # ---- the ranking -------------------------------------------------------------------------
    @property
    def ranking_frame(self) -> pd.DataFrame:
        """Per candidate session (the picker's filtered sessions): unit counts, unfiltered."""
        self._ready()
        return self._ranking_frame()

    def _ranking_frame(self) -> pd.DataFrame:
        in_areas = self._unit_areas.mask(self._areas.value)
        passing = self._quality.model.passing_mask
        return ranking_frame(self.picker.filtered, self._keys["units"], passing, in_areas)

    def _ranking_title(self) -> str:
        areas = ", ".join(self._areas.value)
        return f"sessions ranked by passing units in {areas}" if areas else "choose areas"

    def _update_ranking(self) -> None:
        """New numbers in the same ranking table: its filters, sort and selection stay."""
        self._ranking.replace_data(self._ranking_frame())
        self._ranking.title = self._ranking_title()
        self._select_in_ranking()

    def _select_in_ranking(self) -> None:
        index = self._ranking.frame.index
        self._ranking.select(index[index.isin(self.picker.selected_ids)])

    def _ranking_selected(self, _change: object) -> None:
        self.picker.select(self._ranking.selected)
        self._sessions_changed()  # the picker's own observer is muted while we link

    # ---- export ------------------------------------------------------------------------------
    def _tab(self, what: str) -> Tab:
        tab = next((t for t in TABS if t.key == what and t.frame is not None), None)
        if tab is None:
            raise ValueError(f"what must be one of {list(EXPORTABLE)}, got {what!r}")
        return tab

    @shown
    def frame(self, what: str = "units", *, selected: bool = False) -> pd.DataFrame:
        """The filtered table ``what`` (sessions: the chosen ones), or its selected rows."""
        tab = self._tab(what)
        self.flush()
        return tab.frame(self, selected)

    @shown
    def export(self, name: str, what: str = "units", *, selected: bool = False) -> pd.DataFrame:
        """Write :meth:`frame` (``what``, ``selected``) to the notebook variable ``name``."""
        check_variable_name(name)
        frame = self.frame(what, selected=selected)
        self._target.write(name, frame)
        return frame

    @shown
    def code(self, what: str = "units", *, selected: bool = False) -> str:
        """pandas code that, run with a ``cache`` variable, leaves :meth:`frame` in ``what``."""
        tab = self._tab(what)
        self.flush()
        return tab.code(self, selected)

    def close(self) -> None:
        """Close every part (also runs from ``__del__`` after a failed ``__init__``)."""
        if getattr(self, "_steps", None) is not None:
            self._steps.close()
        if getattr(self, "_quality_update", None) is not None:
            self._quality_update.close()
        parts = [getattr(self, name, None) for name in ("picker", "_quality", "_ranking")]
        for widget in [*parts, *getattr(self, "_tables", {}).values()]:
            if widget is not None:
                widget.close()
        super().close()
