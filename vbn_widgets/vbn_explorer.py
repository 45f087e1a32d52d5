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
from ._explorer_ranking import RankingTab
from ._explorer_responses import ResponsesTab
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
    The Responses tab shows a ``SpikeExplorer`` of one chosen session over its units that pass
    quality in the chosen areas; it opens the session only when first shown.

    ``SpikeExplorer(session, units=explorer)`` shows :attr:`passing` of that session and
    follows the explorer through :attr:`revision`.

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
        ``units`` / ``ranking`` (filtered frames) follow every change; once the Responses tab
        is shown, ``<prefix>responses`` holds the units selected in it.
    areas
        Areas (structure acronyms) whose passing units the ranking counts and the Responses
        tab shows; default VISp.
    debounce_s
        Quality changes update the units and the ranking this long after the last one (and
        always before the next cell runs).

    Attributes
    ----------
    picker, quality, ranking, tables
        The ``SessionPicker``, ``QualityFilter``, ranking ``TableExplorer`` and the linked
        ``TableExplorer`` per table (``"probes"``, ``"channels"``, ``"units"``).
    responses
        The Responses tab (``vbn_widgets._explorer_responses.ResponsesTab``; its
        ``spike_explorer``), made on first use.
    areas
        Trait: the chosen areas (a tuple of structure acronyms, see :attr:`area_choices`).
    passing, selected
        Unit ids: passing quality in the chosen sessions; selected in the Units tab.
    revision
        Trait: bumped whenever :attr:`passing` or :attr:`selected` may have changed.
    error
        The last error of a link or the export bar ("" when none), shown under the summary.
    """

    error = t.Unicode("", read_only=True)
    areas = t.Tuple(help="areas (structure acronyms) the ranking and the Responses tab use")
    revision = t.Int(0, read_only=True, help="bumped when passing or selected may change")

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
        self._prefix, self._cache = export_prefix, cache
        self.debounce_s = float(debounce_s)
        self._linking = False
        self._tables: dict[str, TableExplorer] = {}
        self._quality = self._quality_update = self.ranking_page = None
        self._responses: ResponsesTab | None = None
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
        # checked against the units table once it is loaded
        self.areas = (areas,) if isinstance(areas, str) else tuple(areas)
        self.tabs.observe(self._tab_selected, names=["selected_index"])
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

    def _tab_selected(self, change: dict) -> None:
        """A lazy tab is made when first shown (and catches up when shown again)."""
        if change["new"] is not None and TABS[change["new"]].lazy:
            try:
                self._ready()
                self._show(TABS[change["new"]].key)
            except Exception as exc:
                show_error(self, exc)

    def _load(self) -> None:
        self._frames = {tab.key: getattr(self._cache, tab.getter)() for tab in LINKED}
        self._keys = {w: KeyColumn(f, SESSION_KEY, w) for w, f in self._frames.items()}
        self._unit_areas = KeyColumn(self._frames["units"], AREA_COLUMN, "units")
        self._known_areas = tuple(sorted(str(a) for a in self._unit_areas.uniques))
        self.areas = tuple(a for a in self.areas if a in self._known_areas)

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
        self.ranking_page = RankingTab(self, self._ranking_frame, export_to=self._var("ranking"))
        self._show("ranking")

    def _link(self) -> None:
        self.picker.observe(self._guard(self._sessions_changed), names=["chosen_ids"])
        self.picker.explorer.observe(self._guard(self._picker_changed), names=["revision"])
        self.ranking_page.table.observe(self._guard(self._ranking_selected), names=["selected"])
        self.observe(self._guard(lambda _c: self.ranking_page.update()), names=["areas"])
        self._tables["units"].observe(self._guard(self._bump), names=["selected"])
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
        return self.ranking_page.table

    @property
    def responses(self) -> ResponsesTab:
        """The Responses tab: made (opening its session) on first use, up to date on each."""
        self._ready()
        if self._responses is None:
            self._responses = ResponsesTab(
                self, export_to=self._var("responses"), debounce_s=self.debounce_s
            )
            self._show("responses")
        elif self._responses.stale:
            self._responses.refresh()
        else:
            self._responses.flush()
        return self._responses

    @property
    def cache(self) -> object:
        """The cache the explorer reads (a ``VBNCache`` or AllenSDK's)."""
        return self._cache

    @t.validate("areas")
    def _check_areas(self, proposal: dict) -> tuple[str, ...]:
        areas = tuple(proposal["value"])
        if getattr(self, "_steps", None) is not None and not hasattr(self, "_known_areas"):
            self._ready()  # the known areas come with the units table
        known = set(getattr(self, "_known_areas", ()))
        bad = [a for a in areas if not isinstance(a, str) or (known and a not in known)]
        if bad:
            raise LinkError(f"not structure acronyms of the units table: {bad[:10]!r}")
        return areas

    @property
    def area_choices(self) -> tuple[str, ...]:
        """The areas :attr:`areas` may hold: the units table's structure acronyms."""
        self._ready()
        return self._known_areas

    @property
    def passing(self) -> pd.Index:
        """Unit ids passing the quality thresholds in the chosen sessions (table order)."""
        self._ready()
        mask = self._keys["units"].mask(self.chosen_ids) & self._quality.model.passing_mask
        return self._frames["units"].index[mask]

    @property
    def selected(self) -> pd.Index:
        """Unit ids selected in the Units tab."""
        return self.tables["units"].selected

    def passing_in(self, session_id: int, areas: Sequence[str] | None = None) -> pd.Index:
        """Unit ids of one session passing quality in ``areas`` (default :attr:`areas`)."""
        self._ready()
        areas = self.areas if areas is None else areas
        mask = self._keys["units"].mask([int(session_id)]) & self._unit_areas.mask(areas)
        return self._frames["units"].index[mask & self._quality.model.passing_mask]

    def _bump(self, _change: object = None) -> None:
        self.set_trait("revision", self.revision + 1)

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
        self._bump()

    def _picker_changed(self, _change: object = None) -> None:
        self.ranking_page.candidates_changed()

    def _quality_changed(self) -> None:
        for tab in LINKED:
            if tab.by_quality:
                self._restrict(tab)
        self.ranking_page.update()
        self._update_summary()
        self._bump()

    @shown
    def flush(self) -> None:
        """Apply a pending quality change to the units, the ranking and the Responses tab."""
        self._ready()
        self._quality_update.flush()
        if self._responses is not None:
            self._responses.flush()

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
        in_areas = self._unit_areas.mask(self.areas)
        passing = self._quality.model.passing_mask
        return ranking_frame(self.picker.filtered, self._keys["units"], passing, in_areas)

    def _ranking_selected(self, _change: object) -> None:
        self.picker.select(self.ranking_page.table.selected)
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
        names = ("_responses", "picker", "_quality", "ranking_page")
        parts = [getattr(self, name, None) for name in names]
        for widget in [*parts, *getattr(self, "_tables", {}).values()]:
            if widget is not None:
                widget.close()
        super().close()
