"""``SpikeExplorer``: every chosen unit's response around VBN's task events, in one view."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

import numpy as np
import pandas as pd
import traitlets as t

from .._base import Shaped, StrictWidget
from .._debounce import Debounced
from .._errors import show_error, shown
from .._messages import Handler, dispatch
from .._static import STATIC
from .._variables import ExportTarget, check_variable_name
from ..spikes import ResponseModel, SpikeError, View, available, custom_events, named_events
from ..spikes import exports as ex
from ..spikes.colormaps import COLORMAPS
from ..spikes.events import NAMED, Events
from ..spikes.selections import session_id_of
from ..spikes.trains import TrainStore
from ..spikes.units import choose, session_units, source_ids
from . import requests as req
from . import shapes as sh
from .payloads import area_payload, detail_payload, heatmap_payload, rows_payload, wire_tree
from .shapes import AreaInfo, EventChoice, EventInfo, Heatmap, RowsInfo, UnitDetail

#: Bins the heatmap may have (each bin is a byte per unit on the wire).
MAX_DISPLAY_BINS = 500
_VIEW_TRAITS = ("event", "grouping", "condition", "sort", "scale", "bin_size")
_PAIRS = {"window": "window", "baseline_window": "baseline", "response_window": "response"}


class SpikeExplorer(StrictWidget):
    """Responses of a session's units around VBN's events: population heatmap, area means,
    and one unit's raster and PSTH.

    Parameters
    ----------
    session
        A ``BehaviorEcephysSession`` (``cache.get_ecephys_session(id)``; AllenSDK's works too).
    units
        Unit ids, a ``pandas.Index``, or anything with ``.passing`` / ``.selected`` (a
        ``QualityFilter``, a ``TableExplorer``, a ``VBNExplorer``); None: every unit. A source
        with a public ``revision`` trait is followed as it changes.
    export_to
        Name of a notebook variable that always holds the selected units' table.

    Synced state (mirrored by ``@typedef Model`` in ``js/src/spike_explorer/spike_explorer.js``);
    the front end writes none of it and asks for changes by message:

    ===================  ===============  ======================================================
    trait                wire type        meaning
    ===================  ===============  ======================================================
    ``event``            str              named event shown (``"custom"`` for use_events)
    ``window``           [num, num]       seconds around each event
    ``bin_size``         num              seconds per bin
    ``grouping``         str              how events are grouped ("none" or a condition)
    ``condition``        str | null       group the population view shows (null: all)
    ``sort``             str              "area" (then depth), "response" or "latency"
    ``scale``            str              "rate" (Hz) or "zscore" (against the baseline)
    ``baseline_window``  [num, num]       baseline window (s), for z-scores and responses
    ``response_window``  [num, num]       response window (s), set by the time brush
    ``colormap``         str              "viridis" or "cividis"
    ``event_choices``    EventChoice[]    named events with their counts in this session
    ``event_info``       EventInfo        label, description, note, groupings, groups, counts
    ``heatmap``          Heatmap|null     uint8 units x bins, display order, zlib-deflated
    ``heatmap_range``    [num, num]       values that 0 and 255 stand for
    ``rows``             RowsInfo         unit ids, area per row, area runs, selected rows
    ``area_psth``        AreaInfo         mean rate or z per area (float32 areas x bins)
    ``unit_detail``      UnitDetail|null  the chosen unit's raster and PSTH per group
    ``selected_unit``    int | null       unit id whose raster is shown
    ``selected_count``   int              units selected for export
    ``title``            str              caption
    ``revision``         int              bumped when rows change
    ``error``            str              the last error, "" when none
    ===================  ===============  ======================================================

    Messages (``kind``, ``id``; answered ``<kind>:ok`` or ``error``): ``set-view`` (changes),
    ``select-unit`` (row, revision), ``select-rows`` (op, from, to, revision), ``export``
    (what, name, replace).
    """

    _esm = STATIC / "spike_explorer.js"
    _css = STATIC / "spike_explorer.css"

    event = t.Unicode("changes").tag(sync=True)
    window = t.Tuple(t.Float(), t.Float(), default_value=(-0.5, 1.0)).tag(sync=True)
    bin_size = t.Float(0.01).tag(sync=True)
    grouping = t.Unicode("none").tag(sync=True)
    condition = t.Unicode(None, allow_none=True).tag(sync=True)
    sort = t.Unicode("area").tag(sync=True)
    scale = t.Unicode("rate").tag(sync=True)
    baseline_window = t.Tuple(t.Float(), t.Float(), default_value=(-0.5, 0.0)).tag(sync=True)
    response_window = t.Tuple(t.Float(), t.Float(), default_value=(0.03, 0.25)).tag(sync=True)
    colormap = t.Enum(tuple(COLORMAPS), "viridis").tag(sync=True)
    event_choices = t.List(Shaped(EventChoice), read_only=True).tag(sync=True, wire="EventChoice[]")
    event_info = Shaped(EventInfo, default_value=sh.EMPTY_EVENT_INFO, read_only=True).tag(sync=True)
    heatmap = Shaped(Heatmap, default_value=None, allow_none=True, read_only=True).tag(
        sync=True, wire="Heatmap | null"
    )
    heatmap_range = t.Tuple(t.Float(), t.Float(), default_value=(0.0, 1.0), read_only=True).tag(
        sync=True
    )
    # Payloads hold their arrays already in wire form ({view, dtype, shape}).
    rows = Shaped(RowsInfo, default_value=sh.EMPTY_ROWS, read_only=True).tag(sync=True)
    area_psth = Shaped(AreaInfo, default_value=sh.EMPTY_AREAS, read_only=True).tag(sync=True)
    unit_detail = Shaped(UnitDetail, default_value=None, allow_none=True, read_only=True).tag(
        sync=True, wire="UnitDetail | null"
    )
    selected_unit = t.Int(None, allow_none=True).tag(sync=True)
    selected_count = t.Int(0, read_only=True).tag(sync=True)
    title = t.Unicode("").tag(sync=True)
    revision = t.Int(0, read_only=True).tag(sync=True)

    selected = t.Instance(pd.Index, read_only=True)  # observable, not synced

    front_end_writable: ClassVar[frozenset[str]] = frozenset()

    def __init__(
        self,
        session: object,
        units: object = None,
        *,
        export_to: str | None = None,
        session_id: int | None = None,
        **kwargs: Any,
    ) -> None:
        self._export_to = None if export_to is None else check_variable_name(export_to)
        self.session = session
        self.session_id = session_id if session_id is not None else session_id_of(session)
        self._source = units
        self._store = TrainStore(session.spike_times)  # type: ignore[attr-defined]
        self._all_units = session_units(session)
        self._custom: Events | None = None
        self._counts = available(session)
        self._targets = ExportTarget()
        self._publishing = False
        self._selected = np.zeros(0, dtype=bool)
        view = {k: kwargs.pop(k) for k in list(kwargs) if k in _VIEW_TRAITS or k in _PAIRS}
        super().__init__(**kwargs)
        self.set_trait("selected", pd.Index([], dtype=np.int64, name="unit_id"))
        self.model = self._new_model(View(event=self._first_event()))
        self._follow = Debounced(self.refresh_units, 0.3)
        self._watch_source(units)
        if view:
            self.set_view(**view)
        else:
            self._publish()
        self.on_msg(self._on_msg)

    def __repr__(self) -> str:
        v = self.model.view
        return (
            f"SpikeExplorer({len(self.model.units):,} units x {len(self.model.events):,} "
            f"{v.event}, [{v.window[0]}, {v.window[1]}] s in {v.bin_size} s bins)"
        )

    # ---- building ---------------------------------------------------------------------------
    def _first_event(self) -> str:
        for key in ("changes", *NAMED):
            if self._counts.get(key, 0) > 0:
                return key
        raise SpikeError("the session has none of VBN's named events; use use_events(times)")

    def _events_for(self, key: str) -> Events:
        if key == "custom":
            if self._custom is None:
                raise SpikeError("no custom events: call use_events(...) first")
            return self._custom
        return named_events(self.session, key)

    def _new_model(self, view: View) -> ResponseModel:
        units = choose(self._all_units, source_ids(self._source))
        if units.empty:
            raise SpikeError("none of the chosen units belongs to this session")
        trains = self._store.get(units.index)
        return ResponseModel(units, trains, self._events_for, view)

    def _watch_source(self, units: object) -> None:
        if isinstance(units, t.HasTraits) and units.has_trait("revision"):
            units.observe(self._source_changed, names=["revision"])
            self._watching = units

    def _unwatch_source(self) -> None:
        source, self._watching = getattr(self, "_watching", None), None
        if source is not None:  # none after a failed __init__ or a second close
            source.unobserve(self._source_changed, names=["revision"])

    def _source_changed(self, _change: object) -> None:
        self._follow.call()

    @shown
    def set_units(self, units: object) -> None:
        """Show other units (same kinds as the ``units`` argument); follows the new source."""
        old = self._source
        self._unwatch_source()
        self._source = units
        try:
            self.model = self._new_model(self.model.view)
        except Exception:
            self._source = old
            self._watch_source(old)
            raise
        self._watch_source(units)
        self._publish()

    @shown
    def refresh_units(self) -> None:
        """Read the units source again (its ``passing`` or ``selected``) and redraw."""
        self.model = self._new_model(self.model.view)
        self._publish()

    # ---- state -> traits -----------------------------------------------------------------------
    def _publish(self, *, rows_changed: bool = True) -> None:
        m = self.model
        keep = self.selected[self.selected.isin(m.units.index)]
        self._selected = m.units.index[m.order].isin(keep)
        heat, (low, high) = m.heatmap()
        info = req.event_info(m)
        self._publishing = True
        try:
            with self.hold_sync(), self.hold_trait_notifications():  # one message, all at once
                for name, value in req.view_traits(m.view).items():
                    setattr(self, name, value)
                self.set_trait("event_choices", req.event_choices(self._counts, self._custom))
                self.set_trait("event_info", info)
                self.set_trait("heatmap", heatmap_payload(heat))
                self.set_trait("heatmap_range", (low, high))
                self.set_trait("rows", wire_tree(rows_payload(m, self._selected)))
                self.set_trait("area_psth", wire_tree(area_payload(m)))
                self.set_trait("selected", keep)
                self.set_trait("selected_count", len(keep))
                if self.selected_unit is not None and self.selected_unit not in m.units.index:
                    self.selected_unit = None
                self._show_unit()
                if rows_changed:
                    self.set_trait("revision", self.revision + 1)
        finally:
            self._publishing = False
        if self._export_to is not None:
            self._targets.write(self._export_to, self.selected_table())

    def _show_unit(self) -> None:
        unit = self.selected_unit
        detail = None if unit is None else wire_tree(detail_payload(self.model.unit_detail(unit)))
        self.set_trait("unit_detail", detail)

    @t.validate(*_VIEW_TRAITS, *_PAIRS)
    def _validate_view(self, proposal: dict) -> object:
        if self._publishing:
            return proposal["value"]
        name = proposal["trait"].name
        try:
            self.set_view(**{name: proposal["value"]})
        except (SpikeError, ValueError, TypeError) as err:
            raise t.TraitError(str(err)) from None
        return getattr(self, name)

    @t.validate("selected_unit")
    def _validate_unit(self, proposal: dict) -> object:
        unit = proposal["value"]
        if unit is not None and unit not in self.model.units.index:
            show_error(self, f"unit {unit} is not among the shown units")
            raise t.TraitError(f"unit {unit} is not among the shown units")
        return unit

    @t.observe("selected_unit")
    def _unit_changed(self, _change: dict) -> None:
        if not self._publishing:
            self._show_unit()

    # ---- Python API ---------------------------------------------------------------------------
    @shown
    def set_view(self, **changes: object) -> None:
        """Change the view, e.g. ``set_view(event="hit_changes", window=(-0.25, 0.5))``; names
        as the traits. Nothing changes when any value is bad."""
        fields = {_PAIRS.get(k, k): v for k, v in changes.items()}
        if "event" in fields and "grouping" not in fields:
            fields["grouping"] = "none"
        window = fields.get("window", self.model.view.window)
        width = fields.get("bin_size", self.model.view.bin_size)
        if (
            isinstance(window, (tuple, list))
            and len(window) == 2
            and isinstance(width, float | int)
        ):
            n = (float(window[1]) - float(window[0])) / float(width) if width else 0
            if n > MAX_DISPLAY_BINS:
                raise SpikeError(
                    f"{n:.0f} bins: the view shows at most {MAX_DISPLAY_BINS}; use larger bins "
                    "or a shorter window (counts() has no such limit)"
                )
        self.model.update(**fields)
        self._publish()

    @shown
    def use_events(
        self,
        events: object,
        *,
        column: str | None = None,
        label: str = "custom events",
        groupings: Mapping[str, object] | None = None,
    ) -> None:
        """Show responses around any events: an array of times, or rows of
        ``stimulus_presentations`` / ``trials`` (trials align to their change)."""
        if isinstance(events, Events):
            custom = events
        elif isinstance(events, pd.DataFrame):
            custom = custom_events(
                rows=events, column=column, session=self.session, label=label, groupings=groupings
            )
        else:
            custom = custom_events(events, label=label, groupings=groupings)
        old = self._custom
        self._custom = custom
        self.model._events_cache.pop("custom", None)
        try:
            self.set_view(event="custom")
        except Exception:
            self._custom = old
            raise

    @shown
    def select(self, unit_ids: object) -> None:
        """Select units for export (replacing the selection)."""
        wanted = pd.Index(np.asarray(list(unit_ids), dtype=np.int64))  # type: ignore[call-overload]
        missing = wanted.difference(self.model.units.index)
        if len(missing):
            raise KeyError(f"not among the shown units: {missing[:5].tolist()}")
        self.set_trait("selected", wanted)
        self._publish(rows_changed=False)

    def selected_table(self) -> pd.DataFrame:
        """The selected units with area, depth, baseline rate, response and latency."""
        table = self.model.table()
        return table[table.index.isin(self.selected)]

    @property
    def table(self) -> pd.DataFrame:
        """Every shown unit in display order (the ranking when sorted by response)."""
        return self.model.table()

    @shown
    def counts(self, unit_ids: object = None) -> ex.BinnedCounts:
        """Counts (units x events x bins) of the shown (or given) units, with their axes."""
        return ex.counts(self.model, unit_ids)

    @shown
    def code(self, unit_ids: object = None) -> str:
        """numpy/pandas code that, with a ``cache`` variable, makes :meth:`counts` again."""
        exported = ex.counts(self.model, unit_ids)
        return ex.counts_code(self.session_id, exported, self.model.events)

    @shown
    def export(self, name: str, what: str = "selected") -> object:
        """Write ``what`` ("selected" units, every shown "units", "counts" or "code") to the
        notebook variable ``name``; returns it."""
        check_variable_name(name)
        value = req.export_value(self, what)
        self._targets.write(name, value)
        return value

    def figure(self) -> object:
        """A plotly figure of the current view (heatmap, area means, chosen unit) for reports."""
        from ..spikes.figure import view_figure

        return view_figure(self.model, self.selected_unit, self.colormap)

    def close(self) -> None:
        follow = getattr(self, "_follow", None)
        if follow is not None:
            follow.close()
        self._unwatch_source()
        super().close()

    # ---- messages from the front end -------------------------------------------------------------
    def _on_msg(self, _widget: object, content: object, _buffers: object) -> None:
        dispatch(self, content, self._handlers())

    def _handlers(self) -> dict[str, Handler]:
        return {
            "set-view": lambda c: req.set_view(self, c),
            "select-unit": lambda c: req.select_unit(self, c),
            "select-rows": lambda c: req.select_rows(self, c),
            "export": lambda c: req.export(self, c, self._targets),
        }
