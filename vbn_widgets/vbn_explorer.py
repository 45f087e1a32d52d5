"""``VBNExplorer``: sessions, quality, probes, channels and units as one linked view."""

from __future__ import annotations

import asyncio
import contextlib
import html
import logging
from collections.abc import Callable, Sequence

import ipywidgets as ipw
import pandas as pd

from ._explorer_parts import ExportBar, linked_quality_filter
from ._variables import check_variable_name, write_variable
from .linking import (
    AREA_COLUMN,
    SESSION_KEY,
    KeyColumn,
    LinkError,
    finish_code,
    ids_literal,
    ranking_code,
    ranking_frame,
    restrict_code,
    table_code,
)
from .session_picker import SessionPicker
from .table_explorer import TableExplorer

log = logging.getLogger(__name__)

__all__ = ["VBNExplorer"]

TABLES = {"probes": "get_probe_table", "channels": "get_channel_table", "units": "get_unit_table"}
WHATS = ("sessions", "ranking", "probes", "channels", "units")
TITLES = ("Sessions", "Quality", "Ranking", "Probes", "Channels", "Units")


class VBNExplorer(ipw.VBox):
    """One linked view of the VBN sessions, probes, channels and units.

    Choosing sessions (selected in the picker, or every session its filters keep) restricts the
    probes, channels and units tables through ``ecephys_session_id``; the quality thresholds
    restrict the units further, and the ranking counts each candidate session's (the picker's
    filtered sessions) units that pass, overall and in the chosen areas. Selecting sessions in
    the ranking selects them in the picker. Restrictions are row masks: no table is copied.

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
        Quality changes update the units and the ranking this long after the last one.
    """

    def __init__(
        self,
        cache: object,
        export_prefix: str | None = None,
        *,
        areas: Sequence[str] = ("VISp",),
        debounce_s: float = 0.2,
    ) -> None:
        if export_prefix is not None:
            check_variable_name(f"{export_prefix}units")
        self._prefix = export_prefix
        self.debounce_s = float(debounce_s)
        self._timer: asyncio.TimerHandle | None = None
        self._linking = False
        self._candidates: tuple[int, ...] | None = None
        self.ranking: TableExplorer | None = None
        self.picker = SessionPicker(cache, export_to=None)
        frames = {what: getattr(cache, getter)() for what, getter in TABLES.items()}
        self._keys = {w: KeyColumn(f, SESSION_KEY, w) for w, f in frames.items()}
        self._unit_areas = KeyColumn(frames["units"], AREA_COLUMN, "units")
        self.tables = {
            w: TableExplorer(f, title=w, export_to=self._var(w)) for w, f in frames.items()
        }
        self.quality = linked_quality_filter(frames["units"], self._var("good_units"), self._later)
        known = sorted(str(a) for a in self._unit_areas.uniques)
        self._areas = ipw.TagsInput(
            value=[a for a in areas if a in known], allowed_tags=known, allow_duplicates=False
        ).add_class("vbn-vx-areas")
        self._ranking_box = ipw.VBox([]).add_class("vbn-vx-ranking")
        self._summary = ipw.HTML("").add_class("vbn-vx-summary")
        self.export_bar = ExportBar(
            WHATS[::-1],
            lambda name, what, selected: len(self.export(name, what, selected=selected)),
            lambda what, selected: self.code(what, selected=selected),
        )
        rank_by = ipw.HBox([ipw.Label("rank sessions by passing units in"), self._areas])
        ranking = ipw.VBox([rank_by, self._ranking_box])
        pages = [self.picker, self.quality, ranking, *self.tables.values()]
        self.tabs = ipw.Tab(pages, titles=TITLES)
        super().__init__([self._summary, self.tabs, self.export_bar])
        self.add_class("vbn-explorer")
        self._sessions_changed()
        self.picker.observe(self._guard(self._sessions_changed), names=["chosen_ids"])
        self.picker.explorer.observe(self._guard(self._picker_changed), names=["revision"])
        self._areas.observe(self._guard(lambda _c: self._rebuild_ranking()), names=["value"])
        from .quality_filter import _shell_events  # imported by now: no extra cost

        self._events = _shell_events()
        if self._events is not None:  # the next cell never sees a stale table
            self._events.register("pre_run_cell", self._flush_pending)

    def __repr__(self) -> str:
        counts = ", ".join(f"{w} {t.filtered_count:,}" for w, t in self.tables.items())
        return f"VBNExplorer({len(self.chosen_ids)} sessions chosen; {counts})"

    def _var(self, what: str) -> str | None:
        return None if self._prefix is None else f"{self._prefix}{what}"

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
                self.export_bar.show(f"{type(exc).__name__}: {exc}", error=True)
            finally:
                self._linking = False

        return run

    # ---- the links ---------------------------------------------------------------------------
    @property
    def chosen_ids(self) -> list[int]:
        """The sessions the tables are restricted to (see ``SessionPicker.chosen_ids``)."""
        return list(self.picker.chosen_ids)

    @property
    def areas(self) -> tuple[str, ...]:
        """The areas the ranking counts passing units in."""
        return tuple(self._areas.value)

    @areas.setter
    def areas(self, areas: Sequence[str]) -> None:
        unknown = [a for a in areas if a not in self._areas.allowed_tags]
        if isinstance(areas, str) or unknown:
            raise LinkError(f"not structure acronyms of the units table: {unknown or areas!r}")
        self._areas.value = list(areas)

    def _restrict_units(self) -> None:
        chosen, model = self.chosen_ids, self.quality.model
        code = [restrict_code("df", ids_literal(chosen))]
        if model.query_code("df") != "df":
            code.append(f"df = {model.query_code('df')}")
        mask = self._keys["units"].mask(chosen) & model.passing_mask
        self.tables["units"].restrict(mask, "\n".join(code))

    def _sessions_changed(self, _change: object = None) -> None:
        chosen = self.chosen_ids
        for what in ("probes", "channels"):
            code = restrict_code("df", ids_literal(chosen))
            self.tables[what].restrict(self._keys[what].mask(chosen), code)
        self._restrict_units()
        self._picker_changed()
        self._update_summary()
        if self._prefix is not None:
            write_variable(f"{self._prefix}sessions", chosen)

    def _picker_changed(self, _change: object = None) -> None:
        candidates = tuple(int(i) for i in self.picker.explorer.filtered_index)
        if candidates != self._candidates:
            self._candidates = candidates
            self._rebuild_ranking()
        else:
            self._select_in_ranking()

    def _later(self) -> None:
        """The quality changed: update units and ranking after ``debounce_s`` (or now)."""
        if self.ranking is None:
            return  # still building
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self.debounce_s <= 0 or loop is None:
            self._guard(self.flush)()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.debounce_s, self._guard(self.flush))

    def _flush_pending(self, _info: object = None) -> None:
        if self._timer is not None:
            self.flush()

    def flush(self) -> None:
        """Apply a pending quality change to the units and the ranking now."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self._restrict_units()
        self._rebuild_ranking()
        self._update_summary()

    def _update_summary(self) -> None:
        counts = " · ".join(f"{t.filtered_count:,} {w}" for w, t in self.tables.items())
        text = f"{len(self.chosen_ids):,} sessions chosen · {counts} passing quality"
        self._summary.value = html.escape(text)

    # ---- the ranking ---------------------------------------------------------------------------
    @property
    def ranking_frame(self) -> pd.DataFrame:
        """Per candidate session (the picker's filtered sessions): unit counts, unfiltered."""
        in_areas = self._unit_areas.mask(self.areas)
        passing = self.quality.model.passing_mask
        return ranking_frame(self.picker.filtered, self._keys["units"], passing, in_areas)

    def _rebuild_ranking(self) -> None:
        """A fresh ranking table (its numbers changed) with the old one's filters and sort."""
        areas = ", ".join(self.areas)
        title = f"sessions ranked by passing units in {areas}" if areas else "choose areas"
        new = TableExplorer(self.ranking_frame, title=title, export_to=self._var("ranking"))
        old = self.ranking
        if old is None:
            new.sort_by(("passing_in_areas", False))
        else:
            new.filters = old.filters
            new.sort_by(*old.sort_keys)
        self.ranking = new
        self._select_in_ranking()
        new.observe(self._guard(self._ranking_selected), names=["selected"])
        self._ranking_box.children = (new,)
        if old is not None:
            old.close()

    def _select_in_ranking(self) -> None:
        if self.ranking is not None:
            index = self.ranking.frame.index
            self.ranking.select(index[index.isin(self.picker.selected_ids)])

    def _ranking_selected(self, _change: object) -> None:
        assert self.ranking is not None
        self.picker.select(self.ranking.selected)
        self._sessions_changed()  # the picker's own observer is muted while we link

    # ---- export ----------------------------------------------------------------------------------
    def frame(self, what: str = "units", *, selected: bool = False) -> pd.DataFrame:
        """The filtered table ``what`` (sessions: the chosen ones), or its selected rows."""
        if what not in WHATS:
            raise ValueError(f"what must be one of {list(WHATS)}, got {what!r}")
        self._flush_pending()
        if what == "sessions":
            table = self.picker.table
            return (
                table[table.index.isin(self.picker.selected_ids)]
                if selected
                else self.picker.chosen
            )
        explorer = self.ranking if what == "ranking" else self.tables[what]
        assert explorer is not None
        if selected:
            full = explorer.frame
            return full[full.index.isin(explorer.selected)]
        return explorer.filtered

    def export(self, name: str, what: str = "units", *, selected: bool = False) -> pd.DataFrame:
        """Write :meth:`frame` (``what``, ``selected``) to the notebook variable ``name``."""
        frame = self.frame(what, selected=selected)
        write_variable(check_variable_name(name), frame)
        return frame

    def code(self, what: str = "units", *, selected: bool = False) -> str:
        """pandas code that, run with a ``cache`` variable, leaves :meth:`frame` in ``what``."""
        if what not in WHATS:
            raise ValueError(f"what must be one of {list(WHATS)}, got {what!r}")
        self._flush_pending()
        picker, quality = self.picker, self.quality.model.query_code("units")
        if what == "sessions":
            return picker.code(rows="selected" if selected else "chosen")
        explorer = self.ranking if what == "ranking" else self.tables[what]
        assert explorer is not None
        keep = [int(i) for i in explorer.selected] if selected else None
        filter_expr = explorer.to_code(what, restriction=False)
        if what == "ranking":
            lines = [picker.code(rows="filtered"), "units = cache.get_unit_table()"]
            lines += ranking_code(picker.filtered, quality, self.areas)
            return finish_code("ranking", lines, selected=keep, filter_expr=filter_expr)
        return table_code(
            what,
            TABLES[what],
            sessions_code=picker.code(),
            quality_expr=quality if what == "units" else None,
            filter_expr=filter_expr,
            selected=keep,
        )

    def close(self) -> None:
        """Close every part (also runs from ``__del__`` after a failed ``__init__``)."""
        if getattr(self, "_timer", None) is not None:
            self._timer.cancel()
        if getattr(self, "_events", None) is not None:
            with contextlib.suppress(ValueError):
                self._events.unregister("pre_run_cell", self._flush_pending)
        tables = getattr(self, "tables", {})
        for name in ("picker", "quality", "ranking"):
            widget = getattr(self, name, None)
            if widget is not None:
                widget.close()
        for widget in tables.values():
            widget.close()
        super().close()
