"""Helpers for ``QualityFilter``: control rows, density subplots, threshold lines, HTML tables."""

from __future__ import annotations

import dataclasses
import html
import math

import ipywidgets as ipw
import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from .quality import LOG_METRICS, PRESETS, Criterion, QualityError, QualityModel, QualitySettings
from .quality.regions import GROUP_ORDER

GROUP_COLORS = {
    "cortex": "#1f77b4",
    "thalamus": "#ff7f0e",
    "hippocampus": "#2ca02c",
    "midbrain": "#d62728",
    "other": "#7f7f7f",
}
LOG_TICKS = (1e-4, 1e-3, 1e-2, 0.1, 1, 10, 100, 1000)
TABLE_CSS = "font-size: 12px; margin-right: 16px; vertical-align: top;"
MISSING_NOTE = (
    "Missing values: a unit whose metric is NaN <b>fails</b> an active criterion unless that "
    "row says &ldquo;NaN passes&rdquo;. Sessions / areas / label restrict the units first."
)


def nice(value: float) -> float:
    """A slider position as a threshold with 6 significant digits."""
    return float(f"{float(value):.6g}")


def axis_range(model: QualityModel, metric: str) -> tuple[float, float]:
    """(low, high) of the metric's finite values on the plot axis; never empty."""
    x = model.axis_value(metric, model.values(metric))
    x = x[np.isfinite(x)]
    if x.size == 0:
        return 0.0, 1.0
    low, high = float(x.min()), float(x.max())
    return (low, low + 1.0) if high <= low else (low, high)


def complete_settings(model: QualityModel, settings: QualitySettings) -> QualitySettings:
    """``settings`` with exactly one criterion per metric of this widget (inactive defaults
    appended); criteria on other metrics: dropped from presets, an error otherwise."""
    if not isinstance(settings, QualitySettings):
        raise QualityError(f"settings must be QualitySettings, got {type(settings).__name__}")
    preset = settings.preset
    kept = []
    for c in settings.criteria:
        if c.metric in model.metrics:
            kept.append(c)
        elif settings.preset not in PRESETS:
            raise QualityError(f"criterion on {c.metric!r}, not one of {list(model.metrics)}")
        elif c.active:
            preset = "custom"
    for m in model.metrics:
        if settings.criterion(m) is None:
            v = model.values(m)
            median = float(np.median(v[np.isfinite(v)])) if np.isfinite(v).any() else 0.0
            kept.append(Criterion(m, "above", nice(median), active=False))
    return dataclasses.replace(settings, criteria=tuple(kept), preset=preset)


def make_row(model: QualityModel, metric: str) -> dict[str, ipw.ValueWidget]:
    """The controls of one criterion row; the slider moves on the plot axis (log10 for logs)."""
    low, high = axis_range(model, metric)
    return {
        "active": ipw.Checkbox(description=metric, indent=False, layout={"width": "160px"}),
        "keep": ipw.Dropdown(
            options=[("keep >", "above"), ("keep <", "below")], layout={"width": "80px"}
        ),
        "slider": ipw.FloatSlider(
            min=low, max=high, step=(high - low) / 200, readout=False, continuous_update=True
        ).add_class(f"vbn-qf-slider-{metric}"),
        "text": ipw.FloatText(layout={"width": "100px"}),
        "inclusive": ipw.Checkbox(description="inclusive", indent=False),
        "missing": ipw.Dropdown(
            options=[("NaN fails", "fail"), ("NaN passes", "pass")], layout={"width": "110px"}
        ),
    }


def restriction_controls(units: pd.DataFrame) -> tuple[ipw.ValueWidget, ...]:
    """Sessions and areas (with unit counts) and the good-label checkbox."""

    def options(column: str) -> list:
        if column not in units.columns:
            return []
        counts = units[column].value_counts().sort_index()
        return [(f"{v} ({n})", v) for v, n in counts.items()]

    return (
        ipw.SelectMultiple(options=options("ecephys_session_id"), rows=5, description="sessions"),
        ipw.SelectMultiple(options=options("structure_acronym"), rows=5, description="areas"),
        ipw.Checkbox(
            description='quality == "good" only',
            indent=False,
            disabled="quality" not in units.columns,
        ),
    )


def _log_ticks(low: float, high: float, metric: str, model: QualityModel) -> dict:
    vals = [v for v in LOG_TICKS if low <= model.axis_value(metric, v) <= high]
    return {
        "tickmode": "array",
        "tickvals": [model.axis_value(metric, v) for v in vals],
        "ticktext": [f"{v:g}" for v in vals],
    }


def build_figure(model: QualityModel, metrics: tuple[str, ...]) -> go.FigureWidget:
    """One subplot per metric, one density trace per region group (trace ``i * G + g``) and one
    dotted threshold shape per metric (shape ``i``)."""
    cols = max(1, math.ceil(len(metrics) / 2))
    rows = math.ceil(len(metrics) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(metrics))
    shapes = []
    for i, metric in enumerate(metrics):
        row, col = divmod(i, cols)
        for group in GROUP_ORDER:
            fig.add_trace(
                go.Scatter(
                    x=[],
                    y=[],
                    mode="lines",
                    name=group,
                    legendgroup=group,
                    showlegend=i == 0,
                    line={"color": GROUP_COLORS[group], "width": 1.5},
                ),
                row=row + 1,
                col=col + 1,
            )
        low, high = axis_range(model, metric)
        axis = "" if i == 0 else str(i + 1)
        xaxis = {"range": [low, high]}
        if metric in LOG_METRICS:
            xaxis.update(_log_ticks(low, high, metric, model))
        fig.update_layout({f"xaxis{axis}": xaxis, f"yaxis{axis}": {"showticklabels": False}})
        shapes.append(
            {
                "type": "line",
                "xref": f"x{axis}",
                "yref": f"y{axis} domain",
                "x0": low,
                "x1": low,
                "y0": 0,
                "y1": 1,
                "visible": False,
                "line": {"dash": "dot", "color": "black", "width": 2},
            }
        )
    fig.update_layout(
        shapes=shapes,
        height=190 * rows + 60,
        margin={"l": 20, "r": 20, "t": 40, "b": 30},
        legend={"orientation": "h", "y": -0.08},
        template="plotly_white",
        font={"size": 11},
    )
    return go.FigureWidget(fig)


def update_densities(fig: go.FigureWidget, model: QualityModel, metrics: tuple[str, ...]) -> None:
    """Set every density trace from ``model.densities`` (absent groups: empty)."""
    n = len(GROUP_ORDER)
    with fig.batch_update():
        for i, metric in enumerate(metrics):
            dens = model.densities(metric)
            for g, group in enumerate(GROUP_ORDER):
                x, y = dens.get(group, ((), ()))
                trace = fig.data[i * n + g]
                trace.x, trace.y = x, y


def update_thresholds(
    fig: go.FigureWidget, model: QualityModel, metrics: tuple[str, ...], shown: list
) -> None:
    """Move / show / hide threshold lines; ``shown`` caches (visible, x) to send only changes."""
    settings = model.settings
    changes = {}
    for i, metric in enumerate(metrics):
        c = settings.criterion(metric)
        state = (
            (False, None)
            if c is None or not c.active
            else (True, model.axis_value(metric, c.threshold))
        )
        if shown[i] != state:
            shown[i] = state
            changes[i] = state
    if not changes:
        return
    with fig.batch_update():
        for i, (visible, x) in changes.items():
            shape = fig.layout.shapes[i]
            shape.visible = visible
            if visible:
                shape.x0 = shape.x1 = x


def table_html(title: str, df: pd.DataFrame, index_name: str | None = None) -> str:
    """An escaped, compact HTML table with a caption."""
    frame = df.copy()
    if index_name is not None:
        frame.index.name = index_name
    body = frame.to_html(border=0, escape=True, index=index_name is not None)
    return f'<div style="{TABLE_CSS}"><b>{html.escape(title)}</b>{body}</div>'
