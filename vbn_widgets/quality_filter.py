"""``QualityFilter``: choose unit-quality thresholds with live counts, densities and write-back."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import html
import json
import logging
from collections.abc import Callable, Sequence

import ipywidgets as ipw
import pandas as pd

from . import _quality_plot as qp
from ._variables import check_variable_name, write_variable
from .quality import DEFAULT_METRICS, PRESETS, Criterion, QualityError, QualityModel
from .quality import QualitySettings as Settings

log = logging.getLogger(__name__)

__all__ = ["QualityFilter"]

CUSTOM = "custom"


def _shell_events():
    """IPython's event manager when running in a kernel, else None."""
    try:
        from IPython import get_ipython
    except ImportError:  # pragma: no cover - IPython comes with ipywidgets
        return None
    shell = get_ipython()
    return getattr(shell, "events", None)


class QualityFilter(ipw.VBox):
    """Unit-quality thresholds for a VBN units table, with live feedback and write-back.

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
        Numeric columns offered as criteria, one row and one density subplot each.
    settings
        Initial ``QualitySettings``; default: the "Allen tutorial" preset.
    debounce_s
        Writes to ``export_to`` wait this long after the last control change (0: immediately).
    """

    def __init__(
        self,
        units_or_cache: object,
        export_to: str | None = "good_units",
        *,
        metrics: Sequence[str] = DEFAULT_METRICS,
        settings: Settings | None = None,
        debounce_s: float = 0.25,
    ) -> None:
        units = units_or_cache
        if not isinstance(units, pd.DataFrame) and hasattr(units, "get_unit_table"):
            units = units.get_unit_table()
        self._export_to = None if export_to is None else check_variable_name(export_to)
        self.debounce_s = float(debounce_s)
        self._timer: asyncio.TimerHandle | None = None
        self._events = _shell_events()
        if self._events is not None and self._export_to is not None:
            # Running the next cell writes a pending value first: never stale after a drag.
            self._events.register("pre_run_cell", self._flush_pending)
        self._syncing = False
        self.model = QualityModel(units, metrics)  # type: ignore[arg-type]
        self.metrics = self.model.metrics
        self._error = ipw.HTML("").add_class("vbn-qf-error")
        self._rows = {m: self._make_row(m) for m in self.metrics}
        self._build_controls(units)  # type: ignore[arg-type]
        self._fig = qp.build_figure(self.model, self.metrics)
        self._shown: list = [None] * len(self.metrics)
        self._count = ipw.HTML("").add_class("vbn-qf-count")
        self._tables = ipw.HTML("")
        first = qp.complete_settings(
            self.model, PRESETS["Allen tutorial"] if settings is None else settings
        )
        self.model.settings = first
        super().__init__(self._layout())
        self.add_class("vbn-quality-filter")
        self._show_settings()
        qp.update_densities(self._fig, self.model, self.metrics)
        self._refresh()
        self.flush()

    def __repr__(self) -> str:
        m = self.model
        return f"QualityFilter({m.n_passing:,} of {m.n_total:,} units pass, {m.settings.preset!r})"

    # ---- building --------------------------------------------------------------------------
    def _make_row(self, metric: str) -> dict:
        row = qp.make_row(self.model, metric)
        for name, w in row.items():
            w.observe(self._guard(lambda _c, m=metric, n=name: self._row_changed(m, n)), "value")
        row["box"] = ipw.HBox(list(row.values())).add_class("vbn-qf-row")
        return row

    def _build_controls(self, units: pd.DataFrame) -> None:
        self._preset = ipw.Dropdown(
            options=[*PRESETS, CUSTOM], description="preset", layout={"width": "280px"}
        ).add_class("vbn-qf-preset")
        self._preset.observe(self._guard(self._preset_changed), "value")
        self._sessions, self._areas, self._good = qp.restriction_controls(units)
        for w in (self._sessions, self._areas, self._good):
            w.observe(self._guard(self._restriction_changed), "value")
        self._json_box = ipw.Textarea(placeholder="settings JSON", layout={"width": "60%"})
        save = ipw.Button(description="save settings", icon="download")
        load = ipw.Button(description="load settings", icon="upload")
        save.on_click(self._guard(lambda _b: setattr(self._json_box, "value", self.settings_json)))
        load.on_click(self._guard(lambda _b: self.load_settings(self._json_box.value)))
        self._json_row = ipw.HBox([save, load, self._json_box])

    def _layout(self) -> list[ipw.Widget]:
        rows = [r["box"] for r in self._rows.values()]
        note = ipw.HTML(f"<small>{qp.MISSING_NOTE}</small>").add_class("vbn-qf-note")
        restrict = ipw.HBox([self._sessions, self._areas, self._good])
        return [
            ipw.HBox([self._preset, self._count]),
            *rows,
            note,
            self._error,
            restrict,
            self._fig,
            self._tables,
            self._json_row,
        ]

    # ---- settings <-> controls -------------------------------------------------------------
    def _show_settings(self) -> None:
        s = self.model.settings
        self._syncing = True
        try:
            self._preset.value = s.preset if s.preset in PRESETS else CUSTOM
            for m, row in self._rows.items():
                c = s.criterion(m)
                row["active"].value, row["keep"].value = c.active, c.keep
                row["inclusive"].value, row["missing"].value = c.inclusive, c.missing
                row["text"].value = c.threshold
                if not self._slider_at(m, c.threshold):
                    row["slider"].value = self.model.axis_value(m, c.threshold)
            self._sessions.value = () if s.sessions is None else s.sessions
            self._areas.value = () if s.areas is None else s.areas
            self._good.value = s.good_label_only
        finally:
            self._syncing = False

    def _apply(self, settings: Settings, *, debounce: bool) -> None:
        old = self.model.settings
        try:
            settings = qp.complete_settings(self.model, settings)
            self.model.settings = settings
        except Exception as exc:
            self._show_error(exc)
            raise
        self._error.value = ""
        self._show_settings()
        if (old.sessions, old.areas, old.good_label_only) != (
            settings.sessions,
            settings.areas,
            settings.good_label_only,
        ):
            qp.update_densities(self._fig, self.model, self.metrics)
        self._refresh()
        if debounce:
            self._schedule_export()
        else:
            self.flush()

    def _refresh(self) -> None:
        m = self.model
        self._count.value = f"<span>{m.n_passing:,} of {m.n_total:,} units pass</span>"
        qp.update_thresholds(self._fig, m, self.metrics, self._shown)
        per_session = m.per_session().sort_values("passing", ascending=False, kind="stable")
        self._tables.value = '<div style="display: flex; flex-wrap: wrap;">{}</div>'.format(
            qp.table_html("attrition", m.attrition().drop(columns="metric"))
            + qp.table_html("passing per area (top 15)", m.per_area().head(15), "area")
            + qp.table_html("passing per session (top 15)", per_session.head(15), "session")
        )

    # ---- observers (errors shown in the widget, never swallowed) -----------------------------
    def _guard(self, fn: Callable) -> Callable:
        def run(*args: object) -> None:
            if self._syncing:
                return
            try:
                fn(*args)
            except Exception as exc:
                log.debug("QualityFilter control change failed", exc_info=True)
                self._show_error(exc)
                self._show_settings()  # the controls show the settings in force

        return run

    def _show_error(self, exc: BaseException) -> None:
        self._error.value = (
            f'<span style="color: var(--jp-error-color1, #d32f2f)">'
            f"{html.escape(type(exc).__name__)}: {html.escape(str(exc))}</span>"
        )

    def _slider_at(self, metric: str, threshold: float) -> bool:
        """The slider is within half a step of ``threshold``: the browser snaps a value set
        from Python to its step grid and sends it back; that echo is no change."""
        slider = self._rows[metric]["slider"]
        x = min(max(self.model.axis_value(metric, threshold), slider.min), slider.max)
        return abs(slider.value - x) <= slider.step * 0.5001

    def _row_changed(self, metric: str, source: str) -> None:
        row = self._rows[metric]
        old = self.model.settings.criterion(metric)
        if source == "slider" and self._slider_at(metric, old.threshold):
            return
        if source == "slider":
            threshold = qp.nice(self.model.data_value(metric, row["slider"].value))
        else:
            threshold = row["text"].value
        c = Criterion(
            metric,
            row["keep"].value,
            threshold,
            row["inclusive"].value,
            row["active"].value,
            row["missing"].value,
        )
        settings = self.model.settings.with_criterion(c)
        self._apply(dataclasses.replace(settings, preset=CUSTOM), debounce=True)

    def _preset_changed(self, change: dict) -> None:
        if change["new"] == CUSTOM:
            self._apply(dataclasses.replace(self.model.settings, preset=CUSTOM), debounce=True)
        else:
            self.apply_preset(change["new"])

    def _restriction_changed(self, _change: dict) -> None:
        settings = dataclasses.replace(
            self.model.settings,
            sessions=tuple(self._sessions.value) or None,
            areas=tuple(self._areas.value) or None,
            good_label_only=self._good.value,
            preset=CUSTOM,
        )
        self._apply(settings, debounce=True)

    # ---- write-back ----------------------------------------------------------------------------
    def _schedule_export(self) -> None:
        if self._export_to is None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            loop = None
        if self.debounce_s <= 0 or loop is None:
            self.flush()
            return
        if self._timer is not None:
            self._timer.cancel()
        self._timer = loop.call_later(self.debounce_s, self.flush)

    def _flush_pending(self, _info: object = None) -> None:
        if self._timer is not None:
            self.flush()

    def close(self) -> None:
        events = getattr(self, "_events", None)  # also runs from __del__ after a failed __init__
        if events is not None and getattr(self, "_export_to", None) is not None:
            with contextlib.suppress(ValueError):
                events.unregister("pre_run_cell", self._flush_pending)
        super().close()

    def flush(self) -> None:
        """Write the passing unit_ids to ``export_to`` now (cancels a pending debounced write)."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._export_to is not None:
            write_variable(self._export_to, self.model.passing)

    # ---- Python API ------------------------------------------------------------------------------
    @property
    def settings(self) -> Settings:
        return self.model.settings

    @settings.setter
    def settings(self, settings: Settings) -> None:
        self._apply(settings, debounce=False)

    def apply_preset(self, name: str) -> None:
        """Apply a preset's criteria, keeping the current sessions / areas / label restriction."""
        if name not in PRESETS:
            exc = QualityError(f"unknown preset {name!r}; choose from {list(PRESETS)}")
            self._show_error(exc)
            raise exc
        s = self.model.settings
        preset = dataclasses.replace(
            PRESETS[name], sessions=s.sessions, areas=s.areas, good_label_only=s.good_label_only
        )
        self._apply(preset, debounce=False)

    @property
    def settings_json(self) -> str:
        return json.dumps(self.model.settings.to_json(), indent=1)

    def load_settings(self, settings: str | dict) -> None:
        """Apply settings from a JSON string or dict (as :attr:`settings_json` writes them)."""
        try:
            try:
                obj = json.loads(settings) if isinstance(settings, str) else settings
            except json.JSONDecodeError as exc:
                raise QualityError(f"settings are not valid JSON: {exc}") from exc
            parsed = Settings.from_json(obj)
        except QualityError as exc:
            self._show_error(exc)
            raise
        self._apply(parsed, debounce=False)

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

    @property
    def figure(self) -> ipw.DOMWidget:
        return self._fig
