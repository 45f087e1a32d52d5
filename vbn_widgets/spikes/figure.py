"""A plotly figure of a :class:`~.model.ResponseModel`'s view, for reports (no widget code)."""

from __future__ import annotations

import numpy as np

from .colormaps import plotly_scale
from .model import ResponseModel


def view_figure(model: ResponseModel, unit_id: int | None = None, colormap: str = "viridis"):
    """Heatmap (units x time, display order, area labels), mean per area under it and, with
    ``unit_id``, that unit's raster grouped by condition and its PSTH per group (mean +- SEM)."""
    import plotly.graph_objects as go
    from plotly.subplots import make_subplots

    view, centers = model.view, model.bins.centers
    label = "rate (Hz)" if view.scale == "rate" else "z-score"
    rows = 4 if unit_id is not None else 2
    heights = [0.45, 0.2, 0.2, 0.15] if unit_id is not None else [0.7, 0.3]
    fig = make_subplots(rows=rows, cols=1, shared_xaxes=True, row_heights=heights,
                        vertical_spacing=0.04)  # fmt: skip
    low, high = model.color_range()
    table = model.table()
    fig.add_trace(
        go.Heatmap(
            z=model.values[model.order],
            x=centers,
            zmin=low,
            zmax=high,
            colorscale=plotly_scale(colormap),
            colorbar={"title": {"text": label}, "len": heights[0], "y": 1, "yanchor": "top"},
            customdata=np.stack([table.index.to_numpy(), table["area"].to_numpy()], axis=1),
            hovertemplate="unit %{customdata[0]} (%{customdata[1]})<br>t %{x:.3f} s<br>"
            "%{z:.2f}<extra></extra>",
        ),
        row=1,
        col=1,
    )
    for run in model.area_runs() if view.sort == "area" else []:
        fig.add_hline(y=run["stop"] - 0.5, line={"color": "white", "width": 1}, row=1, col=1)
        fig.add_annotation(x=centers[0], y=(run["start"] + run["stop"] - 1) / 2,
                           text=run["area"], showarrow=False, xanchor="right",
                           xshift=-4, font={"size": 9}, row=1, col=1)  # fmt: skip
    fig.update_yaxes(autorange="reversed", title_text=f"{len(model.units)} units", row=1, col=1)
    areas, means, counts = model.area_means()
    for area, mean, n in zip(areas, means, counts, strict=True):
        fig.add_trace(go.Scatter(x=centers, y=mean, name=f"{area} ({n})", mode="lines"),
                      row=2, col=1)  # fmt: skip
    fig.update_yaxes(title_text=f"mean {label}", row=2, col=1)
    if unit_id is not None:
        _unit_rows(fig, model, unit_id, go)
    events = model.events
    title = f"{events.label}: {len(events)} events, {view.bin_size * 1000:g} ms bins"
    fig.update_layout(title=title, height=300 + 200 * rows, template="plotly_white")
    fig.update_xaxes(title_text="time from event (s)", row=rows, col=1)
    return fig


def _unit_rows(fig, model: ResponseModel, unit_id: int, go) -> None:
    detail = model.unit_detail(unit_id)
    centers = model.bins.centers
    fig.add_trace(
        go.Scattergl(x=detail["times"], y=detail["rows"], mode="markers",
                     marker={"size": 2, "color": "black"}, name=f"unit {unit_id}",
                     showlegend=False),
        row=3, col=1,
    )  # fmt: skip
    fig.update_yaxes(autorange="reversed", title_text="events", row=3, col=1)
    for group, mean, sem in zip(detail["groups"], detail["mean"], detail["sem"], strict=True):
        band = np.concatenate([mean + sem, (mean - sem)[::-1]])
        fig.add_trace(go.Scatter(x=np.concatenate([centers, centers[::-1]]), y=band,
                                 fill="toself", line={"width": 0}, opacity=0.3,
                                 showlegend=False, hoverinfo="skip"), row=4, col=1)  # fmt: skip
        fig.add_trace(go.Scatter(x=centers, y=mean, mode="lines", name=f"{group}"),
                      row=4, col=1)  # fmt: skip
    fig.update_yaxes(title_text="rate (Hz)", row=4, col=1)
