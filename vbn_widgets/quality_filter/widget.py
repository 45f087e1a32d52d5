"""``QualityFilter``: choose unit-quality thresholds with live counts, densities and write-back."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

import pandas as pd
import traitlets as t

from .._base import Shaped, StrictWidget
from .._debounce import Debounced
from .._errors import showing_errors, shown
from .._static import STATIC
from .._variables import ExportTarget, check_variable_name
from ..quality import DEFAULT_METRICS, PRESETS, QualityError, QualityModel, QualitySettings
from ..quality.binned import BinIndex
from ..quality.grid import metric_axis
from ..quality.regions import GROUP_ORDER
from . import state
from .protocol import Binned, Choices, MetricInfo, SettingsJSON, Summary

_KEEP = object()


class QualityFilter(StrictWidget):
    """Unit-quality thresholds for a VBN units table, with live counts and write-back.

    Interface (what other widgets and notebooks rely on):

    - ``QualityFilter(units_or_cache, export_to="good_units", *, metrics=DEFAULT_METRICS,
      settings=None, debounce_s=0.25)``
    - read-only synced traits ``passing_count``, ``total_count`` and ``revision`` (bumped
      whenever the passing set may have changed): observe them from Python;
    - :attr:`passing` (``pd.Index``), :attr:`model` (``vbn_widgets.quality.QualityModel``),
      :attr:`settings` (settable), :meth:`apply_preset`, :meth:`load_settings`,
      :attr:`settings_json`, :attr:`query_code`, :meth:`to_allensdk_kwargs`, :meth:`flush`,
      :meth:`close`, and :meth:`figure` (a plotly ``go.Figure`` of the densities and thresholds).

    Missing values: a unit whose metric is NaN fails an active criterion by default; a row's
    "NaN passes" rule keeps such units for that criterion. (AllenSDK's ``get_units`` always drops
    them; this widget states its rule instead of inheriting that.)

    Parameters
    ----------
    units_or_cache
        A units DataFrame indexed by unit_id, or a cache with ``get_unit_table()``.
    export_to
        Name of a notebook variable that always holds the passing unit_ids (a ``pandas.Index``
        equal to :attr:`passing`), or None.
    metrics
        Numeric columns offered as criteria, one row and one density plot each.
    settings
        Initial ``QualitySettings``; default: the "Allen tutorial" preset.
    debounce_s
        Changes made in the browser reach ``export_to`` this long after the last one, and always
        before the next cell runs; changes made from Python are written at once.

    Synced state (mirrored by ``@typedef Model`` in ``js/src/quality_filter/quality_filter.js``;
    shapes in ``vbn_widgets.quality_filter.protocol``). Python writes all of it; the browser
    asks for changes by message (``protocol.KINDS``):

    =================  ============  ==========================================================
    trait              wire type     meaning
    =================  ============  ==========================================================
    ``metric_info``    MetricInfo[]  one per metric: name, one-line meaning, axis and its grid
    ``binned``         Binned        units per metric, region group and bin (Int32 buffers)
    ``spec``           Settings      the settings in force (``QualitySettings.to_json()``)
    ``summary``        Summary       kept per metric, attrition, per area, per session
    ``choices``        Choices       sessions and areas the restriction can select
    ``presets``        str[]         preset names
    ``export_to``      str | null    the variable holding the passing unit_ids
    ``passing_count``  int           units passing every active criterion (in the restriction)
    ``total_count``    int           units in the restriction
    ``revision``       int           bumped whenever the passing set may have changed
    ``error``          str           the last error, "" when none
    =================  ============  ==========================================================
    """

    _esm = STATIC / "quality_filter.js"
    _css = STATIC / "quality_filter.css"

    metric_info = t.List(Shaped(MetricInfo), read_only=True).tag(sync=True, wire="MetricInfo[]")
    binned = Shaped(Binned, default_value=state.EMPTY_BINNED, read_only=True).tag(
        sync=True, to_json=state.binned_to_json
    )
    spec = Shaped(SettingsJSON, default_value=state.EMPTY_SPEC, read_only=True).tag(sync=True)
    summary = Shaped(Summary, default_value=state.EMPTY_SUMMARY, read_only=True).tag(sync=True)
    choices = Shaped(Choices, default_value=state.EMPTY_CHOICES, read_only=True).tag(sync=True)
    presets = t.List(t.Unicode(), read_only=True).tag(sync=True)
    export_to = t.Unicode(None, allow_none=True, read_only=True).tag(sync=True)
    passing_count = t.Int(0, read_only=True).tag(sync=True)
    total_count = t.Int(0, read_only=True).tag(sync=True)
    revision = t.Int(0, read_only=True).tag(sync=True)

    def __init__(
        self,
        units_or_cache: object,
        export_to: str | None = "good_units",
        *,
        metrics: Sequence[str] = DEFAULT_METRICS,
        settings: QualitySettings | None = None,
        debounce_s: float = 0.25,
    ) -> None:
        units = units_or_cache
        if not isinstance(units, pd.DataFrame) and hasattr(units, "get_unit_table"):
            units = units.get_unit_table()
        name = None if export_to is None else check_variable_name(export_to)
        self.model = QualityModel(units, metrics)  # type: ignore[arg-type]
        self._axes = [metric_axis(m, self.model.values(m)) for m in self.model.metrics]
        self._bins = BinIndex(self.model, self._axes)
        self._target = ExportTarget()
        self._debounce_writes = False
        super().__init__()
        self.set_trait("metric_info", state.metric_info(self.model, self._axes))
        self.set_trait("choices", state.choices(self.model))
        self.set_trait("presets", list(PRESETS))
        self.set_trait("export_to", name)
        self._apply(PRESETS["Allen tutorial"] if settings is None else settings, restricted=True)
        self._export = Debounced(self._write_export, debounce_s)
        self._export.flush(force=True)
        from .messages import handle

        self.on_msg(handle)

    def __repr__(self) -> str:
        m = self.model
        return f"QualityFilter({m.n_passing:,} of {m.n_total:,} units pass, {m.settings.preset!r})"

    # ---- applying settings ------------------------------------------------------------------
    def _apply(self, settings: QualitySettings, *, restricted: bool = False) -> None:
        """Validate and apply ``settings``; publish; write the export (later when debounced)."""
        settings = state.complete_settings(self.model, self._axes, settings)
        old = self.model.settings
        self.model.settings = settings  # raises on a bad criterion: nothing changed
        restricted = restricted or (old.sessions, old.areas, old.good_label_only) != (
            settings.sessions,
            settings.areas,
            settings.good_label_only,
        )
        self._publish(restricted=restricted)
        export = getattr(self, "_export", None)
        if export is None:
            return
        if self._debounce_writes:
            export.call()
        else:
            export.flush(force=True)

    def _publish(self, *, restricted: bool) -> None:
        m = self.model
        with self.hold_trait_notifications():
            if restricted:
                counts, missing = self._bins.counts(m.restriction_mask())
                binned = {"groups": list(GROUP_ORDER), "bins": self._bins.bins}
                self.set_trait("binned", {**binned, "counts": counts, "missing": missing})
            self.set_trait("spec", m.settings.to_json())
            self.set_trait("summary", state.summary(m))
            self.set_trait("passing_count", m.n_passing)
            self.set_trait("total_count", m.n_total)
            self.set_trait("revision", self.revision + 1)

    @contextlib.contextmanager
    def _from_browser(self) -> Iterator[None]:
        """Changes made inside reach the export variable debounced (a drag writes once)."""
        self._debounce_writes = True
        try:
            yield
        finally:
            self._debounce_writes = False

    def _write_export(self) -> None:
        if self.export_to is not None:
            self._target.write(self.export_to, self.model.passing)

    # ---- Python API ---------------------------------------------------------------------------
    @property
    def metrics(self) -> tuple[str, ...]:
        return self.model.metrics

    @property
    def settings(self) -> QualitySettings:
        return self.model.settings

    @settings.setter
    def settings(self, settings: QualitySettings) -> None:
        with showing_errors(self):
            self._apply(settings)

    @shown
    def apply_preset(self, name: str) -> None:
        """Apply a preset's criteria, keeping the current sessions / areas / label restriction."""
        if name not in PRESETS:
            raise QualityError(f"unknown preset {name!r:.80}; choose from {list(PRESETS)}")
        s = self.model.settings
        self._apply(
            dataclasses.replace(
                PRESETS[name], sessions=s.sessions, areas=s.areas, good_label_only=s.good_label_only
            )
        )

    @shown
    def set_criterion(
        self,
        metric: str,
        *,
        threshold: Any = _KEEP,
        keep: Any = _KEEP,
        inclusive: Any = _KEEP,
        active: Any = _KEEP,
        missing: Any = _KEEP,
    ) -> None:
        """Change some fields of one metric's criterion (the preset becomes "custom")."""
        old = self.model.settings.criterion(metric) if isinstance(metric, str) else None
        if old is None:
            raise QualityError(f"unknown metric {metric!r:.80}: not one of {list(self.metrics)}")
        fields = {"threshold": threshold, "keep": keep, "inclusive": inclusive}
        fields |= {"active": active, "missing": missing}
        changes = {k: v for k, v in fields.items() if v is not _KEEP}
        new = type(old)(**(old.to_json() | changes))  # validates every field
        self._apply(self.model.settings.with_criterion(new))

    @shown
    def set_restriction(
        self,
        *,
        sessions: Iterable[int] | object | None = _KEEP,
        areas: Iterable[str] | object | None = _KEEP,
        good_label_only: bool | object = _KEEP,
    ) -> None:
        """Consider only some sessions / areas / ``quality == "good"`` units (None: all)."""
        s = self.model.settings
        fields = {"sessions": sessions, "areas": areas, "good_label_only": good_label_only}
        changes = {k: v for k, v in fields.items() if v is not _KEEP}
        for key in ("sessions", "areas"):
            if key in changes and changes[key] is not None and not isinstance(changes[key], str):
                changes[key] = tuple(changes[key]) or None  # type: ignore[arg-type]
        self._apply(dataclasses.replace(s, **changes, preset="custom"))

    @property
    def settings_json(self) -> str:
        return json.dumps(self.model.settings.to_json(), indent=1)

    @shown
    def load_settings(self, settings: str | dict) -> None:
        """Apply settings from a JSON string or dict (as :attr:`settings_json` writes them)."""
        try:
            obj = json.loads(settings) if isinstance(settings, str) else settings
        except json.JSONDecodeError as exc:
            raise QualityError(f"settings are not valid JSON: {exc}") from exc
        self._apply(QualitySettings.from_json(obj))

    @shown
    def export(self, name: str | None) -> None:
        """Keep the passing unit_ids in the notebook variable ``name`` from now on (None: stop)."""
        self.set_trait("export_to", None if name is None else check_variable_name(name))
        self._export.flush(force=True)

    def would_replace(self, name: str) -> bool:
        """True when ``name`` holds a value this widget did not write there."""
        return self._target.would_replace(check_variable_name(name))

    @property
    def passing(self) -> pd.Index:
        """unit_id of the passing units, in table order."""
        return self.model.passing

    @property
    def query_code(self) -> str:
        """A pandas expression over ``units`` selecting exactly the passing units."""
        return self.model.query_code("units")

    def to_allensdk_kwargs(self) -> tuple[dict | None, str]:
        """(kwargs for AllenSDK ``session.get_units``, explanation); None when not expressible."""
        return self.model.to_allensdk_kwargs()

    def flush(self) -> None:
        """Write the passing unit_ids to ``export_to`` now (a pending debounced write included)."""
        self._export.flush(force=True)

    def figure(self) -> Any:
        """A plotly ``go.Figure`` of the densities per region group and the thresholds."""
        from .report import build_figure

        counts, _ = self._bins.counts(self.model.restriction_mask())
        return build_figure(self.model, self._axes, counts)

    def close(self) -> None:
        export = getattr(self, "_export", None)  # also runs from __del__ after a failed __init__
        if export is not None:
            export.flush()
            export.close()
        super().close()
