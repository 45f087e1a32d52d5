"""``QualityFilter.figure()``: the widget's densities and thresholds as a plotly ``go.Figure``
(for reports and papers; the widget itself draws in the browser without plotly.js)."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from ..quality import QualityModel
from ..quality.binned import smooth
from ..quality.grid import Axis
from ..quality.regions import GROUP_ORDER

#: One colour per region group, readable on light and dark backgrounds (also in the CSS).
GROUP_COLORS = {
    "cortex": "#1f77b4",
    "thalamus": "#ff7f0e",
    "hippocampus": "#2ca02c",
    "midbrain": "#d62728",
    "other": "#8c8c8c",
}


def build_figure(model: QualityModel, axes: Sequence[Axis], counts: np.ndarray) -> go.Figure:
    """One subplot per metric: a density per region group (from ``counts[metric, group, bin]``)
    and, for an active criterion, a dotted threshold line labelled with its rule."""
    metrics = model.metrics
    cols = 2 if len(metrics) > 1 else 1
    rows = math.ceil(len(metrics) / cols)
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=list(metrics), vertical_spacing=0.12)
    for i, (metric, axis) in enumerate(zip(metrics, axes, strict=True)):
        row, col = divmod(i, cols)
        start, end = axis.span
        bins = counts.shape[2]
        x = start + (np.arange(bins) + 0.5) * (end - start) / bins
        for g, group in enumerate(GROUP_ORDER):
            y = smooth(counts[i, g], end - start)
            if y is None:
                continue
            fig.add_trace(
                go.Scatter(
                    x=x,
                    y=y,
                    mode="lines",
                    name=group,
                    legendgroup=group,
                    showlegend=i == 0,
                    line={"color": GROUP_COLORS[group], "width": 1.5},
                ),
                row=row + 1,
                col=col + 1,
            )
        ticks = axis.ticks()
        fig.update_xaxes(
            range=[start, end],
            tickmode="array",
            tickvals=[float(axis.position(v)) for v in ticks],
            ticktext=[f"{v:g}" for v in ticks],
            tickangle=0,
            title_text=f"{metric} (log scale)" if axis.log else metric,
            row=row + 1,
            col=col + 1,
        )
        fig.update_yaxes(showticklabels=False, row=row + 1, col=col + 1)
        c = model.settings.criterion(metric)
        if c is not None and c.active:
            fig.add_vline(
                x=float(axis.position(c.threshold)),
                line_dash="dot",
                line_color="black",
                annotation_text=f"{c.operator} {c.threshold:g}",
                annotation_position="top right",
                row=row + 1,  # type: ignore[arg-type]
                col=col + 1,  # type: ignore[arg-type]
            )
    fig.update_layout(
        height=230 * rows + 80,
        margin={"l": 30, "r": 20, "t": 50, "b": 40},
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 0},
        template="plotly_white",
        font={"size": 11},
        title_text=f"{model.n_passing:,} of {model.n_total:,} units pass",
    )
    return fig
